import { Worker } from 'node:worker_threads';

/**
 * Node builds its bundled root certificate store the first time a TLS context is made, even one
 * given the kubeconfig's own CA: ~20 ms of CPU on Node 20 (~6 ms on Node 24) in the middle of a
 * deploy's start (bench/deploy.mjs profile). The store is process-wide, so a worker thread builds
 * it on the other core while this one loads the cluster client and renders the manifests; the
 * first request then finds it ready. Best effort: any failure leaves the work to the first request.
 */
export function buildTlsRootStoreInBackground(): void {
  try {
    new Worker("require('node:tls').createSecureContext();", { eval: true, stdout: true, stderr: true })
      .on('error', () => {})
      .unref();
  } catch {
    // Workers unavailable: nothing lost but the head start.
  }
}

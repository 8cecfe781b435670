// Vitest global setup for the `e2e` project: one real Kubernetes control plane per
// test run. Tests read it with `inject('kubeconfig')` (or KPUSH_TEST_KUBECONFIG) and
// use the real helm/kubectl from `inject('helmBin')` / `inject('kubectlBin')`.
//
// Never skips silently: if the toolchain cannot be built or the cluster does not
// start, the whole run fails with the reason and the tail of the cluster log.
import type { TestProject } from 'vitest/node';
import { type Cluster, startCluster } from './cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the admin kubeconfig of the test cluster. */
    kubeconfig: string;
    /** Absolute path of the real helm binary (v4). */
    helmBin: string;
    /** Absolute path of the real kubectl binary. */
    kubectlBin: string;
    /** https://127.0.0.1:PORT of the test cluster's API server. */
    kubeServer: string;
  }
}

function runFailed(project: TestProject): boolean {
  try {
    const state = project.vitest.state;
    return state.getCountOfFailedTests() > 0 || state.getFailedFilepaths().length > 0;
  } catch {
    return true; // cannot tell: keep the logs
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  let cluster: Cluster;
  try {
    cluster = await startCluster();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(
      `e2e: could not start the test Kubernetes cluster${process.env.CI === 'true' ? ' (CI=true: e2e tests are required)' : ''}.\n` +
        `Run \`npm run setup\` to build it and see the details.\n${msg}`,
    );
  }
  process.stderr.write(
    `e2e: cluster ${cluster.toolchain.kubernetesVersion} ready at ${cluster.server} in ${Date.now() - started} ms ` +
      `(log: ${cluster.logsPath})\n`,
  );

  project.provide('kubeconfig', cluster.kubeconfigPath);
  project.provide('helmBin', cluster.toolchain.helmBin);
  project.provide('kubectlBin', cluster.toolchain.kubectlBin);
  project.provide('kubeServer', cluster.server);
  process.env.KPUSH_TEST_KUBECONFIG = cluster.kubeconfigPath;
  process.env.KPUSH_HELM_BIN = cluster.toolchain.helmBin;
  process.env.KPUSH_KUBECTL_BIN = cluster.toolchain.kubectlBin;

  return async () => {
    const keepLogs = runFailed(project) || process.env.KPUSH_KEEP_CLUSTER_LOGS === '1';
    await cluster.stop({ keepLogs });
    if (keepLogs) process.stderr.write(`e2e: cluster log kept at ${cluster.logsPath}\n`);
  };
}

/**
 * What must happen when kpush is interrupted (Ctrl-C, a cancelled CI job's SIGTERM): stop the
 * git processes it started, then remove its temporary directories. Cleanups run newest first.
 */
const cleanups = new Set<() => void>();
let installed = false;

/** Registers `cleanup` for an interrupt; returns the function that unregisters it. */
export function onInterrupt(cleanup: () => void): () => void {
  install();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const [signal, exitCode] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      for (const cleanup of [...cleanups].reverse()) {
        try {
          cleanup();
        } catch {
          // Keep cleaning up: one failure must not leave the rest behind.
        }
      }
      process.exit(exitCode);
    });
  }
}

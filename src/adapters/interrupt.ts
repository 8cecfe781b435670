/**
 * What must happen when kpush is interrupted (Ctrl-C, a cancelled CI job's SIGTERM, SIGHUP):
 * stop the git processes it started, then remove its temporary directories. Cleanups run newest
 * first. (SIGKILL cannot be caught: exec.ts's lifeline stops git then.)
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
  // SIGHUP: the terminal or the runner's session went away; the same clean stop.
  for (const [signal, exitCode] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
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

/**
 * For long synchronous work (parsing every manifest): a function to await between steps that
 * yields to the event loop, where signals are handled, once `everyMs` have passed since the
 * last yield. Cheap enough to call after every file.
 */
export function signalCheckpoint(everyMs = 20): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < everyMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    last = performance.now();
  };
}

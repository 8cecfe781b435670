import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';

const live = new Set<string>();
let handlersInstalled = false;

/**
 * Runs `work` in a fresh temporary directory that is removed afterwards, also when the process
 * is interrupted (Ctrl-C, a cancelled CI job's SIGTERM): a clone of the env repo never lingers.
 */
export async function withTempDir<T>(
  root: string,
  prefix: string,
  work: (dir: string) => Promise<T>,
): Promise<T> {
  installSignalHandlers();
  const dir = await mkdtemp(join(root, prefix));
  live.add(dir);
  try {
    return await work(dir);
  } finally {
    live.delete(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      for (const dir of live) rmSync(dir, { recursive: true, force: true });
      process.exit(code);
    });
  }
}

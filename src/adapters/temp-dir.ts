import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { KpushError } from '../errors.js';
import { onInterrupt } from './interrupt.js';

/**
 * Runs `work` in a fresh temporary directory that is removed afterwards, also when the process
 * is interrupted: a clone of the env repo never lingers.
 */
export async function withTempDir<T>(
  root: string,
  prefix: string,
  work: (dir: string) => Promise<T>,
): Promise<T> {
  // Registered before the directory exists: a signal right after mkdtemp still removes it.
  let dir: string | undefined;
  const forget = onInterrupt(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
  });
  dir = await mkdtemp(join(root, prefix)).catch((error: unknown) => {
    forget();
    throw new KpushError(
      'E_TMPDIR',
      `cannot create a temporary directory in ${root}: ${(error as Error).message}`,
      {
        hint: 'Set TMPDIR to an existing directory kpush may write to (it clones the environment repository there).',
        cause: error,
      },
    );
  });
  try {
    return await work(dir);
  } finally {
    forget();
    // Synchronously: a few milliseconds for a clone without checkout, where fs.promises' rm
    // takes a trip through the thread pool per file (2.5 vs 4-10 ms measured).
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
  }
}

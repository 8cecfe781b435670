import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
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
  const dir = await mkdtemp(join(root, prefix));
  const forget = onInterrupt(() =>
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 }),
  );
  try {
    return await work(dir);
  } finally {
    forget();
    await rm(dir, { recursive: true, force: true });
  }
}

import { realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { KpushError } from '../errors.js';

/**
 * Refuses a `--path` that leads out of the clone through a symlink (absolute or relative target,
 * file or directory, anywhere along the path): kpush reads and writes only inside the clone,
 * dry run included. A path that does not exist is left to the caller to report.
 */
export async function assertInsideRepo(root: string, paths: readonly string[]): Promise<void> {
  const realRoot = await realpath(root);
  for (const path of paths) {
    const real = await realpath(join(root, path)).catch(() => null);
    if (real === null) continue;
    const inside = relative(realRoot, real);
    if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
      throw new KpushError(
        'E_PATH_ESCAPES',
        `--path ${path} leads outside the environment repository (to ${real}) through a symlink`,
        {
          hint: 'kpush only reads and writes inside the clone: point --path at the real files, or remove the symlink from the environment repository.',
          details: { path, resolved: real },
        },
      );
    }
  }
}

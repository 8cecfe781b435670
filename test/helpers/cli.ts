import { runCli } from '../../src/cli/program.js';
import { testGitEnv } from './git.js';

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A fixed clock by default, so output is stable; 'real' where durations matter (deploy waits). */
function clock(now: Date | 'real' | undefined): () => Date {
  if (now === 'real') return () => new Date();
  const fixed = now ?? new Date('2026-11-24T10:00:00Z');
  return () => fixed;
}

/** Runs kpush in-process, as the binary would, with captured streams and a given environment. */
export async function kpush(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; now?: Date | 'real'; tty?: boolean } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const exitCode = await runCli(args, {
    stdout: { write: (chunk: string) => (stdout += chunk), isTTY: options.tty ?? false },
    stderr: { write: (chunk: string) => (stderr += chunk), isTTY: options.tty ?? false, columns: 0 },
    env: { ...testGitEnv, ...options.env },
    cwd: options.cwd ?? process.cwd(),
    now: clock(options.now),
  });
  return { exitCode, stdout, stderr };
}

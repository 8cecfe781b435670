import { runCli } from '../../src/cli/program.js';
import { testGitEnv } from './git.js';

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs kpush in-process, as the binary would, with captured streams and a given environment. */
export async function kpush(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; now?: Date; tty?: boolean } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const exitCode = await runCli(args, {
    stdout: { write: (chunk: string) => (stdout += chunk), isTTY: options.tty ?? false },
    stderr: { write: (chunk: string) => (stderr += chunk), isTTY: options.tty ?? false, columns: 0 },
    env: { ...testGitEnv, ...options.env },
    cwd: options.cwd ?? process.cwd(),
    now: () => options.now ?? new Date('2026-11-24T10:00:00Z'),
  });
  return { exitCode, stdout, stderr };
}

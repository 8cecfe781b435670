import { Redactor } from '../output/redact.js';
import { Reporter, type OutputStream } from '../output/reporter.js';
import { createStyle, shouldUseColor } from '../output/style.js';

/** Everything a command may read from the outside world, injected so tests stay honest. */
export interface CliIO {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  now: () => Date;
}

export interface GlobalOptions {
  json: boolean;
  verbose: boolean;
  color: boolean;
}

export interface CommandContext extends CliIO {
  globals: GlobalOptions;
  reporter: Reporter;
}

export function createContext(io: CliIO, globals: GlobalOptions): CommandContext {
  const isTTY = io.stderr.isTTY === true;
  // Per stream: `kpush … --dry-run > change.patch` on a terminal colours stderr, not the patch.
  const colorFor = (stream: CliIO['stdout']) =>
    createStyle(shouldUseColor({ isTTY: stream.isTTY === true, env: io.env, noColorFlag: !globals.color }));
  const interactive = isTTY && (io.stderr.columns ?? 0) > 0 && !io.env.CI && io.env.TERM !== 'dumb';
  const reporter = new Reporter({
    stdout: io.stdout,
    stderr: io.stderr,
    style: colorFor(io.stderr),
    resultStyle: colorFor(io.stdout),
    redactor: Redactor.fromEnv(io.env),
    verbose: globals.verbose,
    interactive,
  });
  return { ...io, globals, reporter };
}

export interface ProcessIO extends CliIO {
  /** Resolves once a failed write to stdout has been reported; true when one failed. */
  stdoutFailed(): Promise<boolean>;
}

export function processIO(): ProcessIO {
  const stdout = guardedStdout(process.stdout, process.stderr);
  // Nowhere left to report a failure to write to stderr: never crash on it.
  process.stderr.on('error', () => {});
  return {
    stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
    stdoutFailed: stdout.failed,
  };
}

/**
 * stdout without Node's crash (an unhandled 'error' and a stack trace) when writing fails. A
 * reader that went away (`kpush … | head -1`: EPIPE) is no failure of kpush: the rest is
 * dropped quietly. Anything else (ENOSPC on a full disk) is one line on stderr and exit 1.
 */
function guardedStdout(
  stream: NodeJS.WriteStream,
  stderr: NodeJS.WriteStream,
): OutputStream & { failed(): Promise<boolean> } {
  let broken = false;
  let failed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (broken) return;
    broken = true;
    if (error.code === 'EPIPE') return;
    failed = true;
    stderr.write(
      `error: cannot write to stdout: ${error.message} — Free space, or redirect stdout somewhere writable.\n`,
    );
  });
  return {
    write: (chunk: string) => broken || stream.write(chunk),
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
    // The error of a failed write is emitted on the next tick: wait for it, then answer.
    failed: () => new Promise((resolve) => setImmediate(() => resolve(failed))),
  };
}

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
  const color = shouldUseColor({ isTTY, env: io.env, noColorFlag: !globals.color });
  const interactive = isTTY && (io.stderr.columns ?? 0) > 0 && !io.env.CI && io.env.TERM !== 'dumb';
  const reporter = new Reporter({
    stdout: io.stdout,
    stderr: io.stderr,
    style: createStyle(color),
    redactor: Redactor.fromEnv(io.env),
    verbose: globals.verbose,
    interactive,
  });
  return { ...io, globals, reporter };
}

export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
  };
}

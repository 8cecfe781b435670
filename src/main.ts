import { runCli } from './cli/program.js';
import { processIO } from './cli/context.js';

/** The executable's entry: the only place that sets the process exit code. */
export async function main(): Promise<void> {
  const io = processIO();
  const exitCode = await runCli(process.argv.slice(2), io);
  process.exitCode = (await io.stdoutFailed()) ? 1 : exitCode;
}

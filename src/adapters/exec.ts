import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { onInterrupt } from './interrupt.js';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Standard input: all of it, or a stream the caller writes to as it goes (and ends). */
  input?: string | Readable;
  /** Receives standard output as it arrives (`stdout` is then empty). */
  onStdout?: (chunk: Buffer) => void;
  /** Kill the child and everything it started after this many milliseconds. */
  timeoutMs?: number;
  /**
   * Also kill the child and everything it started when kpush dies without a chance to clean up
   * (SIGKILL, how CI runners cancel a job). For anything that must not happen after kpush is
   * gone, such as a push landing minutes after the job was cancelled.
   */
  dieWithParent?: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The child was killed because `timeoutMs` passed. */
  timedOut: boolean;
}

/**
 * Runs a program with an argument array (never a shell string) and captures its output.
 * It does not throw on a non-zero exit: callers decide what a failure means.
 */
export function exec(file: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const [program, argv] = options.dieWithParent
      ? ['/bin/sh', ['-c', LIFELINE_SCRIPT, 'kpush-lifeline', file, ...args]]
      : [file, args];
    const child = spawn(program, argv, {
      cwd: options.cwd,
      env: options.env,
      // fd 3 (dieWithParent): the lifeline, a pipe nothing is ever written to.
      stdio: [
        options.input === undefined ? 'ignore' : 'pipe',
        'pipe',
        'pipe',
        ...(options.dieWithParent ? ['pipe' as const] : []),
      ],
      // Its own process group, so an interrupt or a timeout stops git's helpers too (git
      // remote-http, ssh, a local receive-pack and its hooks).
      detached: true,
    });
    const forget = onInterrupt(() => killGroup(child.pid));
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup(child.pid);
          }, options.timeoutMs);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', options.onStdout ?? ((chunk: Buffer) => stdout.push(chunk)));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      forget();
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      forget();
      clearTimeout(timer);
      const errText = Buffer.concat(stderr).toString('utf8');
      if (options.dieWithParent && code === 127 && errText.startsWith(NOT_FOUND)) {
        // As spawn would have said without the wrapper.
        reject(Object.assign(new Error(`spawn ${file} ENOENT`), { code: 'ENOENT', path: file }));
        return;
      }
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: errText + (signal ? `\n(killed by ${signal})` : ''),
        timedOut,
      });
    });
    if (child.stdin) {
      // A child that exits before reading its input closes the pipe: that is its answer, not ours to crash on.
      child.stdin.on('error', () => {});
      if (typeof options.input === 'string') child.stdin.end(options.input);
      else options.input?.pipe(child.stdin);
    }
  });
}

const NOT_FOUND = 'kpush-lifeline: not found: ';

/**
 * Runs "$@" in the background and waits for it. A watcher blocks reading fd 3, a pipe kpush
 * holds open and never writes: the read returns only when kpush is gone, however it died, and
 * the watcher then kills the whole process group (this shell is its leader: `detached`). Node
 * cannot ask the kernel for this itself (no PR_SET_PDEATHSIG), and the program cannot stay in
 * kpush's process group, or an interrupt could not stop its helpers without killing the CI
 * script around kpush. Costs a shell and a subshell per call (about 2 ms).
 */
const LIFELINE_SCRIPT = `
command -v -- "$1" >/dev/null 2>&1 || { printf '${NOT_FOUND}%s\\n' "$1" >&2; exit 127; }
exec 4<&0
"$@" <&4 3<&- 4<&- &
child=$!
exec 4<&-
(read -r _ <&3; kill -KILL 0) </dev/null >/dev/null 2>&1 &
watcher=$!
exec 3<&-
wait "$child"
status=$?
kill "$watcher" 2>/dev/null
exit "$status"
`;

/**
 * SIGKILL, not SIGTERM: a terminated git would go on writing into the clone that is removed
 * next. A push cut off mid-way is safe: the server updates the ref atomically or not at all.
 */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

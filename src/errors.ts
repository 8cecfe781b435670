/**
 * The error catalogue. Commands throw these; only the entry point turns them into an exit code.
 * Every error says what went wrong and, in `hint`, what to do next.
 */

export const ExitCode = {
  Success: 0,
  /** Runtime failure: git, network, cluster, bad YAML content, nothing matched. */
  Failure: 1,
  /** Usage error: unknown flag, missing or invalid argument, invalid image reference or tag. */
  Usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface KpushErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Extra machine-readable facts, rendered in --json output. */
  details?: Record<string, unknown>;
}

export class KpushError extends Error {
  readonly exitCode: ExitCode = ExitCode.Failure;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    readonly code: string,
    message: string,
    options: KpushErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** The user asked for something kpush cannot parse or accept: exit 2. */
export class UsageError extends KpushError {
  override readonly exitCode = ExitCode.Usage;
  constructor(message: string, options: KpushErrorOptions = {}) {
    super('E_USAGE', message, options);
  }
}

/** A git command failed or git state is not what the command needs. */
export class GitError extends KpushError {}

/** A YAML file does not parse; carries `file:line:col` so editors can jump to it. */
export class YamlSyntaxError extends KpushError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    reason: string,
  ) {
    super('E_YAML_SYNTAX', `${file}:${line}:${column}: ${reason}`, {
      hint: 'Fix the YAML (or narrow the scan with --path); nothing was committed.',
      details: { file, line, column },
    });
  }
}

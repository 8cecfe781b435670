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
  /** `kpush drift`: the cluster differs from the env repo. */
  Drift: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface KpushErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Extra machine-readable facts, rendered in --json output. */
  details?: Record<string, unknown>;
  /** The command already wrote its --json result (which holds the error): print only the line. */
  resultWritten?: boolean;
}

export class KpushError extends Error {
  readonly exitCode: ExitCode = ExitCode.Failure;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly resultWritten: boolean;

  constructor(
    readonly code: string,
    message: string,
    options: KpushErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.details = options.details;
    this.resultWritten = options.resultWritten ?? false;
  }
}

/** The user asked for something kpush cannot parse or accept: exit 2. */
export class UsageError extends KpushError {
  override readonly exitCode = ExitCode.Usage;
  constructor(message: string, options: KpushErrorOptions = {}) {
    super('E_USAGE', message, options);
  }
}

/** `kpush drift` found differences (exit 3): the report is already written. */
export class DriftFoundError extends KpushError {
  override readonly exitCode = ExitCode.Drift;
  constructor(message: string, options: KpushErrorOptions = {}) {
    super('E_DRIFT', message, options);
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
    hint = 'Fix the YAML (or narrow the scan with --path); nothing was committed.',
  ) {
    super('E_YAML_SYNTAX', `${file}:${line}:${column}: ${reason}`, {
      hint,
      details: { file, line, column },
    });
  }
}

/** Rendered manifests failed validation; lists every problem so that one round of fixes is enough. */
export class ManifestValidationError extends KpushError {
  /** Each problem as `ManifestProblem` (core/deploy/types.ts) has it; typed inline so this file imports nothing. */
  constructor(readonly problems: readonly { file: string; line: number; message: string }[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = problems.map((problem) => `  ${problem.file}:${problem.line}: ${problem.message}`);
    super('E_MANIFEST_INVALID', [`${count} in the manifests:`, ...lines].join('\n'), {
      hint: 'Fix each listed object and run again; nothing was applied.',
      details: { problems },
    });
  }
}

/** The deploy input is unsafe or unreadable: a symlink out of the root, a huge or non-UTF-8 file. */
export class ManifestSourceError extends KpushError {
  constructor(
    code:
      | 'E_PATH_NOT_FOUND'
      | 'E_PATH_OUTSIDE_ROOT'
      | 'E_SYMLINK_ESCAPE'
      | 'E_MANIFEST_TOO_LARGE'
      | 'E_MANIFEST_ENCODING'
      | 'E_NESTED_KUSTOMIZATION',
    readonly path: string,
    message: string,
    hint: string,
  ) {
    super(code, message, { hint, details: { path } });
  }
}

/** kustomize (or `kubectl kustomize`) is missing, failed or timed out; `message` carries its stderr. */
export class KustomizeError extends KpushError {
  constructor(
    code: 'E_KUSTOMIZE_NOT_FOUND' | 'E_KUSTOMIZE_FAILED' | 'E_KUSTOMIZE_TIMEOUT',
    message: string,
    hint: string,
    details?: Record<string, unknown>,
  ) {
    super(code, message, { hint, details });
  }
}

/** helm is missing or too old, failed, was cut off, or finds its release stuck mid-operation. */
export class HelmError extends KpushError {
  constructor(
    code:
      | 'E_HELM_NOT_FOUND'
      | 'E_HELM_VERSION'
      | 'E_HELM_FAILED'
      | 'E_HELM_KILLED'
      | 'E_HELM_RELEASE_PENDING'
      | 'E_HELM_CHART_NOT_FOUND',
    message: string,
    hint: string,
    details?: Record<string, unknown>,
  ) {
    super(code, message, { hint, ...(details ? { details } : {}) });
  }
}

/** A forge's API (GitHub, GitLab, Gitea) refused or failed a pull-request step. */
export class ForgeError extends KpushError {
  constructor(
    code:
      | 'E_FORGE_AUTH'
      | 'E_FORGE_NOT_FOUND'
      | 'E_FORGE_REQUEST'
      | 'E_FORGE_UNREACHABLE'
      | 'E_FORGE_TIMEOUT'
      | 'E_FORGE_REDIRECT'
      | 'E_FORGE_NO_TOKEN',
    message: string,
    options: KpushErrorOptions = {},
  ) {
    super(code, message, options);
  }
}

/** kpush.yaml or a KPUSH_* variable holds an unknown key or a value of the wrong type: exit 2. */
export class ConfigError extends KpushError {
  override readonly exitCode = ExitCode.Usage;
  constructor(message: string, options: KpushErrorOptions = {}) {
    super('E_CONFIG', message, options);
  }
}

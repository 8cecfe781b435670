/**
 * The action's pure half: inputs → the kpush argument array, and kpush's --json result and exit
 * code → step outputs and a verdict. No @actions/core here, so it is unit-tested directly.
 */

export const ACTION_COMMANDS = [
  'build-tag',
  'bump-manifest',
  'deploy',
  'drift',
  'rollback',
  'history',
] as const;
export type ActionCommand = (typeof ACTION_COMMANDS)[number];

/** kpush's exit code for "drift found" (kpush drift); 0, 1 and 2 as everywhere. */
export const DRIFT_EXIT_CODE = 3;

export interface ActionInputs {
  command: ActionCommand;
  strategy: string;
  buildContext: string;
  repo: string;
  images: string[];
  paths: string[];
  branch: string;
  dryRun: boolean;
  app: string;
  dir: string;
  path: string;
  namespace: string;
  contexts: string[];
  /** The temporary file the kubeconfig input was written to, or '' without one. */
  kubeconfigFile: string;
  auditFile: string;
  verbose: boolean;
  /** The `args` input, already split. */
  args: string[];
}

type OptionInput = Exclude<keyof ActionInputs, 'command' | 'verbose' | 'args'>;

/** Input name (as in action.yml) of each option, for messages. */
const INPUT_NAMES: Record<OptionInput, string> = {
  strategy: 'strategy',
  buildContext: 'build-context',
  repo: 'repo',
  images: 'images',
  paths: 'paths',
  branch: 'branch',
  dryRun: 'dry-run',
  app: 'app',
  dir: 'dir',
  path: 'path',
  namespace: 'namespace',
  contexts: 'context',
  kubeconfigFile: 'kubeconfig',
  auditFile: 'audit-file',
};

/** Which inputs each command takes, in argv order. A positional input is marked as such. */
const COMMAND_INPUTS: Record<ActionCommand, readonly OptionInput[]> = {
  'build-tag': ['strategy', 'buildContext', 'dir'],
  'bump-manifest': ['repo', 'images', 'paths', 'branch', 'dryRun'],
  deploy: ['dir', 'repo', 'path', 'app', 'namespace', 'kubeconfigFile', 'contexts', 'dryRun', 'auditFile'],
  drift: ['dir', 'repo', 'path', 'app', 'namespace', 'kubeconfigFile', 'contexts'],
  rollback: [
    'repo',
    'branch',
    'path',
    'app',
    'namespace',
    'kubeconfigFile',
    'contexts',
    'dryRun',
    'auditFile',
  ],
  history: ['app', 'namespace', 'kubeconfigFile', 'contexts'],
};

/** The flag each input becomes; `null` for deploy's and drift's positional directory. */
function flagFor(command: ActionCommand, input: OptionInput): string | null {
  switch (input) {
    case 'buildContext':
      return '--context';
    case 'contexts':
      return '--context';
    case 'images':
      return '--image';
    case 'paths':
      return '--path';
    case 'kubeconfigFile':
      return '--kubeconfig';
    case 'auditFile':
      return '--audit-file';
    case 'dryRun':
      return '--dry-run';
    case 'dir':
      return command === 'build-tag' ? '--cwd' : null;
    default:
      return `--${input}`;
  }
}

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export function isActionCommand(value: string): value is ActionCommand {
  return (ACTION_COMMANDS as readonly string[]).includes(value);
}

/** Inputs a command does not use are an error, not silently dropped: `images` on build-tag is a typo. */
export function unusedInputs(inputs: ActionInputs): string[] {
  const used = new Set<OptionInput>(COMMAND_INPUTS[inputs.command]);
  return (Object.keys(INPUT_NAMES) as OptionInput[])
    .filter((input) => !used.has(input) && isGiven(inputs[input]))
    .map((input) => INPUT_NAMES[input]);
}

/** `kpush <command> --json [--verbose] <flags from inputs> <args>` as an argument array. */
export function commandArgv(inputs: ActionInputs): string[] {
  const unused = unusedInputs(inputs);
  if (unused.length > 0) {
    const list = unused.join(', ');
    throw new InputError(
      `${inputs.command} does not take the input${unused.length === 1 ? '' : 's'} ${list}; pass other flags through args`,
    );
  }
  const argv: string[] = [inputs.command, '--json'];
  if (inputs.verbose) argv.push('--verbose');
  for (const input of COMMAND_INPUTS[inputs.command]) {
    const value = inputs[input];
    if (!isGiven(value)) continue;
    const flag = flagFor(inputs.command, input);
    if (typeof value === 'boolean') argv.push(flag ?? '');
    else if (Array.isArray(value)) for (const item of value) argv.push(...(flag ? [flag, item] : [item]));
    else argv.push(...(flag ? [flag, value] : [value]));
  }
  // history and rollback read one cluster.
  if ((inputs.command === 'history' || inputs.command === 'rollback') && inputs.contexts.length > 1) {
    throw new InputError(`${inputs.command} reads one cluster: give one context`);
  }
  return [...argv, ...inputs.args];
}

function isGiven(value: string | string[] | boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.length > 0;
  return value !== '';
}

/** The step's verdict from kpush's exit code and --json document. */
export interface ActionOutcome {
  outputs: Record<string, string>;
  /** Why the step fails, or null when it succeeds. */
  failure: string | null;
}

export function actionOutcome(
  command: ActionCommand,
  exitCode: number,
  result: unknown,
  options: { failOnDrift: boolean; auditFile: string },
): ActionOutcome {
  const doc = isRecord(result) ? result : {};
  const outputs: Record<string, string> = { 'exit-code': String(exitCode) };
  if (result !== undefined) outputs.json = JSON.stringify(result);
  const text = (value: unknown) => (typeof value === 'string' ? value : '');

  switch (command) {
    case 'build-tag':
      outputs.tag = text(doc.tag);
      outputs.sha = text(doc.sha);
      outputs.branch = text(doc.branch);
      outputs.status = exitCode === 0 ? 'tagged' : 'failed';
      break;
    case 'bump-manifest':
      outputs.status = text(doc.status) || 'failed';
      outputs.commit = text(doc.commit);
      outputs.branch = text(doc.branch);
      outputs['changed-files'] = changedFiles(doc.changes).join('\n');
      break;
    case 'deploy':
    case 'rollback': {
      const records = Array.isArray(doc.records) ? doc.records.filter(isRecord) : [doc];
      const results = records.map((record) => text(record.result)).filter(Boolean);
      outputs.status =
        text(doc.status) ||
        (results.includes('failed') ? 'failed' : results[0]) ||
        (exitCode === 0 ? 'succeeded' : 'failed');
      const envRepo = records[0]?.envRepo;
      outputs.commit = text(doc.commit) || (isRecord(envRepo) ? text(envRepo.commit) : '');
      if (options.auditFile) outputs['audit-record'] = options.auditFile;
      break;
    }
    case 'drift':
      outputs.status =
        exitCode === DRIFT_EXIT_CODE ? 'drift' : exitCode === 0 ? text(doc.status) || 'in-sync' : 'failed';
      break;
    case 'history':
      outputs.status = exitCode === 0 ? 'listed' : 'failed';
      break;
  }

  let failure: string | null = null;
  if (command === 'drift' && exitCode === DRIFT_EXIT_CODE) {
    failure = options.failOnDrift ? 'kpush drift: the cluster differs from the environment repository' : null;
  } else if (exitCode !== 0) {
    failure = `kpush ${command} failed (exit ${exitCode})`;
  }
  return { outputs, failure };
}

/** Each changed file once, in the order of the changes. */
function changedFiles(changes: unknown): string[] {
  if (!Array.isArray(changes)) return [];
  const files = changes.filter(isRecord).map((change) => change.file);
  return [...new Set(files.filter((file): file is string => typeof file === 'string'))];
}

/** Where a failure points, for `::error file=…,line=…,col=…::` annotations. */
export interface Annotation {
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/**
 * Annotations from kpush's --json error: a YAML syntax error has file, line and column; a
 * manifest validation error lists each problem with file and line.
 */
export function errorAnnotations(result: unknown): Annotation[] {
  const doc = isRecord(result) ? result : {};
  const error = isRecord(doc.error) ? doc.error : null;
  if (!error) return [];
  const message = [error.message, error.hint].filter((part) => typeof part === 'string' && part).join(' — ');
  if (Array.isArray(error.problems)) {
    return error.problems.filter(isRecord).map((problem) => ({
      message: String(problem.message ?? message),
      ...(typeof problem.file === 'string' ? { file: problem.file } : {}),
      ...(typeof problem.line === 'number' ? { line: problem.line } : {}),
    }));
  }
  return [
    {
      message,
      ...(typeof error.file === 'string' ? { file: error.file } : {}),
      ...(typeof error.line === 'number' ? { line: error.line } : {}),
      ...(typeof error.column === 'number' ? { column: error.column } : {}),
    },
  ];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

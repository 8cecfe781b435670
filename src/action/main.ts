/**
 * The GitHub Action: reads inputs through @actions/core, runs the CLI in-process with --json,
 * maps its result to step outputs, annotations and the job summary. The CLI never loads this
 * module or @actions/core; only dist/action/index.js (bundled from src/action/index.ts) does.
 */
import * as core from '@actions/core';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/program.js';
import { describeChange } from '../core/bump/plan.js';
import { Redactor } from '../output/redact.js';
import { splitArgs } from './args.js';
import { kubeconfigSecrets } from './kubeconfig.js';
import {
  type ActionCommand,
  type ActionInputs,
  actionOutcome,
  commandArgv,
  errorAnnotations,
  InputError,
  isActionCommand,
} from './plan.js';

// Run from source (@github/local-action runs this file through tsx), the version the bundler puts
// in (src/globals.d.ts) is missing; in the bundle this whole statement folds away.
if (typeof __KPUSH_VERSION__ === 'undefined') {
  const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
  Object.assign(globalThis, { __KPUSH_VERSION__: pkg.version });
}

const KUBE_COMMANDS: readonly ActionCommand[] = ['deploy', 'drift', 'rollback', 'history'];
const RECORDING_COMMANDS: readonly ActionCommand[] = ['deploy', 'rollback'];

export async function run(): Promise<void> {
  const redactor = new Redactor();
  const cleanups: string[] = [];
  try {
    await runAction(redactor, cleanups);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    fail(redactor.redact(error instanceof InputError ? message : `kpush action: ${message}`));
  } finally {
    for (const dir of cleanups) await rm(dir, { recursive: true, force: true });
  }
}

async function runAction(redactor: Redactor, cleanups: string[]): Promise<void> {
  // Masks first: nothing below may print a credential before GitHub knows to hide it.
  const token = core.getInput('token');
  const kubeconfig = core.getInput('kubeconfig');
  maskSecret(redactor, token);
  if (token) maskSecret(redactor, Buffer.from(`x-access-token:${token}`).toString('base64'));
  const kube = kubeconfig ? kubeconfigSecrets(kubeconfig) : null;
  for (const secret of kube?.secrets ?? []) maskSecret(redactor, secret);

  const command = core.getInput('command', { required: true }).trim();
  if (!isActionCommand(command)) {
    throw new InputError(
      `command ${JSON.stringify(command)} is not one of build-tag, bump-manifest, deploy, drift, rollback, history`,
    );
  }
  if (kube?.problem) throw new InputError(kube.problem);
  if (kubeconfig && !KUBE_COMMANDS.includes(command)) {
    throw new InputError(`${command} does not take the input kubeconfig`);
  }

  const temp = process.env.RUNNER_TEMP || tmpdir();
  let kubeconfigFile = '';
  if (kubeconfig) {
    // A directory only this user can enter, a file only this user can read; removed when the step ends.
    const dir = await mkdtemp(join(temp, 'kpush-kubeconfig-'));
    cleanups.push(dir);
    kubeconfigFile = join(dir, 'config');
    await writeFile(kubeconfigFile, kubeconfig, { mode: 0o600 });
  }
  const auditFile =
    core.getInput('audit-file') ||
    (RECORDING_COMMANDS.includes(command) ? join(temp, 'kpush-audit.jsonl') : '');

  const inputs: ActionInputs = {
    command,
    strategy: core.getInput('strategy'),
    buildContext: core.getInput('build-context'),
    repo: core.getInput('repo'),
    images: multiline('images'),
    paths: multiline('paths'),
    branch: core.getInput('branch'),
    dryRun: core.getBooleanInput('dry-run'),
    app: core.getInput('app'),
    dir: core.getInput('dir'),
    path: core.getInput('path'),
    namespace: core.getInput('namespace'),
    contexts: multiline('context'),
    kubeconfigFile,
    auditFile: RECORDING_COMMANDS.includes(command) ? auditFile : '',
    verbose: core.getBooleanInput('verbose') || core.isDebug(),
    args: parseArgs(core.getInput('args')),
  };
  const argv = commandArgv(inputs);
  if (token === '' && pushesWithToken(inputs) && !process.env.KPUSH_GIT_TOKEN && !process.env.GITHUB_TOKEN) {
    core.warning(
      'the token input is empty: no token is sent to an HTTPS repo. A secret this workflow cannot read (a fork, Dependabot) expands to nothing.',
    );
  }

  const env = cliEnv(token);
  let stdout = '';
  const stderr = lineWriter((line) => {
    const clean = redactor.redact(line);
    if (clean.startsWith('warning: ')) core.warning(clean.slice('warning: '.length));
    else core.info(clean);
  });
  const exitCode = await core.group(`kpush ${argv.map(quoteForLog).join(' ')}`, async () => {
    const code = await runCli(argv, {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr,
      env,
      // The runner starts actions in GITHUB_WORKSPACE; local-action starts them in the action's folder.
      cwd: process.env.GITHUB_WORKSPACE || process.cwd(),
      now: () => new Date(),
    });
    stderr.flush();
    return code;
  });

  const result = parseJson(stdout);
  const document = result === undefined ? undefined : redactor.redactValue(result);
  const failOnDrift = core.getBooleanInput('fail-on-drift');
  const outcome = actionOutcome(command, exitCode, document, { failOnDrift, auditFile: inputs.auditFile });
  for (const [name, value] of Object.entries(outcome.outputs)) core.setOutput(name, value);

  if (exitCode === 0) await report(command, document);
  if (outcome.failure === null) {
    if (outcome.outputs.status === 'drift')
      core.warning('kpush drift: the cluster differs from the environment repository');
    return;
  }
  const annotations = errorAnnotations(document);
  if (annotations.some((annotation) => annotation.file)) {
    for (const annotation of annotations) {
      fail(annotation.message, {
        title: `kpush ${command}`,
        ...(annotation.file ? { file: annotation.file } : {}),
        ...(annotation.line ? { startLine: annotation.line } : {}),
        ...(annotation.column ? { startColumn: annotation.column } : {}),
      });
    }
  } else {
    fail(stderr.lastError() ?? annotations[0]?.message ?? outcome.failure);
  }
}

/** What setFailed does, with annotation properties: an error line and a failing exit code. */
function fail(message: string, properties?: core.AnnotationProperties): void {
  core.error(message, properties);
  process.exitCode = 1;
}

function maskSecret(redactor: Redactor, secret: string): void {
  if (secret === '') return;
  core.setSecret(secret);
  redactor.add(secret);
}

function multiline(name: string): string[] {
  return core
    .getMultilineInput(name)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function parseArgs(text: string): string[] {
  try {
    return splitArgs(text);
  } catch (error) {
    throw new InputError((error as Error).message);
  }
}

function pushesWithToken(inputs: ActionInputs): boolean {
  return (
    (inputs.command === 'bump-manifest' || inputs.command === 'rollback') && /^https:/i.test(inputs.repo)
  );
}

/**
 * The CLI's environment: the step's, without the action's inputs (INPUT_TOKEN would reach every
 * git child) and without GITHUB_OUTPUT (the action sets outputs itself, once), plus the token.
 */
function cliEnv(token: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('INPUT_') && key !== 'GITHUB_OUTPUT') env[key] = value;
  }
  if (token) env.KPUSH_GIT_TOKEN = token;
  return env;
}

/** Forwards whole lines as they come; remembers the CLI's `error:` line for the failure message. */
function lineWriter(onLine: (line: string) => void) {
  let pending = '';
  let lastError: string | null = null;
  const emit = (line: string) => {
    if (line.startsWith('error: ')) lastError = line.slice('error: '.length);
    onLine(line);
  };
  return {
    write(chunk: string) {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) emit(line);
      return true;
    },
    flush() {
      if (pending !== '') emit(pending);
      pending = '';
    },
    lastError: () => lastError,
  };
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function quoteForLog(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A readable log and the job summary for commands whose CLI writes none in --json mode. */
async function report(command: ActionCommand, result: unknown): Promise<void> {
  if (typeof result !== 'object' || result === null) return;
  const doc = result as Record<string, unknown>;
  if (command === 'build-tag') {
    core.info(`tag ${String(doc.tag)} (sha ${String(doc.sha)}, branch ${String(doc.branch ?? '(none)')})`);
    await core.summary
      .addRaw(
        `### kpush build-tag: \`${cell(String(doc.tag))}\`\n\n| strategy | sha | branch |\n|---|---|---|\n` +
          `| ${cell(String(doc.strategy))} | ${cell(String(doc.sha))} | ${cell(String(doc.branch ?? ''))} |\n`,
      )
      .write();
  } else if (command === 'bump-manifest') {
    const changes = Array.isArray(doc.changes) ? (doc.changes as Parameters<typeof describeChange>[0][]) : [];
    for (const change of changes) core.info(describeChange(change));
    const where = `${String(doc.repo)} (${String(doc.branch)})`;
    const headline =
      doc.status === 'pushed'
        ? `pushed ${String(doc.commit).slice(0, 7)} to ${where}`
        : doc.status === 'dry-run'
          ? `dry run: would change ${where}; nothing was pushed`
          : `${String(doc.status)}: ${where}`;
    core.info(headline);
    if (typeof doc.diff === 'string' && doc.diff !== '') {
      await core.group('diff', async () => core.info(doc.diff as string));
    }
    const rows = changes
      .map(
        (change) =>
          `| ${cell(`${change.file}:${change.line}`)} | ${cell(change.old)} | ${cell(change.new)} |`,
      )
      .join('\n');
    await core.summary
      .addRaw(
        `### kpush bump-manifest: ${cell(headline)}\n\n` +
          (rows ? `| where | old | new |\n|---|---|---|\n${rows}\n` : 'No change.\n'),
      )
      .write();
  }
}

/** Text from the repositories inside a markdown table cell: no column breaks, no HTML. */
function cell(text: string): string {
  return text
    .replace(/[|\\`]/g, '\\$&')
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;');
}

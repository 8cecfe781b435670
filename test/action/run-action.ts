import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { tempDir, testGitEnv } from '../helpers/git.js';

/** The repository root: the action's own folder, where action.yml is. */
export const ACTION_DIR = resolve(import.meta.dirname, '../..');

export interface ActionRun {
  exitCode: number | null;
  /** Everything the step printed, stdout and stderr. */
  log: string;
  outputs: Record<string, string>;
  summary: string;
  runnerTemp: string;
}

/**
 * Runs src/action/main.ts through @github/local-action, from the action's folder, with inputs
 * as INPUT_* variables in its dotenv file (local-action fills in action.yml defaults).
 * Outputs are what the action set through @actions/core (local-action's `::set-output` lines).
 */
export async function runLocalAction(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  const dir = tempDir('kpush-action-');
  // Through the dotenv file: local-action starts its runner with a shell (execSync), and sh drops
  // variables whose names are not shell names (INPUT_DRY-RUN).
  const dotenv = join(dir, '.env');
  writeFileSync(
    dotenv,
    Object.entries(inputs)
      .map(([name, value]) => `INPUT_${name.toUpperCase()}="${dotenvValue(value)}"\n`)
      .join(''),
  );
  const run = await runStep(
    [
      join(ACTION_DIR, 'node_modules/@github/local-action/bin/local-action.js'),
      ACTION_DIR,
      'src/action/main.ts',
      dotenv,
    ],
    {},
    env,
    dir,
    process.execPath,
  );
  return { ...run, outputs: parseSetOutputLines(run.log) };
}

/**
 * Runs the committed bundle dist/action/index.js exactly as the runner does: `node` (KPUSH_ACTION_NODE,
 * the Node 24 that action.yml's `using: node24` names) with every input as INPUT_*, action.yml's
 * defaults filled in, and GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files. The real @actions/core runs.
 */
export async function runBundledAction(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  const dir = tempDir('kpush-action-');
  const outputFile = join(dir, 'output');
  writeFileSync(outputFile, '');
  const metadata = parse(readFileSync(join(ACTION_DIR, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  const withDefaults: Record<string, string> = {};
  for (const [name, spec] of Object.entries(metadata.inputs)) withDefaults[name] = spec.default ?? '';
  const run = await runStep(
    [join(ACTION_DIR, 'dist/action/index.js')],
    { ...withDefaults, ...inputs },
    { ...env, GITHUB_OUTPUT: outputFile },
    dir,
    process.env.KPUSH_ACTION_NODE || process.execPath,
  );
  return { ...run, outputs: parseOutputFile(readFileSync(outputFile, 'utf8')) };
}

async function runStep(
  args: string[],
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv,
  dir: string,
  node: string,
): Promise<Omit<ActionRun, 'outputs'>> {
  const runnerTemp = join(dir, 'runner-temp');
  const summaryFile = join(dir, 'summary.md');
  writeFileSync(summaryFile, '');
  mkdirSync(runnerTemp);
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
  );
  const child = spawn(node, args, {
    cwd: ACTION_DIR,
    env: {
      ...testGitEnv,
      HOME: dir,
      NO_COLOR: '1',
      RUNNER_TEMP: runnerTemp,
      GITHUB_STEP_SUMMARY: summaryFile,
      ...inputEnv,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exitCode = await new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  return { exitCode, log, summary: readFileSync(summaryFile, 'utf8'), runnerTemp };
}

/** GITHUB_OUTPUT as @actions/core writes it: `name<<delimiter`, value lines, `delimiter`. */
function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const match = /^([\w-]+)<<(.+)$/.exec(lines[index]!);
    if (!match) continue;
    const end = lines.indexOf(match[2]!, index + 1);
    outputs[match[1]!] = lines.slice(index + 1, end).join('\n');
    index = end;
  }
  return outputs;
}

/** A double-quoted dotenv value: dotenv turns `\\n` back into a line break and knows no other escape. */
function dotenvValue(value: string): string {
  if (/["\\]/.test(value)) throw new Error(`a local-action input cannot hold " or \\: ${value}`);
  return value.replaceAll('\n', '\\n');
}

/** local-action's `::set-output name=…::value` lines; a multi-line value runs to the next `::` line. */
function parseSetOutputLines(log: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  let current: string | null = null;
  for (const line of log.split('\n')) {
    const match = /^::set-output name=([\w-]+)::(.*)$/.exec(line);
    if (match) {
      current = match[1]!;
      outputs[current] = match[2]!;
    } else if (current !== null && line !== '' && !line.startsWith('::') && !line.startsWith('=')) {
      outputs[current] += `\n${line}`;
    } else current = null;
  }
  return outputs;
}

/** The files of examples/env-repo (path → content), to make an env repository of. */
export function exampleEnvRepoFiles(): Record<string, string> {
  const root = join(ACTION_DIR, 'examples/env-repo');
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else files[path] = readFileSync(join(root, path), 'utf8');
    }
  };
  walk('');
  return files;
}

import { tmpdir } from 'node:os';
import type { DeployDeps } from '../commands/deploy.js';
import { UsageError } from '../errors.js';
import type { CommandContext } from './context.js';

/**
 * What the commands that read an env repo and talk to a cluster (deploy, drift, rollback) share:
 * option checks, each a usage error (exit 2) before anything is cloned or sent, and their deps.
 */

/** App names become object names (`kpush-<app>`, label values): a DNS label, short enough for both. */
const APP_NAME = /^[a-z0-9]([a-z0-9-]{0,51}[a-z0-9])?$/;

export function checkAppName(app: string): void {
  if (!APP_NAME.test(app)) {
    throw new UsageError(`--app ${JSON.stringify(app)} is not a valid name`, {
      hint: 'Use lower-case letters, digits and dashes, at most 53 characters (it names Kubernetes objects).',
    });
  }
}

/** An empty value (`--path ""`) would silently mean "the default": refuse it. */
export function checkNotEmpty(values: readonly (readonly [flag: string, value: string | undefined])[]): void {
  for (const [flag, value] of values) {
    if (value !== undefined && value.trim() === '') throw new UsageError(`${flag} must not be empty`);
  }
}

/** A directory or --repo (with --ref), not both. */
export function checkSource(
  dir: string | undefined,
  repo: string | undefined,
  ref: string | undefined,
): void {
  if (dir !== undefined && repo !== undefined) {
    throw new UsageError('give either a directory or --repo, not both', {
      hint: 'Use --path to pick a directory inside --repo.',
    });
  }
  if (ref !== undefined && repo === undefined) {
    throw new UsageError('--ref needs --repo', {
      hint: 'For a local directory, check out the revision with git first.',
    });
  }
}

/** The source and cluster options deploy and drift share. */
export interface ClusterSourceOptions {
  app: string;
  repo?: string | undefined;
  ref?: string | undefined;
  path?: string | undefined;
  namespace?: string | undefined;
  kubeconfig?: string | undefined;
  fieldManager?: string | undefined;
  auditFile?: string | undefined;
  context: string[];
}

/** An app name, a directory or --repo, and no empty value among the shared options. */
export function checkClusterSource(dir: string | undefined, options: ClusterSourceOptions): void {
  checkAppName(options.app);
  checkSource(dir, options.repo, options.ref);
  checkNotEmpty([
    ['--repo', options.repo],
    ['--ref', options.ref],
    ['--path', options.path],
    ['--namespace', options.namespace],
    ['--kubeconfig', options.kubeconfig],
    ['--field-manager', options.fieldManager],
    ['--audit-file', options.auditFile],
    ...options.context.map((name) => ['--context', name] as const),
  ]);
}

/** What deploy, drift and rollback get from the CLI: the outside world, and where diffs go. */
export function deployDeps(context: CommandContext): DeployDeps {
  return {
    cwd: context.cwd,
    env: context.env,
    reporter: context.reporter,
    now: context.now,
    tmpRoot: context.env.TMPDIR || tmpdir(),
    // With --json, stdout holds one JSON document: diffs go to stderr.
    printDiff: (diff) =>
      context.globals.json ? context.reporter.info(diff.trimEnd()) : context.reporter.result(diff.trimEnd()),
  };
}

import { UsageError } from '../errors.js';

/**
 * Checks the commands that read an env repo and talk to a cluster share (deploy, drift,
 * rollback): each a usage error (exit 2) before anything is cloned or sent.
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

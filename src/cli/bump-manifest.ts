import { tmpdir } from 'node:os';
import { isAbsolute, normalize } from 'node:path';
import { type BumpResult, bumpManifest } from '../commands/bump-manifest.js';
import { unknownMessageFields } from '../core/bump/commit-message.js';
import { conflictingTargets, describeChange } from '../core/bump/plan.js';
import { DEFAULT_RETRY } from '../core/bump/retry.js';
import { parseIdentity } from '../core/git-identity.js';
import { type ImageReference, parseImageReference } from '../core/image-ref.js';
import type { PullRequestRequest } from '../commands/bump-pull-request.js';
import type { ForgeKind } from '../core/bump/pull-request.js';
import { UsageError } from '../errors.js';
import { escapeControl, escapeStrings } from '../output/escape.js';
import type { Style } from '../output/style.js';
import type { CommandContext } from './context.js';

export interface BumpManifestOptions {
  repo: string;
  image: string[];
  path: string[];
  branch?: string;
  message?: string;
  author?: string;
  dryRun: boolean;
  allowNoMatch: boolean;
  includeCiFiles: boolean;
  maxAttempts: number;
  retryTimeout: number;
  allowOlder: boolean;
  pullRequest: boolean;
  prBranch?: string;
  prLabel: string[];
  prReviewer: string[];
  autoMerge: boolean;
  forge?: ForgeKind;
  apiUrl?: string;
}

export async function bumpManifestCommand(
  options: BumpManifestOptions,
  context: CommandContext,
): Promise<void> {
  const { reporter } = context;
  const result = await bumpManifest(
    {
      repo: options.repo,
      targets: parseTargets(options.image),
      paths: options.path.map(repoRelativePath),
      branch: options.branch,
      messageTemplate: checkedTemplate(options.message),
      author: options.author ? parseIdentity(options.author) : null,
      dryRun: options.dryRun,
      allowNoMatch: options.allowNoMatch,
      includeCiFiles: options.includeCiFiles,
      retry: { ...DEFAULT_RETRY, maxAttempts: options.maxAttempts, deadlineMs: options.retryTimeout * 1000 },
      allowOlder: options.allowOlder,
      pullRequest: pullRequestOptions(options),
    },
    { cwd: context.cwd, env: context.env, reporter, tmpRoot: context.env.TMPDIR || tmpdir() },
  );

  // Warnings and changes quote the environment repository: one line each, whatever it holds.
  for (const warning of result.warnings) reporter.warn(escapeControl(warning));
  for (const repository of result.unmatched)
    reporter.warn(`no reference to ${repository} found (--allow-no-match)`);
  if (context.globals.json) return reporter.json(result);
  for (const change of result.changes) reporter.info(describeChange(escapeStrings(change)));
  reporter.info(summary(result));
  if (result.diff !== null)
    reporter.result(withoutFinalNewline(result.diff), (diff) => colorDiff(diff, reporter.resultStyle));
  else if (result.pullRequest) reporter.result(`${result.pullRequest.number} ${result.pullRequest.url}`);
  else if (result.commit !== null) reporter.result(result.commit);
}

/** Every --image is checked before anything is cloned: a bad reference is a usage error. */
function parseTargets(images: readonly string[]): ImageReference[] {
  const targets = images.map(parseImageReference);
  for (const target of targets) {
    if (!target.tag && !target.digest) {
      throw new UsageError(`--image ${target.name} has neither a tag nor a digest`, {
        hint: `Say what to deploy, e.g. --image ${target.name}:1.4.2 or --image ${target.name}@sha256:<64 hex>.`,
      });
    }
  }
  const conflicts = conflictingTargets(targets);
  if (conflicts.length > 0) {
    throw new UsageError(`--image names ${conflicts.join(', ')} more than once with different values`);
  }
  return targets;
}

function repoRelativePath(path: string): string {
  const normalized = normalize(path).replace(/\\/g, '/').replace(/\/$/, '');
  if (isAbsolute(path) || normalized === '..' || normalized.startsWith('../')) {
    throw new UsageError(`--path ${path} must be relative to the environment repository root`);
  }
  return normalized;
}

function checkedTemplate(template: string | undefined): string | undefined {
  const unknown = template === undefined ? [] : unknownMessageFields(template);
  if (unknown.length > 0) {
    throw new UsageError(`unknown field ${unknown.map((name) => `{{${name}}}`).join(', ')} in --message`, {
      hint: 'Available: {{summary}} {{changes}} {{images}} {{sourceRepo}} {{sourceCommit}} {{runUrl}} {{actor}}.',
    });
  }
  return template;
}

/** The --pr-* flags mean nothing without --pull-request: say so instead of ignoring them. */
function pullRequestOptions(options: BumpManifestOptions): PullRequestRequest | undefined {
  const { prBranch, prLabel, prReviewer, autoMerge, forge, apiUrl } = options;
  if (!options.pullRequest) {
    const stray = [
      prBranch !== undefined && '--pr-branch',
      prLabel.length > 0 && '--pr-label',
      prReviewer.length > 0 && '--pr-reviewer',
      autoMerge && '--auto-merge',
      forge !== undefined && '--forge',
      apiUrl !== undefined && '--api-url',
    ].filter(Boolean);
    if (stray.length > 0) throw new UsageError(`${stray.join(', ')} only apply with --pull-request`);
    return undefined;
  }
  return { branch: prBranch, labels: prLabel, reviewers: prReviewer, autoMerge, forge, apiUrl };
}

function summary(result: BumpResult): string {
  const files = new Set(result.changes.map((change) => change.file)).size;
  const what = `${result.changes.length} change${result.changes.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`;
  switch (result.status) {
    case 'up-to-date':
      if (result.unmatched.length > 0) return `nothing to change in ${result.repo} (${result.branch})`;
      if (result.pullRequest)
        return `already up to date: pull request #${result.pullRequest.number} (${result.pullRequest.branch}) has every requested image; ${result.pullRequest.url}`;
      return `already up to date: ${result.repo} (${result.branch}) has every requested image`;
    case 'dry-run':
      return `dry run: would commit ${what} to ${result.repo} (${result.branch}); nothing was pushed`;
    case 'superseded':
      return `superseded: nothing pushed to ${result.repo} (${result.branch}): ${escapeControl(result.supersededBy?.message ?? '')} (--allow-older overrides)`;
    case 'pull-request-opened':
    case 'pull-request-updated': {
      const pr = result.pullRequest;
      const verb = result.status === 'pull-request-opened' ? 'opened' : 'updated';
      return `${verb} pull request #${pr?.number} (${pr?.branch} -> ${result.branch}): ${what}, pushed ${result.commit?.slice(0, 7)}; ${pr?.url}`;
    }
    case 'pushed':
      return `pushed ${result.commit?.slice(0, 7)} to ${result.repo} (${result.branch}): ${what}, ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}`;
  }
}

/**
 * result() ends the text with a newline; a diff already does. Only that one newline goes: a
 * CRLF line's `\r` or a blank context line (` `) at the end is part of the patch.
 */
function withoutFinalNewline(diff: string): string {
  return diff.endsWith('\n') ? diff.slice(0, -1) : diff;
}

function colorDiff(diff: string, style: Style): string {
  return diff
    .split('\n')
    .map((line) => {
      if (line.startsWith('+') && !line.startsWith('+++')) return style.green(line);
      if (line.startsWith('-') && !line.startsWith('---')) return style.red(line);
      if (line.startsWith('@@')) return style.dim(line);
      return line;
    })
    .join('\n');
}

/**
 * `bump-manifest --pull-request`: the bump goes to a branch of kpush's own and a pull request
 * (merge request on GitLab) instead of onto the base branch, which is never pushed to. The
 * bump loop in bump-manifest.ts drives it: `startAttempt` before each plan, the branch and
 * lease for the push, `finish` once the push went through.
 */
import { connectForge, FORGE_TIMEOUT_MS, type Forge } from '../adapters/forges/forge.js';
import type { Git } from '../adapters/git.js';
import {
  checkPullRequestBranch,
  defaultPullRequestBranch,
  type ForgeKind,
  type ForgeLocation,
  locateForge,
  type PullRequestRef,
  type PullRequestStart,
  pullRequestStart,
  pullRequestText,
} from '../core/bump/pull-request.js';
import { forgeApiToken } from '../core/git-credentials.js';
import type { ImageReference } from '../core/image-ref.js';
import { ForgeError, KpushError, UsageError } from '../errors.js';
import type { Reporter } from '../output/reporter.js';

export interface PullRequestRequest {
  /** --pr-branch; default `kpush/<image>-<env>`. */
  branch?: string | undefined;
  labels: readonly string[];
  reviewers: readonly string[];
  autoMerge: boolean;
  forge?: ForgeKind | undefined;
  apiUrl?: string | undefined;
}

export interface PullRequestResult {
  number: number;
  url: string;
  /** The branch kpush pushed to. */
  branch: string;
  /** The branch the pull request targets. */
  base: string;
}

/** What can be checked before anything is cloned: forge, API URL, token, branch name. */
export interface PullRequestTarget {
  location: ForgeLocation;
  branch: string;
  /** Null on a dry run, which talks to no forge. */
  token: { token: string; variable: string } | null;
}

export function pullRequestTarget(
  options: PullRequestRequest,
  repoUrl: string,
  targets: readonly ImageReference[],
  paths: readonly string[],
  env: NodeJS.ProcessEnv,
  dryRun: boolean,
): PullRequestTarget {
  const location = locateForge(repoUrl, options, env);
  if (options.apiUrl !== undefined && !/^https?:\/\/[^/]/.test(options.apiUrl)) {
    throw new UsageError(`--api-url ${options.apiUrl} is not an http(s) URL`);
  }
  const branch = options.branch ?? defaultPullRequestBranch(targets, paths);
  checkPullRequestBranch(branch, '');
  if (dryRun) return { location, branch, token: null };
  const token = forgeApiToken(location.apiUrl, location.repoHost, env);
  if (token === null) {
    throw new ForgeError('E_FORGE_NO_TOKEN', `--pull-request needs a token for ${location.repoHost}`, {
      hint: 'Set KPUSH_GIT_TOKEN (or GITHUB_TOKEN / CI_JOB_TOKEN on their own server) to a token that may push branches and open pull requests.',
    });
  }
  if ('refused' in token) {
    throw new UsageError(`--pull-request: ${token.refused}`, {
      hint: 'kpush sends the token only to the repository host over https (http only to loopback): check --api-url.',
    });
  }
  return { location, branch, token };
}

export class PullRequestMode {
  private start: PullRequestStart | null = null;

  private constructor(
    private readonly forge: Forge,
    private readonly options: PullRequestRequest,
    private readonly git: Git,
    private readonly base: string,
    readonly branch: string,
    private readonly credentialsEnv: NodeJS.ProcessEnv,
    private readonly reporter: Reporter,
  ) {}

  static async connect(
    target: PullRequestTarget & { token: { token: string; variable: string } },
    options: PullRequestRequest,
    run: { git: Git; base: string; credentialsEnv: NodeJS.ProcessEnv; reporter: Reporter },
  ): Promise<PullRequestMode> {
    run.reporter.redactor.add(target.token.token);
    const branch = checkPullRequestBranch(target.branch, run.base);
    const forge = await connectForge({
      location: target.location,
      token: target.token.token,
      tokenVariable: target.token.variable,
      timeoutMs: FORGE_TIMEOUT_MS,
    });
    return new PullRequestMode(forge, options, run.git, run.base, branch, run.credentialsEnv, run.reporter);
  }

  /**
   * Before each plan: an open pull request means the bump goes on top of its branch; else on
   * the base tip the clone (or the retry's reset) checked out.
   */
  async startAttempt(): Promise<void> {
    const open = await this.reporter.task('looking for an open pull request', () =>
      this.forge.findOpen(this.branch, this.base),
    );
    const tip = open ? null : await this.git.remoteBranchTip(this.branch, this.credentialsEnv);
    this.start = pullRequestStart(open, tip);
    if (this.start.kind === 'update') await this.git.resetToRemote(this.branch, this.credentialsEnv);
  }

  /** force-with-lease only when replacing a leftover kpush branch that no open pull request uses. */
  get lease(): { expected: string | null } | undefined {
    return this.start?.kind === 'open' ? this.start.lease : undefined;
  }

  /** Nothing to commit: the open pull request, if any, already carries every requested value. */
  upToDate(): { pullRequest?: PullRequestResult } {
    return this.start?.kind === 'update' ? { pullRequest: this.describe(this.start.pullRequest) } : {};
  }

  /** After the push: update the open pull request, or open one; then labels, reviewers, auto-merge. */
  async finish(
    message: string,
  ): Promise<{ status: 'pull-request-opened' | 'pull-request-updated'; pullRequest: PullRequestResult }> {
    const content = pullRequestText(message, this.branch);
    let existing = this.start?.kind === 'update' ? this.start.pullRequest : null;
    let opened: PullRequestRef | null = null;
    if (existing === null) {
      opened = await this.reporter.task('opening a pull request', () =>
        this.forge
          .open(this.branch, this.base, content)
          .catch((error: unknown) => this.openedMeanwhile(error)),
      );
      if (opened === null) existing = await this.forge.findOpen(this.branch, this.base);
      if (opened === null && existing === null)
        throw new ForgeError('E_FORGE_REQUEST', 'the pull request could not be opened');
    }
    if (existing !== null) {
      const pull = existing;
      await this.reporter.task(`updating pull request #${pull.number}`, () =>
        this.forge.update(pull, content),
      );
    }
    const pullRequest = (opened ?? existing) as PullRequestRef;
    await this.decorate(pullRequest);
    return {
      status: opened ? 'pull-request-opened' : 'pull-request-updated',
      pullRequest: this.describe(pullRequest),
    };
  }

  /** Another run opened the same pull request between our lookup and our push: update that one. */
  private openedMeanwhile(error: unknown): null {
    const message = error instanceof KpushError ? error.message : '';
    if (/HTTP (409|422)\b.*already exists/i.test(message)) return null;
    throw error;
  }

  private async decorate(pullRequest: PullRequestRef): Promise<void> {
    const { labels, reviewers, autoMerge } = this.options;
    if (labels.length > 0) await this.forge.addLabels(pullRequest, labels);
    if (reviewers.length > 0) await this.forge.requestReviewers(pullRequest, reviewers);
    if (autoMerge) await this.forge.enableAutoMerge(pullRequest);
  }

  private describe(pullRequest: PullRequestRef): PullRequestResult {
    return { number: pullRequest.number, url: pullRequest.url, branch: this.branch, base: this.base };
  }
}

import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { readGithubEvent } from '../adapters/ci.js';
import { Git } from '../adapters/git.js';
import { withTempDir } from '../adapters/temp-dir.js';
import type { ScanCache } from './bump-scan.js';
import type { SupersededBy } from './bump-supersede.js';
import {
  PullRequestMode,
  type PullRequestRequest,
  type PullRequestResult,
  pullRequestTarget,
} from './bump-pull-request.js';
import { commitMessage } from '../core/bump/commit-message.js';
import type { BumpPlan, Change } from '../core/bump/plan.js';
import { backoffDelay, mayRetry, type RetryPolicy } from '../core/bump/retry.js';
import { detectCi } from '../core/ci-env.js';
import { httpsCredentials } from '../core/git-credentials.js';
import { type Identity, identityEnv } from '../core/git-identity.js';
import { withoutCredentials } from '../core/git-url.js';
import type { ImageReference } from '../core/image-ref.js';
import { GitError, KpushError, UsageError } from '../errors.js';
import { escapeStrings } from '../output/escape.js';
import type { Reporter } from '../output/reporter.js';

export interface BumpRequest {
  /** Git URL, or a local path (resolved against `cwd`). */
  repo: string;
  targets: readonly ImageReference[];
  /** Repo-relative files or directories to scan; empty scans the whole repository. */
  paths: readonly string[];
  branch?: string | undefined;
  messageTemplate?: string | undefined;
  author: Identity | null;
  dryRun: boolean;
  allowNoMatch: boolean;
  /** Also scan CI configuration (`.github/`, `.gitlab-ci.yml`, …) in the whole-repo scan. */
  includeCiFiles?: boolean;
  retry: RetryPolicy;
  /**
   * Replace a value even when a newer source build wrote it (otherwise: status `superseded`,
   * nothing pushed). `kpush rollback` sets it to deploy an older image on purpose.
   */
  allowOlder?: boolean;
  /** --pull-request: push to a branch of kpush's own and open or update a pull request. */
  pullRequest?: PullRequestRequest | undefined;
}

export type BumpStatus =
  | 'pushed'
  | 'up-to-date'
  | 'dry-run'
  | 'superseded'
  | 'pull-request-opened'
  | 'pull-request-updated';

export interface BumpResult {
  status: BumpStatus;
  repo: string;
  branch: string;
  commit: string | null;
  attempts: number;
  dryRun: boolean;
  changes: Change[];
  unmatched: string[];
  warnings: string[];
  /** Unified diff of the change (dry runs only). */
  diff: string | null;
  /** Status `superseded`: the newer build whose value stayed. */
  supersededBy: SupersededBy | null;
  /** Pull-request mode: the pull request opened, updated, or already carrying the change. */
  pullRequest?: PullRequestResult;
}

export interface BumpDeps {
  cwd: string;
  env: NodeJS.ProcessEnv;
  reporter: Reporter;
  /** Where the temporary clone goes (TMPDIR). */
  tmpRoot: string;
  random?: () => number;
}

/**
 * Clone → plan → (dry run: diff | commit → push). When the push is rejected because another
 * pipeline moved the branch, fetch the new tip, plan the same request again on it and retry;
 * never force. The temporary clone is always removed.
 */
export async function bumpManifest(request: BumpRequest, deps: BumpDeps): Promise<BumpResult> {
  const { reporter, env } = deps;
  const url = remoteUrl(request.repo, deps.cwd);
  const displayUrl = withoutCredentials(url);
  const credentials = httpsCredentials(url, env);
  for (const secret of credentials.secrets) reporter.redactor.add(secret);
  if (credentials.warning) reporter.warn(credentials.warning);
  const ci = detectCi(env, await readGithubEvent(env));
  const prTarget = request.pullRequest
    ? pullRequestTarget(request.pullRequest, url, request.targets, request.paths, env, request.dryRun)
    : null;

  return withTempDir(deps.tmpRoot, 'kpush-bump-', async (workdir) => {
    const git = new Git(join(workdir, 'repo'), env);
    const cloned = reporter.task(`cloning ${displayUrl}`, () =>
      git.clone(url, request.branch, credentials.env, { checkout: false }),
    );
    // While git clones, when the process would be idle: the scanner (yaml and all) and the
    // stale-bump check (semver: 2.5 ms to load) load, the app checkout is asked when this build's
    // commit was made, and the scanner runs once on a made-up manifest (see prepareScanner).
    cloned.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
    const [
      { discardHead, planOnHead, prepareScanner, readHead },
      { AppHistory, checkSuperseded, thisSource },
    ] = await Promise.all([import('./bump-scan.js'), import('./bump-supersede.js')]);
    const app = ci.sha ? await AppHistory.open(deps.cwd, env, reporter) : null;
    const source = await thisSource(ci, app, env);
    prepareScanner();
    await cloned;
    // The first plan's read of HEAD goes beside the questions below (a pull request's first
    // attempt may move HEAD first, so it reads its own).
    const firstHead = request.pullRequest ? undefined : readHead(git);
    firstHead?.catch(() => {}); // awaited by the first plan; not an unhandled rejection meanwhile
    const [branch, identity] = await both(
      checkedOutBranch(git, request.branch),
      configuredIdentity(git, env).then((configured) => identityEnv(request.author, configured, ci, env)),
    ).catch(async (error: unknown) => {
      await discardHead(firstHead);
      throw error;
    });
    const started = performance.now();
    const result = (
      status: BumpStatus,
      plan: BumpPlan,
      attempts: number,
      extra: Partial<BumpResult> = {},
    ) => ({
      status,
      repo: displayUrl,
      branch,
      commit: null,
      attempts,
      dryRun: request.dryRun,
      changes: plan.changes,
      unmatched: plan.unmatched,
      warnings: plan.warnings,
      diff: null,
      supersededBy: null,
      ...extra,
    });

    // A dry run talks to no forge: it shows the diff against the base branch.
    const pullRequest =
      prTarget?.token && request.pullRequest
        ? await PullRequestMode.connect({ ...prTarget, token: prTarget.token }, request.pullRequest, {
            git,
            base: branch,
            credentialsEnv: credentials.env,
            reporter,
          })
        : null;
    const pushBranch = pullRequest?.branch ?? branch;
    const scanCache: ScanCache = new Map();
    for (let attempt = 1; ; attempt++) {
      await pullRequest?.startAttempt();
      const { plan, base } = await reporter.task('scanning manifests', () =>
        planOnHead(git, request, scanCache, attempt === 1 ? firstHead : undefined),
      );
      if (plan.files.length === 0) return result('up-to-date', plan, attempt, pullRequest?.upToDate());
      // Runs again on every new tip: the pipeline that moved the branch may have a newer build.
      const newerBuild = (): Promise<SupersededBy | null> =>
        request.allowOlder
          ? Promise.resolve(null)
          : checkSuperseded({
              plan,
              base,
              targets: request.targets,
              source,
              envGit: git,
              credentialsEnv: credentials.env,
              app,
              reporter,
            });
      const paths = plan.files.map((file) => file.path);
      if (request.dryRun) {
        const supersededBy = await reporter.task('checking for a newer build', newerBuild);
        if (supersededBy) return result('superseded', plan, attempt, { supersededBy, changes: [] });
        return result('dry-run', plan, attempt, { diff: await git.diff(paths) });
      }

      // Values from the env repo and the CI environment: one line each, so none can add a
      // trailer or a line a CI log would run as a command.
      const message = commitMessage(
        {
          targets: request.targets,
          changes: escapeStrings(plan.changes),
          ci: escapeStrings(ci),
          sourceTime: source.sourceTime,
        },
        request.messageTemplate,
      );
      // The commit stays in the temporary clone until the push: it can be made while the
      // history is searched for a newer build, which decides whether it is pushed at all.
      const [, supersededBy] = await reporter.task('committing', () =>
        both(git.commit(paths, message, identity), newerBuild()),
      );
      if (supersededBy) return result('superseded', plan, attempt, { supersededBy, changes: [] });
      const [outcome, commit] = await reporter.task(`pushing to ${pushBranch}`, () =>
        both(git.push(pushBranch, credentials.env, pullRequest?.lease), git.headSha()),
      );
      if (outcome.kind === 'pushed') {
        if (pullRequest) {
          const done = await pullRequest.finish(message);
          return result(done.status, plan, attempt, { commit, pullRequest: done.pullRequest });
        }
        return result('pushed', plan, attempt, { commit });
      }
      const elapsed = performance.now() - started;
      if (!mayRetry(request.retry, attempt, elapsed)) {
        throw new GitError(
          'E_PUSH_RETRIES_EXHAUSTED',
          `push to ${pushBranch} was rejected ${attempt} times (${outcome.reason}); gave up after ${(elapsed / 1000).toFixed(1)}s`,
          {
            hint: 'Many pipelines are pushing at once: raise --max-attempts / --retry-timeout, or rerun the job. Nothing was force-pushed.',
          },
        );
      }
      const delay = backoffDelay(request.retry, attempt, (deps.random ?? Math.random)());
      reporter.info(
        `${pushBranch} moved on the remote (${outcome.reason}): re-applying on the new tip in ${delay} ms (attempt ${attempt + 1})`,
      );
      await sleep(delay);
      await git.resetToRemote(branch, credentials.env);
    }
  }).catch((error: unknown) => {
    throw withAuthHint(error, credentials.authHint);
  });
}

/**
 * Both results once both are settled; the first failure otherwise. Unlike Promise.all, never
 * returns while the other git process still runs in a clone that is about to be removed.
 */
async function both<A, B>(first: Promise<A>, second: Promise<B>): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled([first, second]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}

/** An authentication failure, with what kpush knows about why the token was wrong. */
function withAuthHint(error: unknown, authHint: string | null): unknown {
  if (!(error instanceof GitError) || error.code !== 'E_GIT_AUTH' || authHint === null) return error;
  return new GitError(error.code, error.message, {
    hint: `${authHint}. ${error.hint ?? ''}`.trim(),
    details: error.details,
    cause: error,
  });
}

/** A local directory becomes a file:// URL (plain paths make git ignore --depth). */
export function remoteUrl(repo: string, cwd: string): string {
  const helper = /^([A-Za-z0-9][A-Za-z0-9+.-]*)::/.exec(repo);
  if (helper) {
    // `ext::` runs a command, `fd::` reads a descriptor and waits: never what an env repo is.
    throw new UsageError(`--repo ${repo}: the remote helper ${helper[1]}:: is not supported`, {
      hint: 'Pass a git URL (https://…, ssh://…, git@host:…) or the path of a local repository.',
    });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\\]+@[^/\\:]+:/.test(repo)) return repo;
  const local = isAbsolute(repo) ? repo : resolve(cwd, repo);
  if (existsSync(local)) return pathToFileURL(local).href;
  // scp-like SSH without a user, as git reads it: `host:path` with no slash before the colon.
  if (/^[A-Za-z0-9.-]+:[^/\\]/.test(repo)) return repo;
  throw new KpushError('E_GIT_REMOTE', `--repo ${repo}: no such directory (${local})`, {
    hint: 'Pass a git URL (https://…, git@host:…) or the path of a local clone or bare repository.',
  });
}

/** The branch the clone checked out; a --branch that named a tag leaves HEAD detached. */
async function checkedOutBranch(git: Git, requested: string | undefined): Promise<string> {
  const branch = await git.currentBranch();
  if (branch === null || (requested !== undefined && branch !== requested)) {
    throw new GitError(
      'E_GIT_BRANCH',
      requested
        ? `--branch ${requested} is not a branch on the remote`
        : 'cannot tell the default branch of the environment repository',
      {
        hint: requested
          ? 'Name a branch, not a tag: kpush commits on top of a branch and pushes it.'
          : 'Pass --branch <name>.',
      },
    );
  }
  return branch;
}

async function configuredIdentity(git: Git, env: NodeJS.ProcessEnv): Promise<Identity | null> {
  if (env.GIT_AUTHOR_NAME && env.GIT_AUTHOR_EMAIL)
    return { name: env.GIT_AUTHOR_NAME, email: env.GIT_AUTHOR_EMAIL };
  const name = await git.configValue('user.name');
  const email = await git.configValue('user.email');
  return name && email ? { name, email } : null;
}

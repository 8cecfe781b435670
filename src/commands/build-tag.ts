import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { readGithubEvent } from '../adapters/ci.js';
import { Git } from '../adapters/git.js';
import { type CiContext, detectCi } from '../core/ci-env.js';
import { semverFromTags } from '../core/tag/semver.js';
import {
  decideTag,
  missingContextError,
  type TagFacts,
  type TagRequest,
  templatePlaceholders,
} from '../core/tag/strategies.js';
import { GitError, UsageError } from '../errors.js';
import { sourceUrlFromRemote } from '../core/git-url.js';

export interface BuildTagRequest extends TagRequest {
  /** The repository to read. */
  cwd: string;
  /** Build context for the content strategy, relative to `cwd`. */
  context?: string | undefined;
}

export interface BuildTagResult {
  tag: string;
  strategy: string;
  sha: string;
  branch: string | null;
  dirty: boolean;
  ci: CiContext['provider'];
  /** OCI annotations ready for `docker build --label`. */
  labels: Record<string, string>;
}

export interface BuildTagDeps {
  env: NodeJS.ProcessEnv;
  now: () => Date;
  warn: (message: string) => void;
}

export async function buildTag(request: BuildTagRequest, deps: BuildTagDeps): Promise<BuildTagResult> {
  const needsContent =
    request.template !== undefined
      ? templatePlaceholders(request.template).includes('content')
      : request.strategy === 'content';
  if (needsContent && !request.context) {
    throw missingContextError();
  }

  if (!existsSync(request.cwd)) {
    throw new UsageError(`--cwd ${request.cwd} does not exist`, {
      hint: 'Point --cwd at your repository checkout.',
    });
  }
  if (!statSync(request.cwd).isDirectory()) {
    throw new UsageError(`--cwd ${request.cwd} is not a directory`, {
      hint: 'Point --cwd at the directory of your repository checkout.',
    });
  }
  const git = new Git(request.cwd, deps.env);
  const toplevel = await git.toplevel();
  const headSha = await git.headSha();
  const ci = await ciForCheckout(deps, headSha);
  const sha = ci.sha ?? headSha;
  const contextPath = request.context ? contextInRepo(request.cwd, toplevel, request.context) : null;

  const facts: TagFacts = {
    sha,
    branch: ci.branch ?? ci.gitTag ?? (await localBranch(git, headSha)),
    semver: semverFromTags([...(await git.tagsAt(headSha)), ...(ci.gitTag ? [ci.gitTag] : [])]),
    commitTime: (await git.commitTime(sha)) ?? (await git.commitTime(headSha)) ?? deps.now(),
    contentHash: contextPath === null ? null : await contentHash(git, contextPath),
    runNumber: ci.runNumber,
    // Only a pure content tag ignores changes outside its context; every other tag covers the repo.
    dirty: await git.isDirty(
      contextPath !== null && request.strategy === 'content' && !request.template
        ? [`:(top)${contextPath}`]
        : [],
    ),
  };
  const decision = decideTag(request, facts);
  return {
    tag: decision.tag,
    strategy: decision.strategy,
    sha,
    branch: facts.branch,
    dirty: facts.dirty,
    ci: ci.provider,
    labels: ociLabels(sha, ci.sourceUrl ?? sourceUrlFromRemote(await git.remoteUrl()), deps.now()),
  };
}

/** OCI annotations for `docker build --label`; the source is left out when it cannot be known. */
function ociLabels(revision: string, source: string | null, created: Date): Record<string, string> {
  return {
    'org.opencontainers.image.revision': revision,
    ...(source ? { 'org.opencontainers.image.source': source } : {}),
    'org.opencontainers.image.created': created.toISOString(),
  };
}

/**
 * CI variables describe the pipeline's own checkout: the commit CI checked out, or a PR head
 * checked out explicitly (`ref: …pull_request.head.sha`). For any other HEAD (--cwd elsewhere)
 * the commit facts come from git alone; the run's own facts (number, URL, actor) still apply.
 */
async function ciForCheckout(deps: BuildTagDeps, headSha: string): Promise<CiContext> {
  const ci = detectCi(deps.env, await readGithubEvent(deps.env));
  if (ci.provider === null || ci.checkedOutSha === headSha || ci.sha === headSha) return ci;
  if (ci.checkedOutSha) {
    deps.warn(
      `HEAD is ${headSha.slice(0, 7)} but ${ci.provider} says it built ${ci.checkedOutSha.slice(0, 7)}; using git's view of this repository`,
    );
  }
  return { ...ci, sha: null, branch: null, gitTag: null, sourceRepository: null, sourceUrl: null };
}

/** The branch checked out, or on a detached HEAD the one branch whose tip it is. */
async function localBranch(git: Git, headSha: string): Promise<string | null> {
  const branch = await git.currentBranch();
  if (branch !== null) return branch;
  const candidates = [...new Set(await git.branchesAt(headSha))];
  return candidates.length === 1 ? (candidates[0] ?? null) : null;
}

/** The context as a path relative to the repository's top level ('' is the top level itself). */
function contextInRepo(cwd: string, toplevel: string, context: string): string {
  const absolute = resolve(cwd, context);
  if (!existsSync(absolute)) {
    throw new UsageError(`--context ${context} does not exist (looked at ${absolute})`, {
      hint: 'Give the build context directory relative to the repository (or --cwd).',
    });
  }
  const inRepo = relative(realpathSync(toplevel), realpathSync(absolute));
  if (inRepo.startsWith('..') || isAbsolute(inRepo)) {
    throw new UsageError(`--context ${context} is outside the repository at ${toplevel}`);
  }
  return inRepo.split('\\').join('/');
}

async function contentHash(git: Git, contextPath: string): Promise<string> {
  const hash = await git.treeHash(contextPath);
  if (hash === null) {
    throw new GitError('E_CONTEXT_NOT_COMMITTED', `--context ${contextPath || '.'} is not in HEAD`, {
      hint: 'Commit the build context first: the content tag is derived from what git has committed.',
    });
  }
  return hash;
}

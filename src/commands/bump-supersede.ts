import { Git } from '../adapters/git.js';
import type { BumpPlan } from '../core/bump/plan.js';
import { type CurrentValue, type CurrentWriter, currentValues, writtenBy } from '../core/bump/provenance.js';
import {
  type Ancestry,
  ancestryApplies,
  decideSupersede,
  describeSuperseded,
  type SupersedeVerdict,
  type ThisBuild,
} from '../core/bump/supersede.js';
import type { CiContext } from '../core/ci-env.js';
import type { ImageReference } from '../core/image-ref.js';
import type { Reporter } from '../output/reporter.js';

/** What --json reports about the newer build a stale bump left in place. */
export interface SupersededBy {
  repository: string;
  /** The tag (or digest) there now. */
  value: string;
  envCommit: string;
  sourceRepo: string | null;
  sourceCommit: string | null;
  sourceTime: string | null;
  rule: Extract<SupersedeVerdict, { kind: 'superseded' }>['rule'];
  message: string;
}

/**
 * How far back kpush looks, in commits, both in the env repo (for the commit that wrote a value)
 * and in the app checkout (for ancestry): each step deepens a shallow clone this much more.
 */
const DEEPEN_STEPS = [32, 224] as const;

/** The source build of this run: commit from CI, time from the app checkout (or GitLab). */
export async function thisSource(
  ci: CiContext,
  app: AppHistory | null,
  env: NodeJS.ProcessEnv,
): Promise<Omit<ThisBuild, 'tag'>> {
  const local = ci.sha && app ? await app.commitTime(ci.sha) : null;
  const gitlab = env.CI_COMMIT_TIMESTAMP ? new Date(env.CI_COMMIT_TIMESTAMP) : null;
  const fromGitlab = gitlab && Number.isFinite(gitlab.getTime()) ? gitlab : null;
  return {
    sourceRepo: ci.sourceUrl ?? ci.sourceRepository,
    sourceCommit: ci.sha,
    sourceTime: local ?? fromGitlab,
  };
}

/**
 * The stale-bump check: for each value the plan replaces, the build that wrote it (env history)
 * against this one (app history). Lookups that fail (no app checkout, a remote that refuses a
 * fetch) only remove evidence, they never fail the bump.
 */
export async function checkSuperseded(options: {
  plan: BumpPlan;
  /** The env commit the plan was made on (HEAD may move on meanwhile: the commit runs beside this check). */
  base: string;
  targets: readonly ImageReference[];
  source: Omit<ThisBuild, 'tag'>;
  envGit: Git;
  credentialsEnv: NodeJS.ProcessEnv;
  app: AppHistory | null;
  reporter: Reporter;
}): Promise<SupersededBy | null> {
  for (const value of currentValues(options.plan.changes)) {
    const files = [
      ...new Set(
        options.plan.changes.filter((change) => change.repository === value.repository).map((c) => c.file),
      ),
    ];
    const writer = await findWriter(options.envGit, options.base, value, files, options.credentialsEnv);
    if (writer === null) continue;
    const target = options.targets.find((candidate) => candidate.repository === value.repository);
    const ours: ThisBuild = { ...options.source, tag: target?.tag ?? null };
    const ancestry =
      ancestryApplies(writer, ours) && options.app
        ? await options.app.ancestry(writer.sourceCommit as string, ours.sourceCommit as string)
        : 'unknown';
    const verdict = decideSupersede(writer, ours, ancestry);
    options.reporter.debug(
      `${value.repository}:${writer.value} was written by env commit ${writer.envCommit.slice(0, 7)} (source ${writer.sourceCommit?.slice(0, 7) ?? 'unknown'}); ancestry: ${ancestry}; ${verdict.kind}`,
    );
    if (verdict.kind === 'superseded') return supersededBy(verdict);
  }
  return null;
}

function supersededBy(verdict: Extract<SupersedeVerdict, { kind: 'superseded' }>): SupersededBy {
  const { writer } = verdict;
  return {
    repository: writer.repository,
    value: writer.value,
    envCommit: writer.envCommit,
    sourceRepo: writer.sourceRepo,
    sourceCommit: writer.sourceCommit,
    sourceTime: writer.sourceTime?.toISOString() ?? null,
    rule: verdict.rule,
    message: describeSuperseded(verdict),
  };
}

/**
 * The kpush commit that wrote `value`: the newest commit up to `base` that changed how often it
 * occurs in `files`. A shallow clone's oldest commit seems to add everything, so when that is
 * the answer and it is not a kpush commit for the value, the history is deepened (bounded) and
 * asked again.
 */
async function findWriter(
  git: Git,
  base: string,
  value: CurrentValue,
  files: readonly string[],
  credentialsEnv: NodeJS.ProcessEnv,
): Promise<CurrentWriter | null> {
  const needle = value.tag ?? value.digest ?? '';
  for (let step = 0; ; step++) {
    const commit = await git.lastCommitChanging(needle, files, base);
    const writer = commit && writtenBy(commit, value);
    if (writer) return writer;
    const deepen = DEEPEN_STEPS[step];
    const conclusive = commit !== null && commit.parents.length > 0;
    if (conclusive || deepen === undefined || !(await git.isShallow())) return null;
    await git.fetchCommits([base], { deepen }, credentialsEnv);
  }
}

/**
 * The app repository checkout kpush runs in (CI's checkout, usually shallow), read with the
 * same sanitised git; commits it lacks are fetched from its origin, bounded.
 */
export class AppHistory {
  private constructor(
    private readonly git: Git,
    private readonly reporter: Reporter,
  ) {}

  /** The checkout at `cwd`, or null when `cwd` is not inside a git work tree. */
  static async open(cwd: string, env: NodeJS.ProcessEnv, reporter: Reporter): Promise<AppHistory | null> {
    const git = new Git(cwd, env);
    const inside = await git.exec(['rev-parse', '--is-inside-work-tree']).catch(() => null);
    return inside?.exitCode === 0 && inside.stdout.trim() === 'true' ? new AppHistory(git, reporter) : null;
  }

  /** Committer time of `sha` when the checkout has it (no fetch: this runs on every bump). */
  async commitTime(sha: string): Promise<Date | null> {
    return this.git.commitTime(sha).catch(() => null);
  }

  /**
   * Which of two source commits descends from the other. Missing commits are fetched (one
   * commit each), then a shallow history is deepened step by step until one is found to be an
   * ancestor of the other, the history is complete, or the bound is reached.
   */
  async ancestry(writer: string, ours: string): Promise<Ancestry> {
    try {
      await this.ensureCommits([writer, ours]);
      for (let step = 0; ; step++) {
        if (await this.git.isAncestor(ours, writer)) return 'writer-is-newer';
        if (await this.git.isAncestor(writer, ours)) return 'writer-is-older';
        const deepen = DEEPEN_STEPS[step];
        if (deepen === undefined || !(await this.git.isShallow())) return 'unknown';
        await this.git.fetchCommits([writer, ours], { deepen });
      }
    } catch (error) {
      this.reporter.debug(`cannot compare source commits in ${this.git.cwd}: ${(error as Error).message}`);
      return 'unknown';
    }
  }

  private async ensureCommits(shas: readonly string[]): Promise<void> {
    const missing: string[] = [];
    for (const sha of shas) if (!(await this.git.hasCommit(sha))) missing.push(sha);
    if (missing.length === 0) return;
    await this.git.fetchCommits(missing, (await this.git.isShallow()) ? { depth: 1 } : 'all');
  }
}

import { compareReleases } from '../tag/semver.js';
import type { CurrentWriter } from './provenance.js';

/** What this run knows about the build it deploys. */
export interface ThisBuild {
  sourceRepo: string | null;
  sourceCommit: string | null;
  sourceTime: Date | null;
  /** The requested tag for the repository in question. */
  tag: string | null;
}

/** Source commit ancestry between the current writer's build and this one, from the app repo. */
export type Ancestry = 'writer-is-older' | 'writer-is-newer' | 'unknown';

export type SupersedeRule = 'ancestry' | 'source-time' | 'semver' | 'timestamp-tag';

export type SupersedeVerdict =
  | { kind: 'proceed' }
  | { kind: 'superseded'; writer: CurrentWriter; rule: SupersedeRule; reason: string };

/** Whether ancestry can order the two builds: two different commits of the same source repository. */
export function ancestryApplies(writer: CurrentWriter, ours: ThisBuild): boolean {
  return (
    writer.sourceCommit !== null &&
    ours.sourceCommit !== null &&
    writer.sourceCommit !== ours.sourceCommit &&
    (writer.sourceRepo === null || ours.sourceRepo === null || writer.sourceRepo === ours.sourceRepo)
  );
}

/**
 * Whether replacing the value `writer` deployed with this build would roll the environment
 * back. Evidence in order of trust: source commit ancestry, source commit times (from the
 * trailers), then the tags themselves (semver precedence, build-tag's timestamp). Without
 * evidence that the value there is newer, the bump proceeds. Pure.
 */
export function decideSupersede(
  writer: CurrentWriter | null,
  ours: ThisBuild,
  ancestry: Ancestry,
): SupersedeVerdict {
  if (writer === null) return { kind: 'proceed' };
  if (writer.sourceCommit !== null && writer.sourceCommit === ours.sourceCommit) return { kind: 'proceed' };
  const superseded = (rule: SupersedeRule, why: string): SupersedeVerdict => ({
    kind: 'superseded',
    writer,
    rule,
    reason: why,
  });

  if (ancestry === 'writer-is-newer')
    return superseded('ancestry', `${short(writer.sourceCommit)} descends from ${short(ours.sourceCommit)}`);
  if (ancestry === 'writer-is-older') return { kind: 'proceed' };

  const byTime = compareTimes(writer.sourceTime, ours.sourceTime);
  if (byTime > 0) {
    return superseded(
      'source-time',
      `its source commit is from ${iso(writer.sourceTime)}, this build's from ${iso(ours.sourceTime)}`,
    );
  }
  if (byTime < 0) return { kind: 'proceed' };

  const byRelease = writer.tag && ours.tag ? compareReleases(writer.tag, ours.tag) : null;
  if (byRelease !== null) {
    return byRelease > 0
      ? superseded('semver', `version ${writer.tag} is higher than ${ours.tag}`)
      : { kind: 'proceed' };
  }
  const byStamp = compareTagTimestamps(writer.tag, ours.tag);
  if (byStamp > 0) return superseded('timestamp-tag', `tag ${writer.tag} is stamped later than ${ours.tag}`);
  return { kind: 'proceed' };
}

/** One line naming the newer build that is there, for the summary and --json. */
export function describeSuperseded(verdict: Extract<SupersedeVerdict, { kind: 'superseded' }>): string {
  const { writer } = verdict;
  const source = writer.sourceCommit ? ` from source ${short(writer.sourceCommit)}` : '';
  return `${writer.repository}:${writer.value} (env commit ${short(writer.envCommit)}${source}) is newer: ${verdict.reason}`;
}

function compareTimes(writer: Date | null, ours: Date | null): number {
  if (writer === null || ours === null) return 0;
  return Math.sign(writer.getTime() - ours.getTime());
}

/** build-tag's timestamp strategy: `<branch>-YYYYMMDDHHmmss-<sha7>`, which sorts as text. */
const TAG_TIMESTAMP = /(?:^|-)(\d{14})(?:-|$)/;

function compareTagTimestamps(writer: string | null, ours: string | null): number {
  const a = writer && TAG_TIMESTAMP.exec(writer)?.[1];
  const b = ours && TAG_TIMESTAMP.exec(ours)?.[1];
  if (!a || !b) return 0;
  return a === b ? 0 : a > b ? 1 : -1;
}

function short(sha: string | null): string {
  return sha ? sha.slice(0, 7) : '(unknown)';
}

function iso(date: Date | null): string {
  return date ? date.toISOString().replace('.000Z', 'Z') : '(unknown)';
}

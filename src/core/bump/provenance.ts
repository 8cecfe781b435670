import { type ImageReference, tryParseImageReference } from '../image-ref.js';
import { isValidTag } from '../oci-tag.js';
import type { Change } from './plan.js';

/** One commit of the env repo as `git log` gives it: enough to tell which build it deployed. */
export interface EnvCommit {
  sha: string;
  parents: readonly string[];
  subject: string;
  /** `Key: value` pairs in order, as git parsed the message's trailer block. */
  trailers: ReadonlyArray<readonly [string, string]>;
}

/** Which source build a kpush commit deployed (its trailers), and which images it wrote. */
export interface BumpProvenance {
  envCommit: string;
  sourceRepo: string | null;
  sourceCommit: string | null;
  /** Kpush-Source-Time; null in commits made before kpush wrote it. */
  sourceTime: Date | null;
  images: ImageReference[];
}

/** The build that wrote a value bump-manifest is about to replace. */
export interface CurrentWriter extends BumpProvenance {
  repository: string;
  /** The tag (or digest) there now. */
  value: string;
  tag: string | null;
}

/** A value of a requested repository in the env repo now, as tag and/or digest. */
export interface CurrentValue {
  repository: string;
  tag: string | null;
  digest: string | null;
}

export const TRAILER = {
  sourceRepo: 'Kpush-Source-Repo',
  sourceCommit: 'Kpush-Source-Commit',
  sourceTime: 'Kpush-Source-Time',
  image: 'Kpush-Image',
} as const;

/**
 * What a kpush commit deployed, or null for any other commit. Commits from before kpush wrote
 * `Kpush-Image` trailers name their images only in the default subject
 * (`deploy: bump ghcr.io/acme/api to 1.2.0, …`), which is read instead.
 */
export function provenanceOf(commit: EnvCommit): BumpProvenance | null {
  const values = (key: string) =>
    commit.trailers.filter(([name]) => name.toLowerCase() === key.toLowerCase()).map(([, value]) => value);
  const first = (key: string) => values(key)[0] ?? null;
  const trailerImages = values(TRAILER.image).flatMap((text) => {
    const parsed = tryParseImageReference(text);
    return typeof parsed === 'string' ? [] : [parsed];
  });
  const images = trailerImages.length ? trailerImages : imagesFromSubject(commit.subject);
  const sourceCommit = first(TRAILER.sourceCommit);
  if (images.length === 0 || (sourceCommit === null && trailerImages.length === 0)) return null;
  const time = first(TRAILER.sourceTime);
  const sourceTime = time === null ? null : new Date(time);
  return {
    envCommit: commit.sha,
    sourceRepo: first(TRAILER.sourceRepo),
    sourceCommit,
    sourceTime: sourceTime && Number.isFinite(sourceTime.getTime()) ? sourceTime : null,
    images,
  };
}

const DEFAULT_SUBJECT = /^deploy: bump (.+)$/;

/** `deploy: bump a to 1.2, b to 3.4@sha256:0123…`: the digest there is cut short, so only tags count. */
function imagesFromSubject(subject: string): ImageReference[] {
  const list = DEFAULT_SUBJECT.exec(subject)?.[1];
  if (!list) return [];
  return list.split(', ').flatMap((item) => {
    const match = /^(\S+) to ([^@\s]+)/.exec(item);
    if (!match) return [];
    const parsed = tryParseImageReference(`${match[1]}:${match[2]}`);
    return typeof parsed === 'string' ? [] : [{ ...parsed, digest: null }];
  });
}

/**
 * The values a plan replaces, one per distinct repository and value. A change's old value is a
 * whole reference (`image:`), or only a tag or a digest (kustomize `newTag`, Helm `tag`).
 */
export function currentValues(changes: readonly Change[]): CurrentValue[] {
  const seen = new Map<string, CurrentValue>();
  for (const change of changes) {
    const value = replacedValue(change);
    if (value) seen.set(`${value.repository} ${value.tag} ${value.digest}`, value);
  }
  return [...seen.values()];
}

function replacedValue(change: Change): CurrentValue | null {
  const { repository, old } = change;
  if (old === '') return null;
  const parsed = tryParseImageReference(old);
  if (typeof parsed !== 'string' && parsed.repository === repository && (parsed.tag || parsed.digest))
    return { repository, tag: parsed.tag, digest: parsed.digest };
  if (/^sha(256|512):/.test(old)) return { repository, tag: null, digest: old };
  return isValidTag(old) ? { repository, tag: old, digest: null } : null;
}

/**
 * The build behind `value` when `commit` is a kpush commit that wrote it: its image for that
 * repository has the same tag, or the same digest. Null for a hand edit or another image.
 */
export function writtenBy(commit: EnvCommit, value: CurrentValue): CurrentWriter | null {
  const provenance = provenanceOf(commit);
  const image = provenance?.images.find(
    (candidate) =>
      candidate.repository === value.repository &&
      ((value.tag !== null && candidate.tag === value.tag) ||
        (value.digest !== null && candidate.digest === value.digest)),
  );
  if (!provenance || !image) return null;
  return {
    ...provenance,
    repository: value.repository,
    value: value.tag ?? value.digest ?? '',
    tag: image.tag,
  };
}

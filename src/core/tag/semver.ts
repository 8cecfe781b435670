import compare from 'semver/functions/compare.js';
import parse from 'semver/functions/parse.js';
import type { SemVer } from 'semver';

/**
 * A release version as git tags and image tags spell it: `[v]X.Y.Z[-pre][+build]`, strict
 * semver.org grammar (no leading zeros, no `=`), or null. An image tag cannot hold `+`, so
 * build-tag writes build metadata as `_` (helm's convention): that spelling is read back too.
 */
export function parseRelease(tag: string): SemVer | null {
  if (!/^v?\d/.test(tag)) return null;
  return parse(tag) ?? (tag.includes('_') ? parse(tag.replace('_', '+')) : null);
}

/** semver.org precedence of two release tags (build metadata ignored); null unless both are releases. */
export function compareReleases(a: string, b: string): number | null {
  const left = parseRelease(a);
  const right = parseRelease(b);
  return left && right ? compare(left, right) : null;
}

/**
 * The highest release among the git tags on a commit, as an image tag: `X.Y.Z[-pre]`.
 * Build metadata (`+build`) is not allowed in OCI tags, so `+` becomes `_` (helm's convention).
 */
export function semverFromTags(tags: readonly string[]): string | null {
  const best = tags
    .filter((tag) => !tag.includes('_'))
    .map(parseRelease)
    .filter((version): version is SemVer => version !== null)
    .sort(compare)
    .at(-1);
  if (!best) return null;
  const build = best.build.length ? `_${best.build.join('.')}` : '';
  return `${best.version}${build}`;
}

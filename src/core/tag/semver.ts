/** `vX.Y.Z[-pre][+build]` or `X.Y.Z...` as git tags spell releases. */
const SEMVER_TAG =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

interface Semver {
  major: number;
  minor: number;
  patch: number;
  prerelease: string[];
  build: string | null;
}

function parse(tag: string): Semver | null {
  const match = SEMVER_TAG.exec(tag);
  if (!match) return null;
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3]),
    prerelease: match[4] ? match[4].split('.') : [],
    build: match[5] ?? null,
  };
}

/** semver.org precedence: numbers first, a release outranks its pre-releases. */
function compare(a: Semver, b: Semver): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return core;
  if (a.prerelease.length === 0 || b.prerelease.length === 0)
    return b.prerelease.length - a.prerelease.length;
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const xNumeric = /^\d+$/.test(x);
    const yNumeric = /^\d+$/.test(y);
    if (xNumeric && yNumeric) return Number(x) - Number(y);
    if (xNumeric !== yNumeric) return xNumeric ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * The highest release among the git tags on a commit, as an image tag: `X.Y.Z[-pre]`.
 * Build metadata (`+build`) is not allowed in OCI tags, so `+` becomes `_` (helm's convention).
 */
export function semverFromTags(tags: readonly string[]): string | null {
  const best = tags
    .map(parse)
    .filter((version): version is Semver => version !== null)
    .sort(compare)
    .at(-1);
  if (!best) return null;
  const pre = best.prerelease.length ? `-${best.prerelease.join('.')}` : '';
  const build = best.build ? `_${best.build}` : '';
  return `${best.major}.${best.minor}.${best.patch}${pre}${build}`;
}

import { KpushError, UsageError } from '../../errors.js';
import { isValidTag, OCI_TAG_MAX_LENGTH, sanitizeForTag, truncateForTag } from '../oci-tag.js';

import type { TagStrategy } from './strategy-names.js';

export type { TagStrategy } from './strategy-names.js';

export const TEMPLATE_PLACEHOLDERS = [
  'branch',
  'sha',
  'sha7',
  'timestamp',
  'semver',
  'run',
  'content',
] as const;
type Placeholder = (typeof TEMPLATE_PLACEHOLDERS)[number];

/** Everything a tag can be made of, gathered from git and the CI environment. */
export interface TagFacts {
  sha: string;
  /** Raw branch name, or null when it cannot be known (detached HEAD outside CI). */
  branch: string | null;
  /** Release version from a tag on the commit (`X.Y.Z[-pre]`), or null. */
  semver: string | null;
  commitTime: Date;
  /** Tree hash of the build context, when one was given. */
  contentHash: string | null;
  /** CI run number, when running in CI. */
  runNumber: string | null;
  dirty: boolean;
}

export interface TagRequest {
  strategy: TagStrategy;
  template?: string | undefined;
  fallback?: TagStrategy | undefined;
  requireClean: boolean;
}

export interface TagDecision {
  tag: string;
  /** The strategy that produced the tag: `template`, the requested one, or the fallback. */
  strategy: TagStrategy | 'template';
}

const DIRTY_SUFFIX = '-dirty';
const CONTENT_HASH_LENGTH = 12;
const BRANCH_WHEN_UNKNOWN = 'detached';

/** Decides the tag. Pure: the same facts always give the same tag. */
export function decideTag(request: TagRequest, facts: TagFacts): TagDecision {
  if (facts.dirty && request.requireClean) {
    throw new KpushError('E_DIRTY', 'the work tree has uncommitted changes and --require-clean is set', {
      hint: 'Commit or stash the changes (untracked files do not count), or drop --require-clean to get a -dirty tag.',
    });
  }
  const suffix = facts.dirty ? DIRTY_SUFFIX : '';
  const decision = request.template
    ? { tag: renderTemplate(request.template, facts, suffix), strategy: 'template' as const }
    : decideByStrategy(request, facts, suffix);
  if (!isValidTag(decision.tag)) {
    throw new UsageError(`"${decision.tag}" is not a valid image tag`, {
      hint: 'A tag is 1-128 characters of [A-Za-z0-9_.-] and starts with a letter, digit or _. Adjust --template.',
    });
  }
  return decision;
}

function decideByStrategy(request: TagRequest, facts: TagFacts, suffix: string): TagDecision {
  if (request.strategy === 'semver' && facts.semver === null) {
    if (request.fallback) return { tag: tagFor(request.fallback, facts, suffix), strategy: request.fallback };
    throw new KpushError(
      'E_NO_SEMVER_TAG',
      `HEAD (${facts.sha.slice(0, 7)}) has no release tag like v1.2.3`,
      {
        hint: 'Tag the commit (git tag v1.2.3), or pass --fallback sha to use another strategy on untagged commits.',
      },
    );
  }
  return { tag: tagFor(request.strategy, facts, suffix), strategy: request.strategy };
}

function tagFor(strategy: TagStrategy, facts: TagFacts, suffix: string): string {
  const sha7 = facts.sha.slice(0, 7);
  switch (strategy) {
    case 'sha':
      return `sha-${sha7}${suffix}`;
    case 'branch-sha':
      return withBranch(facts, `-${sha7}${suffix}`);
    case 'timestamp':
      return withBranch(facts, `-${formatTimestamp(facts.commitTime)}-${sha7}${suffix}`);
    case 'semver':
      if (facts.semver === null) throw new Error('semver strategy without a version'); // guarded by the caller
      return `${facts.semver}${suffix}`;
    case 'content':
      return `content-${requireContent(facts)}${suffix}`;
  }
}

/** `<branch><rest>`, the branch cut so the whole tag fits the 128-character limit. */
function withBranch(facts: TagFacts, rest: string): string {
  const branch = sanitizeForTag(facts.branch ?? '') || BRANCH_WHEN_UNKNOWN;
  return truncateForTag(branch, OCI_TAG_MAX_LENGTH - rest.length) + rest;
}

function requireContent(facts: TagFacts): string {
  if (facts.contentHash === null) {
    throw missingContextError();
  }
  return facts.contentHash.slice(0, CONTENT_HASH_LENGTH);
}

/** Asked for a content tag without saying which directory it is the content of. */
export function missingContextError(): UsageError {
  return new UsageError('the content strategy needs --context <path>', {
    hint: 'Pass the build context directory, e.g. --context services/api.',
  });
}

/** UTC `YYYYMMDDHHmmss`: sorts lexically in time order, as Flux and Argo CD image policies expect. */
export function formatTimestamp(time: Date): string {
  return time.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** Placeholders a template uses; unknown ones are a usage error, found before any git work. */
export function templatePlaceholders(template: string): Placeholder[] {
  const used = [...template.matchAll(PLACEHOLDER)].map((match) => match[1] as string);
  const unknown = used.filter((name) => !(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown placeholder ${unknown.map((name) => `{{${name}}}`).join(', ')} in --template`,
      {
        hint: `Available: ${TEMPLATE_PLACEHOLDERS.map((name) => `{{${name}}}`).join(' ')}.`,
      },
    );
  }
  return used as Placeholder[];
}

/** Renders a template; a long {{branch}} is cut, as in branch-sha, so the tag fits 128. */
function renderTemplate(template: string, facts: TagFacts, suffix: string): string {
  const usesBranch = templatePlaceholders(template).includes('branch');
  const render = (branch: string) =>
    template.replace(PLACEHOLDER, (_, name: Placeholder) =>
      name === 'branch' ? branch : placeholderValue(name, facts),
    ) + suffix;
  const branch = placeholderValue('branch', facts);
  const full = render(branch);
  if (!usesBranch || full.length <= OCI_TAG_MAX_LENGTH) return full;
  const uses = template.match(PLACEHOLDER)?.filter((match) => /branch/.test(match)).length ?? 1;
  const budget = branch.length - Math.ceil((full.length - OCI_TAG_MAX_LENGTH) / uses);
  return render(truncateForTag(branch, budget) || BRANCH_WHEN_UNKNOWN);
}

function placeholderValue(name: Placeholder, facts: TagFacts): string {
  switch (name) {
    case 'branch':
      return sanitizeForTag(facts.branch ?? '') || BRANCH_WHEN_UNKNOWN;
    case 'sha':
      return facts.sha;
    case 'sha7':
      return facts.sha.slice(0, 7);
    case 'timestamp':
      return formatTimestamp(facts.commitTime);
    case 'content':
      return requireContent(facts);
    case 'semver':
      if (facts.semver === null) {
        throw new KpushError(
          'E_NO_SEMVER_TAG',
          '{{semver}} is used but HEAD has no release tag like v1.2.3',
          {
            hint: 'Tag the commit, or use a template without {{semver}} for untagged builds.',
          },
        );
      }
      return facts.semver;
    case 'run':
      if (facts.runNumber === null) {
        throw new KpushError('E_NO_RUN_NUMBER', '{{run}} is used but no CI run number is available', {
          hint: 'It comes from GITHUB_RUN_NUMBER or CI_PIPELINE_IID; set one of them when running outside CI.',
        });
      }
      return sanitizeForTag(facts.runNumber);
  }
}

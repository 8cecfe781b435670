import type { CiContext } from '../ci-env.js';
import { formatImageReference, type ImageReference } from '../image-ref.js';
import { type Change, describeChange } from './plan.js';
import { TRAILER } from './provenance.js';

export interface MessageInput {
  targets: readonly ImageReference[];
  changes: readonly Change[];
  ci: CiContext;
  /** The source commit's committer time, when the app checkout has it. */
  sourceTime?: Date | null;
}

export const MESSAGE_FIELDS = [
  'summary',
  'changes',
  'images',
  'sourceRepo',
  'sourceCommit',
  'runUrl',
  'actor',
] as const;
type MessageField = (typeof MESSAGE_FIELDS)[number];

const FIELD = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** Placeholders used by a --message template that kpush does not know (checked before cloning). */
export function unknownMessageFields(template: string): string[] {
  return [...template.matchAll(FIELD)]
    .map((match) => match[1] as string)
    .filter((name) => !(MESSAGE_FIELDS as readonly string[]).includes(name));
}

/**
 * The commit message: a subject naming what was bumped, one body line per change, and git
 * trailers (source repo and commit, CI run, actor) that make the chain from image to commit
 * traceable. A --message template replaces subject and body; the trailers are always kept.
 */
export function commitMessage(input: MessageInput, template?: string): string {
  const fields = messageFields(input);
  const text = (template ?? '{{summary}}\n\n{{changes}}').replace(
    FIELD,
    (whole, name: string) => fields[name as MessageField] ?? whole,
  );
  const trailers = commitTrailers(input);
  return `${text.trimEnd()}\n${trailers.length ? `\n${trailers.join('\n')}\n` : ''}`;
}

function messageFields({ targets, changes, ci }: MessageInput): Record<MessageField, string> {
  const images = targets.map(describeTarget);
  return {
    summary: `deploy: bump ${images.map(({ repository, to }) => `${repository} to ${to}`).join(', ')}`,
    changes: changes.map((change) => `- ${describeChange(change)}`).join('\n'),
    images: targets.map(imageText).join(', '),
    sourceRepo: ci.sourceRepository ?? '',
    sourceCommit: ci.sha ?? '',
    runUrl: ci.runUrl ?? '',
    actor: ci.actor ?? '',
  };
}

/** `ghcr.io/acme/api:sha-3f1c2a9`, `ghcr.io/acme/api@sha256:0123456789ab` (short digest): a reference. */
function imageText(target: ImageReference): string {
  const { repository, to } = describeTarget(target);
  return target.tag ? `${repository}:${to}` : `${repository}@${to}`;
}

/** `ghcr.io/acme/api` to `sha-3f1c2a9` (or the short digest when there is no tag). */
function describeTarget(target: ImageReference): { repository: string; to: string } {
  const digest = target.digest ? `@${target.digest.slice(0, 19)}` : '';
  return { repository: target.name, to: target.tag ? `${target.tag}${digest}` : digest.slice(1) };
}

/**
 * Source time and images let a later bump tell whether the value it would replace came from a
 * newer build (core/bump/supersede.ts).
 */
function commitTrailers({ ci, sourceTime, targets }: MessageInput): string[] {
  const trailers: Array<[string, string | null]> = [
    [TRAILER.sourceRepo, ci.sourceUrl ?? ci.sourceRepository],
    [TRAILER.sourceCommit, ci.sha],
    [TRAILER.sourceTime, sourceTime ? sourceTime.toISOString().replace('.000Z', 'Z') : null],
    ['Kpush-CI-Run', ci.runUrl],
    ['Kpush-Actor', ci.actor],
    ...targets.map((target): [string, string] => [
      TRAILER.image,
      formatImageReference(target.name, target.tag, target.digest),
    ]),
  ];
  return trailers.filter(([, value]) => value).map(([key, value]) => `${key}: ${value}`);
}

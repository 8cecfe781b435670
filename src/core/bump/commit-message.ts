import type { CiContext } from '../ci-env.js';
import type { ImageReference } from '../image-ref.js';
import { type Change, describeChange } from './plan.js';

export interface MessageInput {
  targets: readonly ImageReference[];
  changes: readonly Change[];
  ci: CiContext;
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
  const trailers = commitTrailers(input.ci);
  return `${text.trimEnd()}\n${trailers.length ? `\n${trailers.join('\n')}\n` : ''}`;
}

function messageFields({ targets, changes, ci }: MessageInput): Record<MessageField, string> {
  const images = targets.map(describeTarget);
  return {
    summary: `deploy: bump ${images.map(({ repository, to }) => `${repository} to ${to}`).join(', ')}`,
    changes: changes.map((change) => `- ${describeChange(change)}`).join('\n'),
    images: images.map(({ repository, to }) => `${repository}:${to}`).join(', '),
    sourceRepo: ci.sourceRepository ?? '',
    sourceCommit: ci.sha ?? '',
    runUrl: ci.runUrl ?? '',
    actor: ci.actor ?? '',
  };
}

/** `ghcr.io/acme/api` to `sha-3f1c2a9` (or the short digest when there is no tag). */
function describeTarget(target: ImageReference): { repository: string; to: string } {
  const digest = target.digest ? `@${target.digest.slice(0, 19)}` : '';
  return { repository: target.name, to: target.tag ? `${target.tag}${digest}` : digest.slice(1) };
}

function commitTrailers(ci: CiContext): string[] {
  const trailers: Array<[string, string | null]> = [
    ['Kpush-Source-Repo', ci.sourceUrl ?? ci.sourceRepository],
    ['Kpush-Source-Commit', ci.sha],
    ['Kpush-CI-Run', ci.runUrl],
    ['Kpush-Actor', ci.actor],
  ];
  return trailers.filter(([, value]) => value).map(([key, value]) => `${key}: ${value}`);
}

import { UsageError } from '../errors.js';
import type { CiContext } from './ci-env.js';

export interface Identity {
  name: string;
  email: string;
}

export const NEUTRAL_IDENTITY: Identity = { name: 'kpush', email: 'kpush@localhost' };

/** Parses `--author "Name <email>"`. */
export function parseIdentity(text: string): Identity {
  const match = /^\s*([^<>]*?)\s*<([^<>\s]+@[^<>\s]*)>\s*$/.exec(text);
  if (match?.[1] === '') {
    throw new UsageError(`--author "${text}" has no name`, {
      hint: 'e.g. --author "Deploy Bot <deploy@acme.dev>"',
    });
  }
  if (!match) {
    throw new UsageError(`--author "${text}" is not of the form "Name <email>"`, {
      hint: 'e.g. --author "Deploy Bot <deploy@acme.dev>"',
    });
  }
  return { name: match[1] as string, email: match[2] as string };
}

/**
 * Who commits: --author, else what git is configured with (GIT_AUTHOR_* or user.name/email),
 * else the CI actor, else a neutral kpush identity. Always explicit, so a CI runner without git
 * configuration never fails with "Author identity unknown". GIT_COMMITTER_* set by the user win.
 */
export function identityEnv(
  flag: Identity | null,
  configured: Identity | null,
  ci: CiContext,
  env: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  const author = flag ?? configured ?? ci.author ?? NEUTRAL_IDENTITY;
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: env.GIT_COMMITTER_NAME || author.name,
    GIT_COMMITTER_EMAIL: env.GIT_COMMITTER_EMAIL || author.email,
  };
}

/**
 * Pull-request mode, the pure parts: which forge and API a remote belongs to, the branch a
 * bump goes to, the pull request's title and body, and whether a run opens or updates one.
 */
import { UsageError } from '../../errors.js';
import type { ImageReference } from '../image-ref.js';

import type { ForgeKind } from './forge-kinds.js';

export { FORGE_KINDS, type ForgeKind } from './forge-kinds.js';

export interface ForgeLocation {
  kind: ForgeKind;
  /** Base URL of the REST API, without a trailing slash (`https://api.github.com`). */
  apiUrl: string;
  /** `owner/name` (GitLab: the full `group/subgroup/name` path). */
  project: string;
  /** The host the repository is served from; the token belongs to it. */
  repoHost: string;
}

interface RemoteParts {
  host: string;
  /** `https://host` for SSH remotes (their port is SSH's, not the web server's). */
  webOrigin: string;
  path: string;
}

/** host and path of an https, ssh or scp-like (`git@host:path`) remote; null for anything else. */
function remoteParts(url: string): RemoteParts | null {
  const scp = /^(?:[^@/]+@)?([^/:]+):(?!\/)(.+)$/.exec(url);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    return { host: scp[1] as string, webOrigin: `https://${scp[1]}`, path: scp[2] as string };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const path = decodeURIComponent(parsed.pathname);
  if (parsed.protocol === 'https:' || parsed.protocol === 'http:') {
    return { host: parsed.host, webOrigin: parsed.origin, path };
  }
  if (parsed.protocol === 'ssh:')
    return { host: parsed.hostname, webOrigin: `https://${parsed.hostname}`, path };
  return null;
}

function hostOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

/**
 * The forge behind `repoUrl`: github.com and gitlab.com by name, the CI system's own server
 * (GITHUB_SERVER_URL, CI_SERVER_URL) by its variables, anything else only with --forge.
 */
export function locateForge(
  repoUrl: string,
  options: { forge?: ForgeKind | undefined; apiUrl?: string | undefined },
  env: NodeJS.ProcessEnv,
): ForgeLocation {
  const remote = remoteParts(repoUrl);
  if (remote === null) {
    throw new UsageError(`--pull-request needs a forge's https or ssh URL as --repo, not ${repoUrl}`, {
      hint: 'Pull requests are opened through GitHub, GitLab or Gitea: pass the repository URL they serve.',
    });
  }
  const kind = options.forge ?? forgeByHost(remote.host, env);
  if (kind === null) {
    throw new UsageError(`cannot tell which forge serves ${remote.host}`, {
      hint: 'Pass --forge github|gitlab|gitea (and --api-url for a self-hosted one).',
    });
  }
  const apiUrl = (options.apiUrl ?? defaultApiUrl(kind, remote, env)).replace(/\/+$/, '');
  return { kind, apiUrl, project: projectPath(remote.path, apiUrl), repoHost: remote.host };
}

function forgeByHost(host: string, env: NodeJS.ProcessEnv): ForgeKind | null {
  if (host === 'github.com' || host === hostOf(env.GITHUB_SERVER_URL)) return 'github';
  if (host === 'gitlab.com' || host === hostOf(env.CI_SERVER_URL)) return 'gitlab';
  return null;
}

function defaultApiUrl(kind: ForgeKind, remote: RemoteParts, env: NodeJS.ProcessEnv): string {
  switch (kind) {
    case 'github':
      if (remote.host === 'github.com') return 'https://api.github.com';
      if (env.GITHUB_API_URL && remote.host === hostOf(env.GITHUB_SERVER_URL)) return env.GITHUB_API_URL;
      return `${remote.webOrigin}/api/v3`; // GitHub Enterprise Server
    case 'gitlab':
      if (env.CI_API_V4_URL && remote.host === hostOf(env.CI_SERVER_URL)) return env.CI_API_V4_URL;
      return `${remote.webOrigin}/api/v4`;
    case 'gitea':
      return `${remote.webOrigin}/api/v1`;
  }
}

/**
 * `acme/env` from `/acme/env.git`; a forge served under a sub-path (`https://host/git/api/v1`)
 * serves its repositories under it too (`/git/acme/env.git`), so that prefix goes.
 */
function projectPath(path: string, apiUrl: string): string {
  const apiPath = new URL(apiUrl).pathname;
  const prefix = apiPath.slice(0, Math.max(0, apiPath.search(/\/api(\/|$)/)));
  const inside = prefix && path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
  const project = inside.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '');
  if (!/^[^/]+\/.+/.test(project)) {
    throw new UsageError(`--repo path ${path} does not name an owner and a repository`, {
      hint: 'Pass the repository URL as the forge shows it, e.g. https://github.com/acme/env.git.',
    });
  }
  return project;
}

/**
 * `kpush/<image>-<env>`: the images' last path segments (sorted, so the order of --image does
 * not matter) and the first --path's last folder, else `main`. One branch per image and
 * environment is what makes a later bump of the same pair update the open pull request.
 */
export function defaultPullRequestBranch(
  targets: readonly ImageReference[],
  paths: readonly string[],
): string {
  const images = [...new Set(targets.map((target) => target.name.split('/').at(-1) ?? target.name))].sort();
  // A file names its environment by its folder: apps/prod/values.yaml is `prod`.
  const segments = paths[0]?.split('/').filter(Boolean) ?? [];
  const environment = /\.(ya?ml|json)$/i.test(segments.at(-1) ?? '') ? segments.at(-2) : segments.at(-1);
  return `kpush/${refSafe(images.join('+'))}-${refSafe(environment || 'main')}`;
}

/** Lower case, and anything git refuses in a ref name (or finds awkward) becomes `-`. */
function refSafe(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9._+-]+/g, '-')
      .replace(/\.{2,}/g, '.')
      .replace(/^[.-]+|[.-]+$/g, '')
      .replace(/\.lock$/, '') || 'x'
  );
}

/** git check-ref-format's rules for a branch, plus: never the branch the pull request targets. */
export function checkPullRequestBranch(name: string, base: string): string {
  const invalid =
    name === '' ||
    name === '@' ||
    name.startsWith('-') ||
    name.startsWith('/') ||
    name.endsWith('/') ||
    name.endsWith('.') ||
    name.endsWith('.lock') ||
    /\.\.|\/\/|@\{|\/\.|^\.|[\x00-\x20\x7f~^:?*[\\]/.test(name);
  if (invalid) throw new UsageError(`--pr-branch ${JSON.stringify(name)} is not a valid branch name`);
  if (name === base) {
    throw new UsageError(`--pr-branch ${name} is the branch the pull request targets`, {
      hint: 'Pull-request mode pushes to a branch of its own; drop --pull-request to push to the branch itself.',
    });
  }
  return name;
}

export interface PullRequestText {
  title: string;
  body: string;
}

const TRAILER = /^(Kpush-[A-Za-z-]+): (.*)$/;

/**
 * Title and body carry what the commit carries: the subject is the title; the change lines and
 * the Kpush-* trailers (source repository and commit, CI run, actor) form the body, the
 * trailers as a list so Markdown keeps one per line.
 */
export function pullRequestText(commitMessage: string, branch: string): PullRequestText {
  const [title = '', ...rest] = commitMessage.trimEnd().split('\n');
  const body = rest
    .map((line) => {
      const trailer = TRAILER.exec(line);
      return trailer ? `- ${trailer[1]}: ${trailer[2]}` : line;
    })
    .join('\n')
    .trim();
  const footer = `Opened by \`kpush bump-manifest --pull-request\`; later bumps of the same images and paths update this pull request (branch \`${branch}\`).`;
  return { title, body: `${body}\n\n---\n${footer}`.trim() };
}

/** A pull request as kpush needs it from every forge. */
export interface PullRequestRef {
  number: number;
  url: string;
  /** GitHub's GraphQL node id (auto-merge is GraphQL-only there). */
  nodeId?: string;
}

/**
 * Where the bump commit goes. With an open pull request: on top of its branch, a plain
 * fast-forward push, so nothing a reviewer pushed there is lost and the base is never touched.
 * Without one: a fresh branch from the base tip; a leftover kpush branch (its pull request
 * merged or closed) is replaced with a lease on the tip kpush saw, so a concurrent run's push
 * is never overwritten.
 */
export type PullRequestStart =
  | { kind: 'update'; pullRequest: PullRequestRef }
  | { kind: 'open'; lease: { expected: string | null } };

export function pullRequestStart(
  open: PullRequestRef | null,
  remoteBranchTip: string | null,
): PullRequestStart {
  if (open !== null) return { kind: 'update', pullRequest: open };
  return { kind: 'open', lease: { expected: remoteBranchTip } };
}

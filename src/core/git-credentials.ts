/**
 * HTTPS credentials for git without writing them anywhere: an Authorization header passed
 * through GIT_CONFIG_* environment variables (git >= 2.31), scoped to the remote's origin, so
 * the token is neither in argv (visible in `ps`) nor in the clone's .git/config.
 */
export interface GitCredentials {
  env: NodeJS.ProcessEnv;
  /** The header value, to be redacted like the token itself. */
  secrets: string[];
  /** Something about the token the user should know before git runs (e.g. an empty variable). */
  warning: string | null;
  /** Why the remote may refuse the token, for the hint of an authentication error. */
  authHint: string | null;
}

export function httpsCredentials(url: string, env: NodeJS.ProcessEnv): GitCredentials {
  const caveat = emptyTokenCaveat(url, env);
  const none = { env: {}, secrets: [], ...caveat };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return none; // scp-like SSH or a local path: the SSH agent or the file system decides.
  }
  if (
    parsed.username ||
    !(parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLoopback(parsed)))
  ) {
    return none; // Never in clear text over a network; credentials in the URL speak for themselves.
  }
  const credential = credentialFor(parsed.host, env);
  if (!credential) return none;
  const basic = Buffer.from(`${credential.username}:${credential.token}`).toString('base64');
  const index = Number(env.GIT_CONFIG_COUNT ?? 0) || 0;
  return {
    env: {
      GIT_CONFIG_COUNT: String(index + 2),
      [`GIT_CONFIG_KEY_${index}`]: `http.${parsed.origin}/.extraheader`,
      [`GIT_CONFIG_VALUE_${index}`]: `Authorization: Basic ${basic}`,
      // The header is matched against the URL given, not the one a redirect leads to: after a
      // redirect git would send it to whatever host the remote names. So no redirects at all.
      [`GIT_CONFIG_KEY_${index + 1}`]: 'http.followRedirects',
      [`GIT_CONFIG_VALUE_${index + 1}`]: 'false',
    },
    secrets: [credential.token, basic],
    ...caveat,
  };
}

/**
 * A CI variable that is protected or secret expands to '' where it is not available (an
 * unprotected branch, a fork's pull request): the CI system's own token then goes instead,
 * and usually cannot push to another repository. Say so rather than fail mysteriously.
 */
function emptyTokenCaveat(url: string, env: NodeJS.ProcessEnv): Pick<GitCredentials, 'warning' | 'authHint'> {
  if (env.KPUSH_GIT_TOKEN !== '') return { warning: null, authHint: null };
  const fallback = credentialFor(hostOf(url) ?? '', env)?.variable ?? null;
  const empty = 'KPUSH_GIT_TOKEN is set but empty';
  if (fallback === null) {
    return {
      warning: `${empty}: no token is sent`,
      authHint: `${empty} — a protected or secret variable this job cannot read? Set it for this branch, or use SSH`,
    };
  }
  const why =
    fallback === 'CI_JOB_TOKEN'
      ? 'a protected variable on an unprotected branch? CI_JOB_TOKEN cannot push to another project'
      : 'a secret this workflow cannot read (a fork, Dependabot)? GITHUB_TOKEN can only push to its own repository';
  return { warning: `${empty}: sending ${fallback} instead`, authHint: `${empty} — ${why}` };
}

/**
 * KPUSH_GIT_TOKEN is the user's explicit choice for the --repo host. A CI system's own token
 * only goes to that CI system's server: GITHUB_TOKEN to GITHUB_SERVER_URL (github.com),
 * CI_JOB_TOKEN to CI_SERVER_URL, so a GitLab job never hands its token to GitHub.
 */
function credentialFor(
  host: string,
  env: NodeJS.ProcessEnv,
): { username: string; token: string; variable: string } | null {
  const username = (fallback: string) => env.KPUSH_GIT_USERNAME || fallback;
  if (env.KPUSH_GIT_TOKEN) {
    return { username: username('x-access-token'), token: env.KPUSH_GIT_TOKEN, variable: 'KPUSH_GIT_TOKEN' };
  }
  if (env.GITHUB_TOKEN && host === hostOf(env.GITHUB_SERVER_URL || 'https://github.com')) {
    return { username: username('x-access-token'), token: env.GITHUB_TOKEN, variable: 'GITHUB_TOKEN' };
  }
  if (env.CI_JOB_TOKEN && env.CI_SERVER_URL && host === hostOf(env.CI_SERVER_URL)) {
    return { username: username('gitlab-ci-token'), token: env.CI_JOB_TOKEN, variable: 'CI_JOB_TOKEN' };
  }
  return null;
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

/**
 * Only addresses that cannot leave the machine: `localhost`, `[::1]` and IPv4 literals in
 * 127.0.0.0/8 (the URL parser has already normalised forms like `127.1`). A name that merely
 * starts with `127.` (`127.attacker.example`) is resolved by DNS and is not loopback.
 */
function isLoopback(url: URL): boolean {
  const { hostname } = url;
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(hostname);
  return octets?.slice(1).every((octet) => Number(octet) <= 255) === true;
}

/**
 * The token for a forge's API in pull-request mode, under the same rules as pushes: chosen for
 * the repository's host (KPUSH_GIT_TOKEN, else the CI system's own token for its own server),
 * and sent only to that host (github.com's API lives on api.github.com), over https or to
 * loopback. Returns why not, instead of a token, when the API URL breaks a rule.
 */
export function forgeApiToken(
  apiUrl: string,
  repoHost: string,
  env: NodeJS.ProcessEnv,
): { token: string; variable: string } | { refused: string } | null {
  const api = new URL(apiUrl);
  if (!(api.protocol === 'https:' || (api.protocol === 'http:' && isLoopback(api)))) {
    return { refused: `${api.origin} is plain http and not loopback: kpush sends no token in clear text` };
  }
  const apiOfRepoHost = api.host === repoHost || (repoHost === 'github.com' && api.host === 'api.github.com');
  if (!apiOfRepoHost) {
    return { refused: `the API at ${api.host} is not on the repository's host ${repoHost}` };
  }
  const credential = credentialFor(repoHost, env);
  return credential && { token: credential.token, variable: credential.variable };
}

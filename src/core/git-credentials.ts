/**
 * HTTPS credentials for git without writing them anywhere: an Authorization header passed
 * through GIT_CONFIG_* environment variables (git >= 2.31), scoped to the remote's origin, so
 * the token is neither in argv (visible in `ps`) nor in the clone's .git/config.
 */
export interface GitCredentials {
  env: NodeJS.ProcessEnv;
  /** The header value, to be redacted like the token itself. */
  secrets: string[];
}

export function httpsCredentials(url: string, env: NodeJS.ProcessEnv): GitCredentials {
  const none = { env: {}, secrets: [] };
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
      GIT_CONFIG_COUNT: String(index + 1),
      [`GIT_CONFIG_KEY_${index}`]: `http.${parsed.origin}/.extraheader`,
      [`GIT_CONFIG_VALUE_${index}`]: `Authorization: Basic ${basic}`,
    },
    secrets: [credential.token, basic],
  };
}

/**
 * KPUSH_GIT_TOKEN is the user's explicit choice for the --repo host. A CI system's own token
 * only goes to that CI system's server: GITHUB_TOKEN to GITHUB_SERVER_URL (github.com),
 * CI_JOB_TOKEN to CI_SERVER_URL, so a GitLab job never hands its token to GitHub.
 */
function credentialFor(host: string, env: NodeJS.ProcessEnv): { username: string; token: string } | null {
  const username = (fallback: string) => env.KPUSH_GIT_USERNAME || fallback;
  if (env.KPUSH_GIT_TOKEN) return { username: username('x-access-token'), token: env.KPUSH_GIT_TOKEN };
  if (env.GITHUB_TOKEN && host === hostOf(env.GITHUB_SERVER_URL || 'https://github.com')) {
    return { username: username('x-access-token'), token: env.GITHUB_TOKEN };
  }
  if (env.CI_JOB_TOKEN && env.CI_SERVER_URL && host === hostOf(env.CI_SERVER_URL)) {
    return { username: username('gitlab-ci-token'), token: env.CI_JOB_TOKEN };
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

function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || url.hostname.startsWith('127.');
}

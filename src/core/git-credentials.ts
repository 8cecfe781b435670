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
  if (!['https:', 'http:'].includes(parsed.protocol) || parsed.username) return none;
  const token = env.KPUSH_GIT_TOKEN || env.GITHUB_TOKEN || env.CI_JOB_TOKEN;
  if (!token) return none;
  const username =
    env.KPUSH_GIT_USERNAME ||
    (!env.KPUSH_GIT_TOKEN && !env.GITHUB_TOKEN ? 'gitlab-ci-token' : 'x-access-token');
  const basic = Buffer.from(`${username}:${token}`).toString('base64');
  const index = Number(env.GIT_CONFIG_COUNT ?? 0) || 0;
  return {
    env: {
      GIT_CONFIG_COUNT: String(index + 1),
      [`GIT_CONFIG_KEY_${index}`]: `http.${parsed.origin}/.extraheader`,
      [`GIT_CONFIG_VALUE_${index}`]: `Authorization: Basic ${basic}`,
    },
    secrets: [token, basic],
  };
}

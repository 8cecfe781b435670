/**
 * A browsable https URL for a git remote, without credentials: `git@github.com:acme/api.git`
 * and `https://token@github.com/acme/api.git` both become `https://github.com/acme/api`.
 * Local paths and file:// remotes have no such URL.
 */
export function sourceUrlFromRemote(remote: string | null): string | null {
  if (!remote) return null;
  const scp = /^[^@/\s]+@([^:/\s]+):(.+?)(?:\.git)?\/?$/.exec(remote);
  if (scp) return `https://${scp[1]}/${scp[2]}`;
  try {
    const url = new URL(remote);
    if (!['https:', 'http:', 'ssh:', 'git:'].includes(url.protocol)) return null;
    return `https://${url.hostname}${url.pathname.replace(/\.git\/?$/, '').replace(/\/$/, '')}`;
  } catch {
    return null;
  }
}

/** The remote URL without user info, for messages and commit trailers. */
export function withoutCredentials(remote: string): string {
  return remote.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/i, '$1');
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { kpush } from '../helpers/cli.js';
import { startGitHttpServer } from '../helpers/git-http-server.js';
import { git, makeBareRemote } from '../helpers/git.js';

const FILES = { 'app.yaml': 'containers:\n  - image: ghcr.io/acme/api:1.0\n' };
const TOKEN = 'ghp_redirect-secret-123';

/** A server on its own port (another origin) that sends every request on to `target`. */
async function startRedirector(target: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    response.writeHead(302, { Location: `${target}${(request.url ?? '/').replace(/^\/env\.git/, '')}` });
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/env.git`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a token-bearing bump against a remote that redirects', () => {
  it('never sends the token to the other origin, and says the remote redirected', async () => {
    const remote = makeBareRemote(FILES);
    const before = git(remote.path, ['rev-parse', 'main']);
    const authorizations: string[] = [];
    // An anonymous git server that records every Authorization header that reaches it.
    const elsewhere = await startGitHttpServer(remote.path, null, {
      onRequest: (request) => authorizations.push(request.headers.authorization ?? ''),
    });
    const redirector = await startRedirector(elsewhere.url);
    try {
      const run = await kpush(['bump-manifest', '--repo', redirector.url, '-i', 'ghcr.io/acme/api:2.0'], {
        env: { KPUSH_GIT_TOKEN: TOKEN },
      });
      expect(authorizations.filter(Boolean)).toEqual([]);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(/redirect/i);
      expect(run.stderr).not.toContain(TOKEN);
      expect(git(remote.path, ['rev-parse', 'main'])).toBe(before);
    } finally {
      await redirector.close();
      await elsewhere.close();
    }
  });
});

describe('a CI token variable that expanded empty', () => {
  it('warns that KPUSH_GIT_TOKEN is empty and explains the auth failure', async () => {
    const remote = makeBareRemote(FILES);
    const server = await startGitHttpServer(remote.path, { user: 'x-access-token', token: 'the-real-token' });
    try {
      const origin = new URL(server.url).origin;
      const run = await kpush(['bump-manifest', '--repo', server.url, '-i', 'ghcr.io/acme/api:2.0'], {
        env: { GITLAB_CI: 'true', KPUSH_GIT_TOKEN: '', CI_JOB_TOKEN: 'job-token-456', CI_SERVER_URL: origin },
      });
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(/^warning: KPUSH_GIT_TOKEN is set but empty.*CI_JOB_TOKEN/m);
      expect(run.stderr).toContain(
        'KPUSH_GIT_TOKEN is set but empty — a protected variable on an unprotected branch? CI_JOB_TOKEN cannot push to another project',
      );
      expect(run.stderr).not.toContain('job-token-456');
    } finally {
      await server.close();
    }
  });
});

describe('KPUSH_GIT_TOKEN and GITHUB_TOKEN both set for the --repo host', () => {
  it('sends KPUSH_GIT_TOKEN, the explicit choice, and masks both', async () => {
    const remote = makeBareRemote(FILES);
    const server = await startGitHttpServer(remote.path, {
      user: 'x-access-token',
      token: 'kpush-env-token-1',
    });
    try {
      const run = await kpush(
        ['--json', 'bump-manifest', '--repo', server.url, '-i', 'ghcr.io/acme/api:2.0'],
        {
          env: {
            GITHUB_ACTIONS: 'true',
            // The CI token is scoped to this very host, and would be refused by it.
            GITHUB_SERVER_URL: new URL(server.url).origin,
            GITHUB_TOKEN: 'ghs_workflow-token-2',
            KPUSH_GIT_TOKEN: 'kpush-env-token-1',
          },
        },
      );
      expect(run.exitCode, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        status: 'pushed',
        commit: git(remote.path, ['rev-parse', 'main']),
      });
      expect(run.stdout + run.stderr).not.toMatch(/kpush-env-token-1|ghs_workflow-token-2/);
    } finally {
      await server.close();
    }
  });
});

// GitHub's and GitLab's APIs cannot run here: their adapters (the real @octokit/rest and
// @gitbeaker/rest underneath) talk to a loopback server that answers with the documented
// response shapes, and every request they make is asserted: method, path, query, auth, body.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectForge, type Forge } from '../../src/adapters/forges/forge.js';
import type { ForgeKind } from '../../src/core/bump/pull-request.js';
import { KpushError } from '../../src/errors.js';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}
type Reply = { status: number; json?: unknown; headers?: Record<string, string> };

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

/** A loopback API answering `replies` in order; records each request. */
async function fakeApi(replies: Reply[]) {
  const requests: Recorded[] = [];
  const server = createServer((request, response) => {
    let data = '';
    request.on('data', (chunk) => (data += chunk));
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: data ? JSON.parse(data) : undefined,
      });
      const reply = replies.shift() ?? { status: 500, json: { message: 'unexpected request' } };
      response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      response.end(reply.json === undefined ? '' : JSON.stringify(reply.json));
    });
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, requests };
}

function forge(
  kind: ForgeKind,
  apiUrl: string,
  project: string,
  tokenVariable = 'KPUSH_GIT_TOKEN',
): Promise<Forge> {
  return connectForge({
    location: { kind, apiUrl, project, repoHost: new URL(apiUrl).host },
    token: 'secret-token-1',
    tokenVariable,
    timeoutMs: 5_000,
  });
}

const content = { title: 'deploy: bump ghcr.io/acme/api to 1.2.0', body: '- a.yaml:3 x -> y' };

describe('GitHub adapter (@octokit/rest)', () => {
  it('finds, opens, updates, labels, requests reviewers and enables auto-merge with the documented requests', async () => {
    const pull = { number: 12, html_url: 'https://github.com/acme/env/pull/12', node_id: 'PR_kwDOAbc' };
    const api = await fakeApi([
      { status: 200, json: [] },
      { status: 201, json: pull },
      { status: 200, json: pull },
      { status: 200, json: [{ name: 'deploy' }] },
      { status: 201, json: pull },
      { status: 200, json: { data: { enablePullRequestAutoMerge: { clientMutationId: null } } } },
      { status: 200, json: [pull] },
    ]);
    const github = await forge('github', `${api.origin}/api/v3`, 'acme/env');

    expect(await github.findOpen('kpush/api-staging', 'main')).toBeNull();
    const opened = await github.open('kpush/api-staging', 'main', content);
    expect(opened).toEqual({ number: 12, url: pull.html_url, nodeId: 'PR_kwDOAbc' });
    await github.update(opened, content);
    await github.addLabels(opened, ['deploy']);
    await github.requestReviewers(opened, ['alice', 'acme/platform']);
    await github.enableAutoMerge(opened);
    expect(await github.findOpen('kpush/api-staging', 'main')).toEqual(opened);

    expect(api.requests.map(({ method, path, body }) => ({ method, path, body }))).toEqual([
      {
        method: 'GET',
        path: '/api/v3/repos/acme/env/pulls?state=open&head=acme%3Akpush%2Fapi-staging&base=main&per_page=10',
        body: undefined,
      },
      {
        method: 'POST',
        path: '/api/v3/repos/acme/env/pulls',
        body: { head: 'kpush/api-staging', base: 'main', ...content },
      },
      { method: 'PATCH', path: '/api/v3/repos/acme/env/pulls/12', body: content },
      { method: 'POST', path: '/api/v3/repos/acme/env/issues/12/labels', body: { labels: ['deploy'] } },
      {
        method: 'POST',
        path: '/api/v3/repos/acme/env/pulls/12/requested_reviewers',
        body: { reviewers: ['alice'], team_reviewers: ['platform'] },
      },
      {
        method: 'POST',
        path: '/api/graphql',
        body: {
          query:
            'mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id}) { clientMutationId } }',
          variables: { id: 'PR_kwDOAbc' },
        },
      },
      {
        method: 'GET',
        path: '/api/v3/repos/acme/env/pulls?state=open&head=acme%3Akpush%2Fapi-staging&base=main&per_page=10',
        body: undefined,
      },
    ]);
    for (const request of api.requests) {
      expect(request.headers.authorization).toBe('token secret-token-1');
      expect(request.headers['user-agent']).toMatch(/^kpush octokit-rest/);
      expect(request.headers.accept).toBe('application/vnd.github.v3+json');
    }
  });

  it('turns GitHub errors into typed errors that carry its message', async () => {
    const api = await fakeApi([
      { status: 401, json: { message: 'Bad credentials' } },
      {
        status: 422,
        json: {
          message: 'Validation Failed',
          errors: [{ message: 'A pull request already exists for acme:x.' }],
        },
      },
    ]);
    const github = await forge('github', `${api.origin}/api/v3`, 'acme/env');
    await expect(github.findOpen('x', 'main')).rejects.toMatchObject({
      code: 'E_FORGE_AUTH',
      message: expect.stringContaining('HTTP 401 (Bad credentials)'),
    });
    await expect(github.open('x', 'main', content)).rejects.toMatchObject({
      code: 'E_FORGE_REQUEST',
      message: expect.stringContaining(
        'HTTP 422 (Validation Failed; A pull request already exists for acme:x.)',
      ),
    });
  });

  it('does not follow a redirect: the token never reaches the other host', async () => {
    const elsewhere = await fakeApi([{ status: 200, json: [] }]);
    const api = await fakeApi([
      { status: 302, headers: { location: `${elsewhere.origin}/api/v3/repos/acme/env/pulls` } },
    ]);
    const github = await forge('github', `${api.origin}/api/v3`, 'acme/env');
    const failure = await github.findOpen('x', 'main').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KpushError);
    expect(failure).toMatchObject({ code: 'E_FORGE_REDIRECT' });
    expect(elsewhere.requests).toEqual([]);
  });

  it('gives up on a server that does not answer within the bound', async () => {
    const server = createServer(() => {}); // accepts, never answers
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    const github = await connectForge({
      location: {
        kind: 'github',
        apiUrl: `http://127.0.0.1:${port}/api/v3`,
        project: 'acme/env',
        repoHost: 'x',
      },
      token: 'secret-token-1',
      tokenVariable: 'KPUSH_GIT_TOKEN',
      timeoutMs: 300,
    });
    await expect(github.findOpen('x', 'main')).rejects.toMatchObject({ code: 'E_FORGE_TIMEOUT' });
    server.closeAllConnections();
  });
});

describe('GitLab adapter (@gitbeaker/rest)', () => {
  it('finds, opens, updates, labels, requests reviewers and sets auto-merge with the documented requests', async () => {
    const mr = { iid: 5, web_url: 'https://gitlab.com/group/sub/env/-/merge_requests/5' };
    const api = await fakeApi([
      { status: 200, json: [] },
      { status: 201, json: mr },
      { status: 200, json: mr },
      { status: 200, json: mr },
      { status: 200, json: [{ id: 42, username: 'alice' }] },
      { status: 200, json: mr },
      { status: 200, json: mr },
    ]);
    const gitlab = await forge('gitlab', `${api.origin}/api/v4`, 'group/sub/env');

    expect(await gitlab.findOpen('kpush/api-staging', 'main')).toBeNull();
    const opened = await gitlab.open('kpush/api-staging', 'main', content);
    expect(opened).toEqual({ number: 5, url: mr.web_url });
    await gitlab.update(opened, content);
    await gitlab.addLabels(opened, ['deploy', 'staging']);
    await gitlab.requestReviewers(opened, ['alice']);
    await gitlab.enableAutoMerge(opened);

    const project = '/api/v4/projects/group%2Fsub%2Fenv';
    expect(api.requests.map(({ method, path, body }) => ({ method, path, body }))).toEqual([
      {
        method: 'GET',
        path: `${project}/merge_requests?state=opened&source_branch=kpush%2Fapi-staging&target_branch=main`,
        body: undefined,
      },
      {
        method: 'POST',
        path: `${project}/merge_requests`,
        body: {
          source_branch: 'kpush/api-staging',
          target_branch: 'main',
          title: content.title,
          description: content.body,
          remove_source_branch: true,
        },
      },
      {
        method: 'PUT',
        path: `${project}/merge_requests/5`,
        body: { title: content.title, description: content.body },
      },
      { method: 'PUT', path: `${project}/merge_requests/5`, body: { add_labels: 'deploy,staging' } },
      { method: 'GET', path: '/api/v4/users?username=alice', body: undefined },
      { method: 'PUT', path: `${project}/merge_requests/5`, body: { reviewer_ids: [42] } },
      { method: 'PUT', path: `${project}/merge_requests/5/merge`, body: { auto_merge: true } },
    ]);
    for (const request of api.requests) {
      expect(request.headers['private-token']).toBe('secret-token-1');
      expect(request.headers['job-token']).toBeUndefined();
    }
  });

  it("sends CI_JOB_TOKEN in GitLab's JOB-TOKEN header and reports GitLab's message", async () => {
    const api = await fakeApi([{ status: 403, json: { message: '403 Forbidden' } }]);
    const gitlab = await forge('gitlab', `${api.origin}/api/v4`, 'group/env', 'CI_JOB_TOKEN');
    await expect(gitlab.findOpen('x', 'main')).rejects.toMatchObject({
      code: 'E_FORGE_AUTH',
      message: expect.stringContaining('HTTP 403 (403 Forbidden)'),
    });
    expect(api.requests[0]?.headers['job-token']).toBe('secret-token-1');
    expect(api.requests[0]?.headers['private-token']).toBeUndefined();
  });

  it('does not follow a redirect with the token', async () => {
    const elsewhere = await fakeApi([{ status: 200, json: [] }]);
    const api = await fakeApi([{ status: 301, headers: { location: `${elsewhere.origin}/api/v4/x` } }]);
    const gitlab = await forge('gitlab', `${api.origin}/api/v4`, 'group/env');
    await expect(gitlab.findOpen('x', 'main')).rejects.toMatchObject({ code: 'E_FORGE_REDIRECT' });
    expect(elsewhere.requests).toEqual([]);
  });
});

import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';

/**
 * A real smart-HTTP git server on loopback: git's own `git http-backend` CGI behind Basic auth.
 * Lets tests prove that credentials reach git and that a bad token fails cleanly.
 */
export async function startGitHttpServer(
  bareRepo: string,
  expected: { user: string; token: string } | null,
  options: { onRequest?: (request: IncomingMessage) => void } = {},
) {
  execFileSync('git', ['config', 'http.receivepack', 'true'], { cwd: bareRepo });
  const backend = join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-http-backend');
  // null: an anonymous server, which serves anyone (e.g. to record what reaches it).
  const authorization =
    expected && `Basic ${Buffer.from(`${expected.user}:${expected.token}`).toString('base64')}`;
  const server: Server = createServer((request, response) => {
    options.onRequest?.(request);
    if (authorization !== null && request.headers.authorization !== authorization) {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="kpush-test"' }).end('unauthorized');
      return;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    const cgi = spawn(backend, [], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: dirname(bareRepo),
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: request.method ?? 'GET',
        CONTENT_TYPE: request.headers['content-type'] ?? '',
        REMOTE_USER: expected?.user ?? 'anonymous',
        REMOTE_ADDR: '127.0.0.1',
        HTTP_CONTENT_ENCODING: request.headers['content-encoding'] ?? '',
        HTTP_GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
      },
    });
    request.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersSent = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) return void response.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const [key, ...rest] = line.split(':');
        const value = rest.join(':').trim();
        if (key?.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else if (key) headers[key] = value;
      }
      response.writeHead(status, headers);
      headersSent = true;
      response.write(head.subarray(end + 4));
    });
    cgi.on('close', () => response.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${bareRepo.split('/').at(-1)}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

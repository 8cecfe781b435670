import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';

export interface PackedKpush {
  tarball: string;
  version: string;
}

/** `npm pack` of this repository (bin/, dist/ as built), as it would be published. */
export function packKpush(destination: string): PackedKpush {
  const root = resolve(import.meta.dirname, '../..');
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', destination], {
      cwd: root,
      encoding: 'utf8',
    }),
  ) as { filename: string; version: string }[];
  return { tarball: join(destination, packed!.filename), version: packed!.version };
}

/**
 * An npm registry on loopback that serves one package, kpush, from a packed tarball: what
 * `npx --yes kpush@<version>` sees once kpush is published. Anything else is a 404, so a package
 * that still needed dependencies at install time would fail here.
 */
export async function startNpmRegistry(packed: PackedKpush) {
  const bytes = readFileSync(packed.tarball);
  const manifest = JSON.parse(
    execFileSync('tar', ['-xzOf', packed.tarball, 'package/package.json'], { encoding: 'utf8' }),
  ) as Record<string, unknown>;
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const tarballPath = `/kpush/-/kpush-${packed.version}.tgz`;
    if (request.url === '/kpush') {
      const document = {
        name: 'kpush',
        'dist-tags': { latest: packed.version },
        versions: {
          [packed.version]: {
            ...manifest,
            dist: {
              tarball: `${base}${tarballPath}`,
              integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
              shasum: createHash('sha1').update(bytes).digest('hex'),
            },
          },
        },
      };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document));
    } else if (request.url === tarballPath) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes);
    } else {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

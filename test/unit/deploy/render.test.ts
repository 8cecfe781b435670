import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type RenderOptions, type RenderResult, renderManifests } from '../../../src/adapters/render.js';
import type { Manifest } from '../../../src/core/deploy/types.js';
import { KpushError } from '../../../src/errors.js';
import { tempDir } from '../../helpers/git.js';
import { corpusDir, object, realKubectl, repoRoot, writeTree } from './fixtures.js';

/** No kubectl or kustomize reachable unless a test puts one there. */
const emptyEnv = (): NodeJS.ProcessEnv => ({ PATH: tempDir('kpush-empty-path-') });

function render(root: string, options: Partial<RenderOptions> = {}): Promise<RenderResult> {
  return renderManifests(root, { env: emptyEnv(), ...options });
}

async function renderError(root: string, options: Partial<RenderOptions> = {}): Promise<KpushError> {
  const error = await render(root, options).then(
    () => new Error('expected render to fail'),
    (caught: unknown) => caught,
  );
  if (error instanceof KpushError) return error;
  throw error;
}

const where = (manifests: Manifest[]) =>
  manifests.map(({ id, source }) => `${source.file}:${source.line} ${id.kind}/${id.name}`);

describe('renderManifests: a plain directory', () => {
  it('reads multi-document files in sorted path order, nested directories included', async () => {
    const root = tempDir();
    writeTree(root, {
      'b.yaml': `${object('ConfigMap', 'b1')}---\n${object('ConfigMap', 'b2')}`,
      'a.yml': `# first\n${object('Service', 'a')}`,
      'apps/web/deploy.yaml': object('Deployment', 'web'),
      'apps/api.yaml': object('Deployment', 'api'),
      'apps-extra.yaml': object('Secret', 'extra'),
      'readme.txt': 'not read',
    });
    const result = await render(root);
    expect(result.renderer).toBe('files');
    expect(where(result.manifests)).toEqual([
      'a.yml:2 Service/a',
      'apps-extra.yaml:1 Secret/extra',
      'apps/api.yaml:1 Deployment/api',
      'apps/web/deploy.yaml:1 Deployment/web',
      'b.yaml:1 ConfigMap/b1',
      'b.yaml:6 ConfigMap/b2',
    ]);
    expect(result.manifests[2]?.id).toEqual({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      namespace: '',
      name: 'api',
    });
  });

  it('renders only --path inside the root, naming files from the root', async () => {
    const root = tempDir();
    writeTree(root, { 'prod/a.yaml': object('ConfigMap', 'a'), 'staging/b.yaml': object('ConfigMap', 'b') });
    expect(where((await render(root, { path: 'prod' })).manifests)).toEqual(['prod/a.yaml:1 ConfigMap/a']);
    expect(where((await render(root, { path: 'staging/b.yaml' })).manifests)).toEqual([
      'staging/b.yaml:1 ConfigMap/b',
    ]);
  });

  it('reads JSON files and flattens Lists in any file', async () => {
    const root = tempDir();
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'j1' } }],
    };
    writeTree(root, {
      'a.json': JSON.stringify(list, null, 2),
      'b.yaml': `apiVersion: v1\nkind: SecretList\nitems:\n  - ${object('Secret', 's1').replaceAll('\n', '\n    ')}\n  - apiVersion: v1\n    kind: Secret\n    metadata: {name: s2}\n`,
    });
    expect(where((await render(root)).manifests)).toEqual([
      'a.json:5 ConfigMap/j1',
      'b.yaml:4 Secret/s1',
      'b.yaml:9 Secret/s2',
    ]);
  });

  it('skips Helm charts whole, non-Kubernetes YAML, hidden directories and kpush.yaml, with notes', async () => {
    const root = tempDir();
    writeTree(root, {
      'app.yaml': object('ConfigMap', 'app'),
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n',
      'charts/web/values.yaml': 'image: {tag: "1.0"}\n',
      'charts/web/templates/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\n{{- include "x" . }}\n',
      'values.yaml': 'replicaCount: 2\nimage:\n  tag: "1.0"\n',
      'package.json': '{"name": "env", "private": true}',
      '.github/workflows/deploy.yaml': object('ConfigMap', 'hidden'),
      '.hidden/x.yaml': object('ConfigMap', 'hidden2'),
      'kpush.yaml': object('ConfigMap', 'config'),
      'sub/kpush.yml': object('ConfigMap', 'config2'),
    });
    const result = await render(root);
    expect(where(result.manifests)).toEqual(['app.yaml:1 ConfigMap/app']);
    expect(result.notes).toEqual([
      'skipped charts/web/: a Helm chart (Chart.yaml); render it with helm template first',
      'skipped package.json: not a Kubernetes manifest (no apiVersion or kind)',
      'skipped values.yaml: not a Kubernetes manifest (no apiVersion or kind)',
    ]);
  });

  it('refuses a directory whose kustomizations are only further down', async () => {
    const root = tempDir();
    writeTree(root, {
      'apps/base/kustomization.yaml': 'resources: [a.yaml]\n',
      'apps/base/a.yaml': object('ConfigMap', 'a'),
      'apps/prod/kustomization.yml': 'resources: [../base]\n',
    });
    const error = await renderError(root, { path: 'apps' });
    expect(error.code).toBe('E_NESTED_KUSTOMIZATION');
    expect(error.message).toContain('apps/base, apps/prod');
  });

  it('fails on the first malformed file with file:line:col', async () => {
    const root = tempDir();
    writeTree(root, {
      'a.yaml': object('ConfigMap', 'a'),
      'b/c.yaml': `${object('ConfigMap', 'c')}---\nkind: [unclosed\n`,
      'z.yaml': 'a: b: c\n',
    });
    const error = await renderError(root);
    expect(error).toMatchObject({ code: 'E_YAML_SYNTAX', file: 'b/c.yaml', line: 7 });
    expect(error.message).toMatch(/^b\/c\.yaml:7:\d+: /);
  });

  it('validates all files before failing once: missing fields, duplicates with both locations', async () => {
    const root = tempDir();
    writeTree(root, {
      'a.yaml': `${object('ConfigMap', 'dup')}---\napiVersion: v1\nmetadata: {name: x}\n`,
      'b/c.yaml': `# dup\n${object('ConfigMap', 'dup')}`,
      'd.yaml': `kind: Secret\nmetadata:\n  name: s\n  labels: {applyset.kubernetes.io/part-of: other}\n`,
    });
    const error = await renderError(root);
    expect(error.code).toBe('E_MANIFEST_INVALID');
    expect(error.exitCode).toBe(1);
    expect(error.message.split('\n').slice(1)).toEqual([
      '  a.yaml:6: missing kind',
      '  b/c.yaml:2: ConfigMap dup is also defined at a.yaml:1',
      '  d.yaml:1: missing apiVersion',
      expect.stringMatching(/^ {2}d\.yaml:1: carries the label applyset\.kubernetes\.io\/part-of=other/),
    ]);
  });
});

describe('renderManifests: untrusted input', () => {
  it.each([
    ['a file, absolute', 'apps/link.yaml', (outside: string) => join(outside, 'secret.yaml')],
    ['a file, relative', 'apps/link.yaml', (outside: string) => `../../${basename(outside)}/secret.yaml`],
    ['a directory, absolute', 'apps/linked', (outside: string) => outside],
    ['a directory, relative', 'apps/linked', (outside: string) => `../../${basename(outside)}`],
  ])('refuses a symlink out of the root: %s', async (_, link, target) => {
    const root = tempDir();
    writeTree(root, { 'apps/a.yaml': object('ConfigMap', 'a') });
    const outside = tempDir('kpush-outside-');
    writeTree(outside, { 'secret.yaml': object('Secret', 'stolen') });
    symlinkSync(target(outside), join(root, link));
    const error = await renderError(root);
    expect(error).toMatchObject({ code: 'E_SYMLINK_ESCAPE', details: { path: link } });
    expect(error.message).toContain(`${link} is a symlink to ${outside}`);
  });

  it('follows symlinks inside the root, reading each file once', async () => {
    const root = tempDir();
    writeTree(root, { 'base/a.yaml': object('ConfigMap', 'a') });
    mkdirSync(join(root, 'prod'));
    symlinkSync('../base/a.yaml', join(root, 'prod/a.yaml'));
    symlinkSync(join(root, 'base'), join(root, 'shared'));
    const result = await render(root);
    expect(where(result.manifests)).toEqual(['base/a.yaml:1 ConfigMap/a']);
    expect(result.notes).toEqual([
      'skipped shared/: the same directory as base/, read once',
      'skipped prod/a.yaml: the same file as base/a.yaml, read once',
    ]);
  });

  it('refuses a dangling symlink and a --path outside the root', async () => {
    const root = tempDir();
    symlinkSync('missing.yaml', join(root, 'a.yaml'));
    expect(await renderError(root)).toMatchObject({ code: 'E_SYMLINK_ESCAPE' });
    expect(await renderError(join(root), { path: '..' })).toMatchObject({ code: 'E_PATH_OUTSIDE_ROOT' });
    expect(await renderError(root, { path: 'nope' })).toMatchObject({ code: 'E_PATH_NOT_FOUND' });
  });

  it('refuses files over 64 MiB by name', async () => {
    const root = tempDir();
    writeTree(root, { 'a.yaml': object('ConfigMap', 'a') });
    writeFileSync(join(root, 'huge.yaml'), '');
    truncateSync(join(root, 'huge.yaml'), 64 * 1024 * 1024 + 1);
    const error = await renderError(root);
    expect(error).toMatchObject({ code: 'E_MANIFEST_TOO_LARGE', details: { path: 'huge.yaml' } });
    expect(error.message).toBe('huge.yaml is larger than 64 MiB');
  });

  it('refuses the real UTF-16 manifest from the corpus by name', async () => {
    const error = await renderError(join(corpusDir, 'extra'), { path: 'utf-16' });
    expect(error).toMatchObject({ code: 'E_MANIFEST_ENCODING' });
    expect(error.message).toBe('utf-16/utf-16.yaml is UTF-16; manifests must be UTF-8');
  });

  it('refuses UTF-16 without a byte order mark and invalid UTF-8, naming file and line', async () => {
    const root = tempDir();
    writeTree(root, { 'a.yaml': Buffer.from(object('ConfigMap', 'a'), 'utf16le') });
    expect((await renderError(root)).message).toBe(
      'a.yaml contains NUL bytes: UTF-16 without a byte order mark, or not text at all',
    );
    writeTree(root, {
      'a.yaml': Buffer.concat([
        Buffer.from('kind: A\n# é\ndata: '),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('\n'),
      ]),
    });
    expect(await renderError(root)).toMatchObject({
      code: 'E_MANIFEST_ENCODING',
      message: 'a.yaml:3: not valid UTF-8',
    });
  });

  it('strips a UTF-8 byte order mark', async () => {
    const root = tempDir();
    writeTree(root, { 'a.yaml': `\uFEFF${object('ConfigMap', 'bom')}` });
    const [manifest] = (await render(root)).manifests;
    expect(manifest?.object.apiVersion).toBe('v1');
    expect(manifest?.source).toEqual({ file: 'a.yaml', line: 1 });
  });

  it('keeps open files bounded: 600 files render under a limit of 128 descriptors', async () => {
    const root = tempDir();
    const files: Record<string, string> = {};
    for (let index = 0; index < 600; index++)
      files[`f${String(index).padStart(3, '0')}.yaml`] = object('ConfigMap', `c${index}`);
    writeTree(root, files);
    // The bundled adapter runs in a shell whose descriptor limit would stop an unbounded reader.
    const bundle = join(tempDir(), 'render.mjs');
    await build({
      entryPoints: [join(repoRoot, 'src/adapters/render.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: bundle,
      // yaml is CommonJS: give the ESM bundle a `require` for its built-ins.
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      logLevel: 'silent',
    });
    const script = `const { renderManifests } = await import(${JSON.stringify(bundle)});
      const result = await renderManifests(${JSON.stringify(root)}, { env: {} });
      console.log(result.manifests.length);`;
    const output = execFileSync(
      'sh',
      ['-c', 'ulimit -n 128 && exec "$0" --input-type=module -e "$1"', process.execPath, script],
      {
        encoding: 'utf8',
      },
    );
    expect(output.trim()).toBe('600');
  });
});

describe('renderManifests: kustomize', () => {
  function kustomizeApp(): string {
    const root = tempDir();
    writeTree(root, {
      'apps/web/kustomization.yaml':
        'namespace: shop\nnamePrefix: prod-\nresources:\n  - deployment.yaml\n  - service.yaml\n',
      'apps/web/deployment.yaml': `${object('Deployment', 'web')}spec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n`,
      'apps/web/service.yaml': `${object('Service', 'web')}spec:\n  ports: [{port: 80}]\n`,
    });
    return root;
  }

  it('renders with the real kubectl, locating each object in the rendered stream', async () => {
    const root = kustomizeApp();
    const kubectl = realKubectl();
    const result = await render(root, { path: 'apps/web', kubectlBin: kubectl });
    expect(result.renderer).toBe('kubectl-kustomize');
    expect(result.notes).toEqual([`rendered apps/web with ${kubectl} kustomize`]);
    expect(result.manifests.map(({ id }) => `${id.kind} ${id.namespace}/${id.name}`)).toEqual([
      'Service shop/prod-web',
      'Deployment shop/prod-web',
    ]);
    const rendered = execFileSync(kubectl, ['kustomize', join(root, 'apps/web')], { encoding: 'utf8' });
    const lines = rendered.split('\n');
    expect(result.manifests.map(({ source }) => source.file)).toEqual([
      'apps/web (kustomize)',
      'apps/web (kustomize)',
    ]);
    expect(result.manifests[0]?.source.line).toBe(1);
    for (const { source } of result.manifests.slice(1)) expect(lines[source.line - 2]).toBe('---');
  });

  it('finds kubectl through KPUSH_KUBECTL_BIN, then on PATH, then kustomize on PATH', async () => {
    const root = kustomizeApp();
    const kubectl = realKubectl();
    const viaEnv = await render(root, {
      path: 'apps/web',
      env: { ...emptyEnv(), KPUSH_KUBECTL_BIN: kubectl },
    });
    expect(viaEnv.renderer).toBe('kubectl-kustomize');

    const pathDir = tempDir('kpush-bin-');
    symlinkSync(kubectl, join(pathDir, 'kubectl'));
    const viaPath = await render(root, { path: 'apps/web', env: { PATH: `/nonexistent:${pathDir}` } });
    expect(viaPath.renderer).toBe('kubectl-kustomize');

    // A stand-in kustomize that proves it is called as `kustomize build <dir>`.
    const kustomizeDir = tempDir('kpush-bin-');
    const fake = join(kustomizeDir, 'kustomize');
    writeFileSync(
      fake,
      `#!/bin/sh\n[ "$1" = build ] || exit 3\nexec ${JSON.stringify(kubectl)} kustomize "$2"\n`,
    );
    chmodSync(fake, 0o755);
    const viaKustomize = await render(root, { path: 'apps/web', env: { PATH: kustomizeDir } });
    expect(viaKustomize.renderer).toBe('kustomize');
    expect(viaKustomize.manifests).toEqual(viaPath.manifests);
  });

  it('names both binaries when neither is found', async () => {
    const error = await renderError(kustomizeApp(), { path: 'apps/web' });
    expect(error).toMatchObject({ code: 'E_KUSTOMIZE_NOT_FOUND', exitCode: 1 });
    expect(error.message).toBe(
      'apps/web holds a kustomization, but neither kubectl nor kustomize was found on PATH',
    );
    expect(error.hint).toContain('KPUSH_KUBECTL_BIN');
  });

  it('names an explicit binary that cannot be run', async () => {
    const error = await renderError(kustomizeApp(), { path: 'apps/web', kubectlBin: '/nonexistent/kubectl' });
    expect(error.code).toBe('E_KUSTOMIZE_NOT_FOUND');
    expect(error.message).toMatch(/^cannot run \/nonexistent\/kubectl: .*ENOENT/);
  });

  it("puts kustomize's stderr into the error when it fails", async () => {
    const root = tempDir();
    writeTree(root, { Kustomization: 'resources: [missing.yaml]\n' });
    const error = await renderError(root, { kubectlBin: realKubectl() });
    expect(error.code).toBe('E_KUSTOMIZE_FAILED');
    expect(error.message).toContain('missing.yaml');
  });

  it('stops kustomize at the timeout', async () => {
    const root = kustomizeApp();
    const slow = join(tempDir('kpush-bin-'), 'kustomize');
    writeFileSync(slow, '#!/bin/sh\necho fetching remote base >&2\nexec sleep 30\n');
    chmodSync(slow, 0o755);
    const started = Date.now();
    const env = { PATH: process.env.PATH };
    const error = await renderError(root, { path: 'apps/web', kustomizeBin: slow, timeoutMs: 300, env });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error.code).toBe('E_KUSTOMIZE_TIMEOUT');
    expect(error.message).toContain('fetching remote base');
  });

  it('validates the rendered objects', async () => {
    const root = tempDir();
    writeTree(root, {
      'kustomization.yaml': 'resources: [a.yaml]\n',
      'a.yaml': `${object('ConfigMap', 'a')}---\n${object('ConfigMap', 'b').replace('name: b', 'name: b\n  labels: {applyset.kubernetes.io/part-of: x}')}`,
    });
    const error = await renderError(root, { kubectlBin: realKubectl() });
    expect(error.code).toBe('E_MANIFEST_INVALID');
    expect(error.message).toMatch(
      /\n {2}\. \(kustomize\):\d+: carries the label applyset\.kubernetes\.io\/part-of=x/,
    );
  });

  it('refuses a symlink out of the repository before kustomize reads it', async () => {
    const root = kustomizeApp();
    const outside = tempDir('kpush-outside-');
    writeTree(outside, { 'secret.env': 'password=hunter2\n' });
    symlinkSync(join(outside, 'secret.env'), join(root, 'apps/web/secret.env'));
    const error = await renderError(root, { path: 'apps/web', kubectlBin: realKubectl() });
    expect(error).toMatchObject({ code: 'E_SYMLINK_ESCAPE', details: { path: 'apps/web/secret.env' } });
  });
});

describe('renderManifests: the real-world corpus', () => {
  const env = join(corpusDir, 'env');

  /** Documents with a kind, counted by the yaml package alone. */
  function countKindDocuments(file: string): number {
    return parseAllDocuments(readFileSync(file, 'utf8')).filter((document) => {
      const value: unknown = document.toJS();
      return typeof value === 'object' && value !== null && 'kind' in value;
    }).length;
  }

  /** The line is a document's first content line: only separators, comments or blanks before it. */
  function expectDocumentStarts(text: string, manifests: Manifest[]): void {
    const lines = text.split(/\r?\n/);
    for (const { source } of manifests) {
      const line = lines[source.line - 1] ?? '';
      expect(line, `${source.file}:${source.line}`).toMatch(/^[A-Za-z"']/);
      for (let index = source.line - 2; index >= 0 && lines[index] !== '---'; index--) {
        expect(lines[index], `${source.file}:${index + 1}`).toMatch(/^\s*(#.*)?$/);
      }
    }
  }

  it.each([
    ['argo-cd', 'manifests/install.yaml'],
    ['ingress-nginx', 'deploy/static/provider/cloud/deploy.yaml'],
    ['microservices-demo', 'release/kubernetes-manifests.yaml'],
    ['flux2-kustomize-helm-example', 'infrastructure/controllers/cert-manager.yaml'],
  ])('renders %s %s: every object, each at its document start', async (project, path) => {
    const root = join(env, project);
    const { manifests, renderer } = await render(root, { path });
    expect(renderer).toBe('files');
    expect(manifests.length).toBe(countKindDocuments(join(root, path)));
    expect(manifests.length).toBeGreaterThan(2);
    expect(new Set(manifests.map(({ source }) => source.file))).toEqual(new Set([path]));
    expectDocumentStarts(readFileSync(join(root, path), 'utf8'), manifests);
  });

  it('renders a directory of CRLF manifests', async () => {
    const root = join(env, 'kubernetes-examples');
    const { manifests } = await render(root);
    expect(where(manifests)).toEqual(
      [
        '_archived/sysdig-cloud/sysdig-daemonset.yaml:3 DaemonSet/sysdig-agent',
        '_archived/volumes/azure_disk/static-provisioning/managed-disk/pod-uses-existing-managed-disk.yaml:1 Pod/pod-uses-managed-ssd-5g',
      ].sort(),
    );
    for (const manifest of manifests) {
      expectDocumentStarts(readFileSync(join(root, manifest.source.file), 'utf8'), [manifest]);
    }
  });

  it('renders the podinfo kustomization with the real kubectl', async () => {
    const { manifests, renderer } = await render(join(env, 'podinfo'), {
      path: 'kustomize',
      kubectlBin: realKubectl(),
    });
    expect(renderer).toBe('kubectl-kustomize');
    expect(manifests.map(({ id }) => `${id.kind}/${id.name}`).sort()).toEqual([
      'Deployment/podinfo',
      'HorizontalPodAutoscaler/podinfo',
      'Service/podinfo',
    ]);
  });

  it('skips the charts and values files of a real Helm-based layout', async () => {
    const { manifests, notes } = await render(join(env, 'argocd-example-apps'), { path: 'helm-guestbook' });
    expect(manifests).toEqual([]);
    expect(notes).toEqual([
      'skipped helm-guestbook/: a Helm chart (Chart.yaml); render it with helm template first',
    ]);
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { canonicalRepositoryOf } from '../../src/core/image-ref.js';
import { kpush } from '../helpers/cli.js';
import { makeBareRemote, tempDir, testGitEnv } from '../helpers/git.js';
import { applyEdits, decodeManifest, scanManifest } from '../../src/manifests/index.js';
import { parseImageReference } from '../../src/core/image-ref.js';

/**
 * Bumps every image the real-world corpus contains and checks the result without kpush's own
 * rules: images are found by walking the parsed documents, and after the bump every one of them
 * must carry the new tag while nothing else in any parsed document changed.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const CORPUS = join(root, '../shared/corpus/env');
const TAG = '9.9.9-kpush';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function corpusFiles(dir = CORPUS): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const isChart = entries.some((entry) => entry.name === 'Chart.yaml');
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return isChart && entry.name === 'templates' ? [] : corpusFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [relative(CORPUS, path)] : [];
  });
}

function documents(text: string): Json[] {
  return parseAllDocuments(text).map((document) => document.toJS({ maxAliasCount: -1 }) as Json);
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A reference's name without tag or digest, canonical, or null when it is not one (templates). */
function repositoryOf(reference: string): string | null {
  const name = reference.replace(/@.*$/, '').replace(/:[^:/]*$/, '');
  return canonicalRepositoryOf(name);
}

interface ImagePlace {
  repository: string;
  /** Reads the current tag at this place from the same path in another parse. */
  tagIn: (value: Json) => string | null;
}

/** Every image reference in a parsed document, the way kubectl, kustomize and charts read them. */
function imagePlaces(value: Json, kustomization: boolean, path: Array<string | number> = []): ImagePlace[] {
  const at = (root: Json): Json | undefined =>
    path.reduce<Json | undefined>((node, key) => (node as Record<string | number, Json>)?.[key], root);
  if (Array.isArray(value))
    return value.flatMap((item, index) => imagePlaces(item, kustomization, [...path, index]));
  if (!isObject(value)) return [];
  if (value.kind === 'CustomResourceDefinition') return [];
  const places: ImagePlace[] = [];
  const tagOf = (reference: Json | undefined) =>
    typeof reference === 'string' ? (/:([^:/@]+)(?:@.*)?$/.exec(reference)?.[1] ?? null) : null;
  for (const key of ['image', 'reference'] as const) {
    const image = value[key];
    if (typeof image !== 'string' || (key === 'reference' && path.at(-1) !== 'image')) continue;
    const repository = repositoryOf(image);
    const bareWithTag =
      repositoryOf(image) !== null && !/[:@]/.test(image.split('/').at(-1) ?? '') && 'tag' in value;
    if (repository && !bareWithTag)
      places.push({ repository, tagIn: (root) => tagOf(at(root)?.[key as never]) });
  }
  const repositoryName =
    typeof value.repository === 'string'
      ? value.repository
      : typeof value.image === 'string'
        ? value.image
        : null;
  if (repositoryName && 'tag' in value) {
    const registry = typeof value.registry === 'string' && value.registry ? `${value.registry}/` : '';
    const repository = canonicalRepositoryOf(`${registry}${repositoryName}`);
    if (repository)
      places.push({ repository, tagIn: (root) => String((at(root) as Record<string, Json>)?.tag ?? '') });
  }
  if (kustomization && path.length === 0 && Array.isArray(value.images)) {
    value.images.forEach((entry, index) => {
      if (!isObject(entry)) return;
      const name = typeof entry.newName === 'string' ? entry.newName : entry.name;
      const repository = typeof name === 'string' ? canonicalRepositoryOf(name) : null;
      if (repository)
        places.push({
          repository,
          tagIn: (root) =>
            String(((root as Record<string, Json[]>).images?.[index] as Record<string, Json>)?.newTag ?? ''),
        });
    });
  }
  const isData = value.kind === 'ConfigMap' || value.kind === 'Secret';
  for (const [key, child] of Object.entries(value)) {
    if (path.at(-1) === 'metadata' && (key === 'annotations' || key === 'labels')) continue;
    if (isData && ['data', 'stringData', 'binaryData'].includes(key)) continue;
    places.push(...imagePlaces(child, kustomization, [...path, key]));
  }
  return places;
}

/** Paths where two parsed values differ, with both sides. */
function differences(
  before: Json | undefined,
  after: Json | undefined,
  path: string[] = [],
): Array<{ path: string[]; before: Json | undefined; after: Json | undefined }> {
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((key) => differences(before[key], after[key], [...path, key]));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length)
    return before.flatMap((item, index) => differences(item, after[index], [...path, String(index)]));
  return before === after ? [] : [{ path, before, after }];
}

/** A difference a bump may make: a tag or reference that now carries TAG, or a stale pin dropped. */
function isTargetChange({
  path,
  before,
  after,
}: {
  path: string[];
  before: Json | undefined;
  after: Json | undefined;
}): boolean {
  const key = path.at(-1) ?? '';
  if (['tag', 'newTag'].includes(key)) return after === TAG;
  if (['image', 'reference'].includes(key))
    return (
      typeof after === 'string' &&
      after.endsWith(`:${TAG}`) &&
      repositoryOf(after) === repositoryOf(String(before))
    );
  if (['digest', 'sha', 'digestChroot'].includes(key)) return after === '' || after === undefined;
  return false;
}

describe('the real-world corpus', () => {
  const files = corpusFiles().sort();
  const texts = new Map(
    files.map((file) => [file, decodeManifest(file, readFileSync(join(CORPUS, file))).text]),
  );
  const repositories = [
    ...new Set(
      files.flatMap((file) =>
        documents(texts.get(file) as string).flatMap((document) =>
          imagePlaces(document, /kustomization\.ya?ml$/.test(file)).map((place) => place.repository),
        ),
      ),
    ),
  ].sort();

  const targets = repositories.map((repository) => parseImageReference(`${repository}:${TAG}`));
  const scans = new Map(files.map((file) => [file, scanManifest(file, texts.get(file) as string, targets)]));
  const declinedRepositories = new Set(
    [...scans.values()].flatMap((scan) => scan.declined.map((d) => d.repository)),
  );

  it('finds the images it is known to hold', () => {
    expect(repositories).toEqual(
      expect.arrayContaining([
        'quay.io/argoproj/argocd',
        'registry.k8s.io/ingress-nginx/controller',
        'quay.io/prometheus/alertmanager',
        'ghcr.io/stefanprodan/podinfo',
        'docker.io/library/redis',
      ]),
    );
    expect(repositories.length).toBeGreaterThan(60);
    // Declined only where Online Boutique renames its images to a newName placeholder.
    const declined = [...scans].flatMap(([file, scan]) =>
      scan.declined.map((d) => `${file}:${d.line}: ${d.reason}`),
    );
    expect(declined).toHaveLength(12);
    for (const place of declined)
      expect(place).toMatch(
        /^microservices-demo\/kustomize\/components\/container-images-registry\/kustomization\.yaml:\d+: images entry "name: \S+" has "newName: CONTAINER_IMAGES_REGISTRY\//,
      );
  });

  it('bumps every image: each place takes the tag or is declined by name, and nothing else changes', () => {
    for (const file of files) {
      const text = texts.get(file) as string;
      const scan = scans.get(file) as ReturnType<typeof scanManifest>;
      for (const declined of scan.declined) expect(declined.reason, `${file}:${declined.line}`).not.toBe('');
      const before = documents(text);
      const after = documents(applyEdits(text, scan.edits));
      const unexpected = before.flatMap((document, index) =>
        differences(document, after[index]).filter((difference) => !isTargetChange(difference)),
      );
      expect(unexpected, file).toEqual([]);
      const kustomization = /kustomization\.ya?ml$/.test(file);
      before.forEach((document, index) => {
        for (const place of imagePlaces(document, kustomization)) {
          if (declinedRepositories.has(place.repository)) continue;
          expect(place.tagIn(after[index] as Json), `${file}: ${place.repository}`).toBe(TAG);
        }
      });
    }
  });

  it('prints a dry-run diff that applies with git apply', async () => {
    const contents = Object.fromEntries(files.map((file) => [file, readFileSync(join(CORPUS, file))]));
    const remote = makeBareRemote(contents);
    const bumpable = repositories.filter((repository) => !declinedRepositories.has(repository));
    const run = await kpush([
      'bump-manifest',
      '--repo',
      remote.url,
      '--dry-run',
      ...bumpable.flatMap((repository) => ['-i', `${repository}:${TAG}`]),
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    const checkout = tempDir();
    execFileSync('git', ['clone', '--quiet', remote.url, checkout], { env: testGitEnv });
    execFileSync('git', ['apply', '--check', '-'], { cwd: checkout, input: run.stdout, env: testGitEnv });
    execFileSync('git', ['apply', '-'], { cwd: checkout, input: run.stdout, env: testGitEnv });
    const changed = execFileSync('git', ['diff', '--name-only'], {
      cwd: checkout,
      env: testGitEnv,
      encoding: 'utf8',
    });
    expect(changed.split('\n').filter(Boolean).length).toBeGreaterThan(20);
    expect(existsSync(join(checkout, dirname(files[0] as string)))).toBe(true);
  }, 60_000);
});

import { posix } from 'node:path';
import { isMap, isSeq } from 'yaml';
import type { ImageReference } from '../core/image-ref.js';
import { type Convention, Findings, targetFor } from './findings.js';
import type { ImageTargets } from './types.js';
import {
  asEditableScalar,
  findPair,
  insertPairAfter,
  type ManifestSource,
  type ParsedMap,
  type ParsedPair,
  removePair,
  scalarString,
  stringValue,
} from './yaml-source.js';

const KUSTOMIZATION_FILES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);

export function isKustomizationFile(path: string): boolean {
  return KUSTOMIZATION_FILES.has(posix.basename(path));
}

/**
 * Rule 2: entries of a kustomization's top-level `images:` list whose deployed image (`newName`
 * when set, else `name`) is a requested repository get `newTag` / `digest` set to the request;
 * a key the request does not carry is removed (a new tag must not keep a stale digest), a
 * missing one is inserted. `name` and `newName` are never touched. An entry whose `name` is the
 * repository but whose `newName` deploys another one is declined by name. A `tagSuffix` stays,
 * with a warning: kustomize ignores it once `newTag` or `digest` is set.
 */
export const scanKustomization: Convention = (source, targets) => {
  const findings = new Findings(source, 'kustomize');
  if (!isKustomizationFile(source.path)) return findings.result();
  for (const document of source.documents) {
    const images = isMap(document.contents) ? document.contents.get('images', true) : undefined;
    if (!isSeq(images)) continue;
    for (const entry of images.items) {
      if (isMap(entry)) scanEntry(source, findings, targets, entry as ParsedMap);
    }
  }
  return findings.result();
};

function scanEntry(source: ManifestSource, findings: Findings, targets: ImageTargets, map: ParsedMap): void {
  const name = stringValue(map, 'name');
  const newName = stringValue(map, 'newName');
  const target = targetFor(targets, newName ?? name);
  if (target) {
    findings.match(target);
    updateEntry(source, findings, map, target);
    return;
  }
  const renamed = newName === null ? undefined : targetFor(targets, name);
  if (renamed) {
    findings.decline(
      renamed,
      findPair(map, 'name')?.key.range[0] ?? map.range[0],
      `images entry "name: ${name}" has "newName: ${newName}", so kustomize deploys ${newName} instead; bump ${newName}, or remove newName`,
    );
  }
}

/** One matched `images:` entry and where its changes go. */
interface MatchedEntry {
  source: ManifestSource;
  findings: Findings;
  map: ParsedMap;
  target: ImageReference;
}

function updateEntry(
  source: ManifestSource,
  findings: Findings,
  map: ParsedMap,
  target: ImageReference,
): void {
  const name = findPair(map, 'newName') ?? findPair(map, 'name');
  if (!name) return;
  const entry = { source, findings, map, target };
  const newTag = setOrRemove(entry, 'newTag', target.tag, name);
  setOrRemove(entry, 'digest', target.digest, newTag ?? name);
  const suffix = findPair(map, 'tagSuffix');
  const suffixValue = stringValue(map, 'tagSuffix');
  if (suffix && suffixValue) {
    findings.warn(
      suffix.key.range[0],
      `"tagSuffix: ${suffixValue}" no longer applies: kustomize ignores tagSuffix once newTag or digest is set`,
    );
  }
}

/** Makes `key` hold `value`, or removes it when the request has no value for it. Returns the pair kept. */
function setOrRemove(
  { source, findings, map, target }: MatchedEntry,
  key: string,
  value: string | null,
  insertAfter: ParsedPair,
): ParsedPair | null {
  const pair = findPair(map, key);
  const node = asEditableScalar(pair?.value);
  if (value === null) {
    const oldValue = node ? scalarString(node) : null;
    // An empty `digest:` is harmless; only a value that would win over the request goes.
    if (pair && oldValue !== '') findings.edit(target, removePair(source, map, pair), oldValue ?? '', '');
    return null;
  }
  if (node) {
    findings.setScalar(target, node, value);
    return pair ?? null;
  }
  if (pair) {
    findings.decline(
      target,
      pair.key.range[0],
      `"${key}" is not a plain or quoted scalar; kpush cannot rewrite it`,
    );
    return pair;
  }
  findings.edit(target, insertPairAfter(source, map, insertAfter, key, value), '', value);
  return null;
}

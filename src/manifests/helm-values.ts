import type { ImageReference } from '../core/image-ref.js';
import { type Convention, Findings, targetFor } from './findings.js';
import { forEachEditableMap } from './walk.js';
import {
  asEditableScalar,
  findPair,
  insertPairAfter,
  type ManifestSource,
  type ParsedMap,
  type ParsedPair,
  plainIfSafe,
  stringValue,
} from './yaml-source.js';

/**
 * Rule 3: a Helm values mapping that describes an image — `repository` and `tag`, optionally
 * `registry` (prefixed to the repository when non-empty) and `digest` — at any depth.
 */
export const scanHelmValues: Convention = (source, targets) => {
  const findings = new Findings(source, 'helm-values');
  for (const document of source.documents) {
    forEachEditableMap(document, (map) => {
      const tag = findPair(map, 'tag');
      const repository = stringValue(map, 'repository');
      if (!tag || repository === null) return;
      const target = targetFor(targets, withRegistry(stringValue(map, 'registry'), repository));
      if (!target) return;
      findings.match(target);
      updateImageMap(source, findings, map, tag, target);
    });
  }
  return findings.result();
};

function withRegistry(registry: string | null, repository: string): string {
  return registry ? `${registry.replace(/\/+$/, '')}/${repository}` : repository;
}

/** The tag takes the requested tag (left alone for a digest-only request); the digest follows the request. */
function updateImageMap(
  source: ManifestSource,
  findings: Findings,
  map: ParsedMap,
  tag: ParsedPair,
  target: ImageReference,
): void {
  if (target.tag !== null) {
    const node = asEditableScalar(tag.value);
    if (node) findings.setScalar(target, node, target.tag);
    else findings.warn(tag.key.range[0], '"tag" is not a plain or quoted scalar, left unchanged');
  }
  const digest = findPair(map, 'digest');
  if (!digest) {
    if (target.digest !== null) {
      findings.edit(
        target,
        insertPairAfter(source, map, tag, 'digest', plainIfSafe(target.digest)),
        '',
        target.digest,
      );
    }
    return;
  }
  const node = asEditableScalar(digest.value);
  if (!node) findings.warn(digest.key.range[0], '"digest" is not a plain or quoted scalar, left unchanged');
  else if (target.digest !== null) findings.setScalar(target, node, target.digest);
  // No digest requested: a stale one must go, so the chart falls back to the tag.
  else if (node.value !== null && node.value !== '') findings.setScalar(target, node, '');
}

import {
  formatImageReference,
  type ImageReference,
  repositoryNameBeforeBadSuffix,
  tryParseImageReference,
} from '../core/image-ref.js';
import { type Convention, Findings } from './findings.js';
import { forEachEditableMap } from './walk.js';
import { asEditableScalar, dereference, lookupPair, scalarString } from './yaml-source.js';

/**
 * Rule 1: any `image: <reference>` value — containers, initContainers and ephemeralContainers
 * of every workload kind, image volumes (`volumes[].image.reference`), and the `image: repo:tag`
 * form of Helm values. The repository keeps the spelling of the file (`nginx` stays `nginx`);
 * tag and digest become the requested ones. A value whose tag or digest is malformed still
 * names the repository, so it is rewritten too.
 */
export const scanImageFields: Convention = (source, targets) => {
  const findings = new Findings(source, 'image');
  for (const document of source.documents) {
    forEachEditableMap(document, (map, path) => {
      const found = lookupPair(source, map, isImageVolume(path) ? 'reference' : 'image');
      const node = asEditableScalar(dereference(source, found?.pair.value));
      if (!found || !node) return;
      const reference = referenceIn(scalarString(node));
      const target = reference && targets.find((candidate) => candidate.repository === reference.repository);
      if (!reference || !target) return;
      // `image: repo` + `tag: x` is a chart's own convention, bumped by the Helm values rule.
      if (reference.name === scalarString(node) && lookupPair(source, map, 'tag')) return;
      findings.setFound(target, found, formatImageReference(reference.name, target.tag, target.digest));
    });
  }
  return findings.result();
};

/** `volumes[].image` (Kubernetes 1.31+ image volumes) holds its reference under `reference`. */
function isImageVolume(path: readonly string[]): boolean {
  return path.at(-1) === 'image' && path.at(-2) === '-' && path.at(-3) === 'volumes';
}

function referenceIn(text: string): ImageReference | null {
  const reference = tryParseImageReference(text);
  return typeof reference === 'string' ? repositoryNameBeforeBadSuffix(text) : reference;
}

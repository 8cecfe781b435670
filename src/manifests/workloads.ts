import { formatImageReference, tryParseImageReference } from '../core/image-ref.js';
import { type Convention, Findings } from './findings.js';
import { forEachEditableMap } from './walk.js';
import { asEditableScalar, findPair, scalarString } from './yaml-source.js';

/**
 * Rule 1: any `image: <reference>` value — containers, initContainers and ephemeralContainers
 * of every workload kind, and the `image: repo:tag` form of Helm values. The repository keeps
 * the spelling of the file (`nginx` stays `nginx`); tag and digest become the requested ones.
 */
export const scanImageFields: Convention = (source, targets) => {
  const findings = new Findings(source, 'image');
  for (const document of source.documents) {
    forEachEditableMap(document, (map) => {
      const node = asEditableScalar(findPair(map, 'image')?.value);
      if (!node) return;
      const reference = tryParseImageReference(scalarString(node));
      if (typeof reference === 'string') return;
      const target = targets.find((candidate) => candidate.repository === reference.repository);
      if (!target) return;
      if (!reference.tag && !reference.digest && findPair(map, 'tag')) {
        // `image: repo` + `tag: x` is a chart's own convention: appending a tag would break it.
        findings.warn(
          node.range[0],
          `"image: ${reference.name}" has a sibling "tag" key, left unchanged; mark the tag with "# kpush:tag ${reference.name}" to bump it`,
        );
        return;
      }
      findings.match(target);
      findings.setScalar(target, node, formatImageReference(reference.name, target.tag, target.digest));
    });
  }
  return findings.result();
};

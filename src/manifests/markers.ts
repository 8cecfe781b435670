import type { ParsedNode } from 'yaml';
import {
  canonicalRepositoryOf,
  formatImageReference,
  type ImageReference,
  tryParseImageReference,
} from '../core/image-ref.js';
import { type Convention, Findings } from './findings.js';
import { type Marker, markerAfter } from './marker-comment.js';
import type { ImageTargets } from './types.js';
import { forEachValue } from './walk.js';
import { asEditableScalar, type EditableScalar, scalarString } from './yaml-source.js';

/**
 * Rule 4: a value followed by a marker comment, under any key or as a list item, anywhere in
 * the file (a marker is an explicit request, so it also works where rules 1–3 never look).
 * `kpush:image` values are whole references (the name keeps its spelling); `kpush:tag` values
 * are only the tag.
 */
export const scanMarkers: Convention = (source, targets) => {
  const findings = new Findings(source, 'marker');
  for (const document of source.documents) {
    forEachValue(document, (node) => {
      const marker = markerAfter(source.text, node);
      if (marker) applyMarker(findings, targets, node, marker);
    });
  }
  return findings.result();
};

function applyMarker(findings: Findings, targets: ImageTargets, node: ParsedNode, marker: Marker): void {
  const label = `"# kpush:${marker.kind} ${marker.name}"`;
  const repository = canonicalRepositoryOf(marker.name);
  if (repository === null) {
    findings.warn(
      node.range[0],
      `${label} does not name an image repository (without tag or digest); ignored`,
    );
    return;
  }
  const target = targets.find((candidate) => candidate.repository === repository);
  if (!target) return;
  findings.match(target);
  const scalar = asEditableScalar(node);
  const problem = scalar ? rewriteMarked(findings, target, scalar, marker) : 'is an alias';
  if (problem) findings.warn(node.range[0], `the value marked ${label} ${problem}; left unchanged`);
}

/** Sets the marked value, or says why it cannot take the request. */
function rewriteMarked(
  findings: Findings,
  target: ImageReference,
  scalar: EditableScalar,
  marker: Marker,
): string | null {
  if (marker.kind === 'tag') {
    if (target.tag === null) return `is a tag, but ${target.name} was requested with a digest only`;
    findings.setScalar(target, scalar, target.tag);
    return null;
  }
  const reference = tryParseImageReference(scalarString(scalar));
  if (typeof reference === 'string') return `is not an image reference (${reference})`;
  findings.setScalar(target, scalar, formatImageReference(reference.name, target.tag, target.digest));
  return null;
}

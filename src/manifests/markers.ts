import { isAlias, type ParsedNode } from 'yaml';
import {
  canonicalRepositoryOf,
  formatImageReference,
  type ImageReference,
  repositoryNameBeforeBadSuffix,
  tryParseImageReference,
} from '../core/image-ref.js';
import { type Convention, Findings } from './findings.js';
import { type Marker, markerAfter } from './marker-comment.js';
import type { ImageTargets } from './types.js';
import { forEachValue } from './walk.js';
import {
  asEditableScalar,
  dereference,
  type EditableScalar,
  lineOf,
  type ManifestSource,
  scalarString,
} from './yaml-source.js';

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
      if (marker) applyMarker(source, findings, targets, node, marker);
    });
  }
  return findings.result();
};

function applyMarker(
  source: ManifestSource,
  findings: Findings,
  targets: ImageTargets,
  node: ParsedNode,
  marker: Marker,
): void {
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
  const scalar = asEditableScalar(dereference(source, node));
  const value = scalar ? markedValue(target, scalar, marker) : { problem: 'is not a plain or quoted scalar' };
  if (typeof value !== 'string') {
    findings.decline(target, node.range[0], `the value marked ${label} ${value.problem}; left unchanged`);
  } else if (scalar === node) {
    findings.setScalar(target, scalar, value);
  } else if (scalar) {
    const anchorLine = lineOf(source, scalar.range[0]);
    findings.requireAnchored(
      target,
      node,
      scalar,
      value,
      `the value marked ${label} is the alias *${isAlias(node) ? node.source : ''} of the value at line ${anchorLine}, which nothing bumps: put the marker on line ${anchorLine}`,
    );
  }
}

/** The value the marked scalar must take, or why it cannot take the request. */
function markedValue(
  target: ImageReference,
  scalar: EditableScalar,
  marker: Marker,
): string | { problem: string } {
  if (marker.kind === 'tag') {
    if (target.tag === null)
      return { problem: `is a tag, but ${target.name} was requested with a digest only` };
    return target.tag;
  }
  const text = scalarString(scalar);
  const parsed = tryParseImageReference(text);
  const reference = typeof parsed === 'string' ? repositoryNameBeforeBadSuffix(text) : parsed;
  if (reference === null) return { problem: `is not an image reference (${parsed})` };
  return formatImageReference(reference.name, target.tag, target.digest);
}

import { inSourceOrder } from './apply.js';
import type { Convention } from './findings.js';
import { scanHelmValues } from './helm-values.js';
import { isKustomizationFile, scanKustomization } from './kustomization.js';
import { scanMarkers } from './markers.js';
import type { SplitDocument } from './simple-documents.js';
import type { AnchoredValue, DeclinedReference, FileScan, ImageTargets, ScalarEdit } from './types.js';
import { scanImageFields } from './workloads.js';
import { type DocumentFilter, type ManifestSource, parseManifestSource } from './yaml-source.js';

/** Markers first: when two conventions reach the same value, the explicit one wins. */
const CONVENTIONS: readonly Convention[] = [scanMarkers, scanImageFields, scanKustomization, scanHelmValues];

/** Pure. Throws YamlSyntaxError(path, line, col, reason) when any document in the file does not parse. */
export function scanManifest(path: string, source: string, targets: ImageTargets): FileScan {
  const canMatch = textCanMatch(targets);
  const parsed = parseManifestSource(path, source, documentsThatCanMatch(path, canMatch), { keep: canMatch });
  return scanParsedManifest(parsed, targets);
}

/**
 * The conventions over a parsed file. Exported for the tests that check that skipping the
 * documents documentsThatCanMatch rules out changes nothing (parse them all and compare).
 */
export function scanParsedManifest(parsed: ManifestSource, targets: ImageTargets): FileScan {
  const scans = CONVENTIONS.map((convention) => convention(parsed, targets));
  const edits = inSourceOrder(withoutOverlaps(scans.flatMap((scan) => scan.edits)));
  const matched = new Set(scans.flatMap((scan) => scan.matched));
  const declined = scans.flatMap((scan) => scan.declined);
  for (const value of scans.flatMap((scan) => scan.anchored)) {
    if (anchorIsBumped(edits, value)) matched.add(value.repository);
    else declined.push(declinedAnchor(value));
  }
  return {
    edits,
    matched: [...matched].sort(),
    declined: declined.sort((a, b) => a.line - b.line),
    warnings: scans.flatMap((scan) => scan.warnings),
  };
}

/**
 * Which simple documents can yield an edit, a declined reference or a warning: those whose text
 * can (textCanMatch), except a CustomResourceDefinition without a marker: the rules that look at
 * values skip CRDs (walk.ts), except the kustomization rule, which reads only kustomization files.
 */
function documentsThatCanMatch(path: string, canMatch: (text: string) => boolean): DocumentFilter {
  const kustomization = isKustomizationFile(path);
  return (document, text) =>
    canMatch(text) && (kustomization || text.includes('kpush:') || !isCustomResourceDefinition(document));
}

/**
 * Whether a simple document, or a block of one, can hold something a rule finds. There every
 * value is written literally on one line (no escapes, aliases or tags), and a reference to a
 * requested repository, however spelled or split (`registry` + `repository` of one mapping, a
 * kustomize `name`), holds each of its path components, and its registry unless that is Docker
 * Hub (`nginx`): text without all of them and without a `kpush:` marker has nothing to find.
 */
function textCanMatch(targets: ImageTargets): (text: string) => boolean {
  const required = targets.map(({ repository }) => requiredText(repository));
  return (text) =>
    text.includes('kpush:') ||
    required.some(
      ({ components, registry }) =>
        components.every((component) => text.includes(component)) && (registry?.test(text) ?? true),
    );
}

/** What every spelling of a canonical repository writes: its path components and its registry. */
function requiredText(repository: string): { components: string[]; registry: RegExp | null } {
  const [registry = '', ...components] = repository.split('/');
  if (registry !== 'docker.io') return { components, registry: new RegExp(escapeRegExp(registry), 'i') };
  // `nginx` is docker.io/library/nginx; Docker Hub's own name has aliases or is left out.
  return { components: components[0] === 'library' ? components.slice(1) : components, registry: null };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** As walk.ts tells a CustomResourceDefinition, from the root mapping's values. */
function isCustomResourceDefinition({ kind, apiVersion }: SplitDocument): boolean {
  return kind === 'CustomResourceDefinition' && (apiVersion ?? '').startsWith('apiextensions.k8s.io/');
}

/** An alias or merged value is bumped when some rule rewrites its anchor to the same value. */
function anchorIsBumped(edits: readonly ScalarEdit[], value: AnchoredValue): boolean {
  return edits.some(
    (edit) =>
      edit.start === value.start &&
      edit.end === value.end &&
      edit.newValue === value.value &&
      edit.repository === value.repository,
  );
}

function declinedAnchor({ repository, line, reason }: AnchoredValue): DeclinedReference {
  return { repository, line, reason };
}

function overlaps(a: ScalarEdit, b: ScalarEdit): boolean {
  return a.start === b.start && a.end === b.end ? a.start !== a.end : a.start < b.end && b.start < a.end;
}

/** Keeps the first edit claiming a range (later conventions defer to earlier ones). */
function withoutOverlaps(edits: readonly ScalarEdit[]): ScalarEdit[] {
  const kept: ScalarEdit[] = [];
  for (const edit of edits) if (!kept.some((other) => overlaps(other, edit))) kept.push(edit);
  return kept;
}

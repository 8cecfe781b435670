import { isAlias, type ParsedNode } from 'yaml';
import { canonicalRepositoryOf, type ImageReference } from '../core/image-ref.js';
import { markerAfter } from './marker-comment.js';
import type {
  AnchoredValue,
  ConventionScan,
  DeclinedReference,
  EditKind,
  ImageTargets,
  ScalarEdit,
} from './types.js';
import {
  asEditableScalar,
  dereference,
  type EditableScalar,
  type FoundPair,
  holds,
  keyName,
  lineOf,
  type ManifestSource,
  renderLike,
  replaceScalar,
  type Splice,
  scalarString,
  spliceLine,
} from './yaml-source.js';

/** Every convention has this shape: read one parsed file, report what to change. Pure. */
export type Convention = (source: ManifestSource, targets: ImageTargets) => ConventionScan;

/** The requested image for a repository name as written in a file (`nginx`, `ghcr.io/a/b`). */
export function targetFor(targets: ImageTargets, name: string | null): ImageReference | undefined {
  const repository = name === null ? null : canonicalRepositoryOf(name);
  return repository === null ? undefined : targets.find((target) => target.repository === repository);
}

/** Collects one convention's findings for a file. */
export class Findings {
  private readonly edits: ScalarEdit[] = [];
  private readonly matched = new Set<string>();
  private readonly declined: DeclinedReference[] = [];
  private readonly anchored: AnchoredValue[] = [];
  private readonly warnings: string[] = [];

  constructor(
    private readonly source: ManifestSource,
    private readonly kind: EditKind,
  ) {}

  match(target: ImageReference): void {
    this.matched.add(target.repository);
  }

  warn(offset: number, message: string): void {
    this.warnings.push(`line ${lineOf(this.source, offset)}: ${message}`);
  }

  /** A reference to `target` that stays as it is: the bump fails naming it. */
  decline(target: ImageReference, offset: number, reason: string): void {
    this.declined.push({ repository: target.repository, line: lineOf(this.source, offset), reason });
  }

  /** How many edits so far changed a value (re-quoting one does not), to tell whether a mapping changed. */
  get valueChanges(): number {
    return this.edits.filter((edit) => edit.oldValue !== edit.newValue).length;
  }

  /** Records a splice with the value before and after, for the change list. */
  edit(target: ImageReference, splice: Splice, oldValue: string, newValue: string): void {
    const { start, end, text } = splice;
    const line = spliceLine(this.source, splice);
    this.edits.push({
      kind: this.kind,
      repository: target.repository,
      line,
      start,
      end,
      oldValue,
      newValue,
      text,
    });
  }

  /** Sets the scalar to `value` (quoted like it was) unless it already holds it. */
  setScalar(
    target: ImageReference,
    node: EditableScalar,
    value: string,
    text = renderLike(this.source, node, value),
  ): void {
    this.match(target);
    if (holds(node, value)) return;
    // A value with a marker comment belongs to its marker, whatever the other rules think.
    if (this.kind !== 'marker' && markerAfter(this.source.text, node)) return;
    this.edit(target, replaceScalar(this.source, node, text), scalarString(node), value);
  }

  /**
   * Makes the value of `found` hold `value`: in place when the mapping holds a scalar, through
   * its anchor when it is an alias or inherited through a merge key (see AnchoredValue).
   */
  setFound(target: ImageReference, found: FoundPair, value: string): void {
    const label = keyName(found.pair) ?? 'value';
    const node = found.pair.value;
    const anchored = asEditableScalar(dereference(this.source, node));
    const at = (node ?? found.pair.key).range[0];
    if (!anchored) {
      this.decline(target, at, `"${label}" is not a plain or quoted scalar; kpush cannot rewrite it`);
      return;
    }
    if (found.mergedAt === null && node === anchored) {
      this.setScalar(target, anchored, value);
      return;
    }
    const mergeLine = found.mergedAt === null ? null : lineOf(this.source, found.mergedAt);
    const alias = isAlias(node) ? `*${node.source}` : 'an alias';
    const reason =
      mergeLine === null
        ? `"${label}: ${alias}" is the alias ${alias} of the value at line ${lineOf(this.source, anchored.range[0])}, which no rule bumps to ${value}; set the value there or replace the alias`
        : `"${label}" is inherited through the merge key at line ${mergeLine} by a mapping of ${target.name}, and no rule bumps it here to ${value}; set "${label}" in that mapping`;
    this.requireAnchored(target, mergeLine === null ? node : anchored, anchored, value, reason);
  }

  /** `at` (an alias, or the inherited value) stands for `anchored`, which must come to hold `value`. */
  requireAnchored(
    target: ImageReference,
    at: ParsedNode | null,
    anchored: EditableScalar,
    value: string,
    reason: string,
  ): void {
    if (holds(anchored, value)) {
      this.match(target);
      return;
    }
    const [start, end] = anchored.range;
    const line = lineOf(this.source, (at ?? anchored).range[0]);
    this.anchored.push({ repository: target.repository, start, end, value, line, reason });
  }

  result(): ConventionScan {
    return {
      edits: this.edits,
      matched: [...this.matched],
      declined: this.declined,
      anchored: this.anchored,
      warnings: this.warnings,
    };
  }
}

import { canonicalRepositoryOf, type ImageReference } from '../core/image-ref.js';
import { markerAfter } from './marker-comment.js';
import type { EditKind, FileScan, ImageTargets, ScalarEdit } from './types.js';
import {
  type EditableScalar,
  holds,
  lineOf,
  type ManifestSource,
  renderLike,
  replaceScalar,
  type Splice,
  scalarString,
  spliceLine,
} from './yaml-source.js';

/** Every convention has this shape: read one parsed file, report what to change. Pure. */
export type Convention = (source: ManifestSource, targets: ImageTargets) => FileScan;

/** The requested image for a repository name as written in a file (`nginx`, `ghcr.io/a/b`). */
export function targetFor(targets: ImageTargets, name: string | null): ImageReference | undefined {
  const repository = name === null ? null : canonicalRepositoryOf(name);
  return repository === null ? undefined : targets.find((target) => target.repository === repository);
}

/** Collects one convention's findings for a file. */
export class Findings {
  private readonly edits: ScalarEdit[] = [];
  private readonly matched = new Set<string>();
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
    text = renderLike(node, value),
  ): void {
    if (holds(node, value)) return;
    // A value with a marker comment belongs to its marker, whatever the other rules think.
    if (this.kind !== 'marker' && markerAfter(this.source.text, node)) return;
    this.edit(target, replaceScalar(this.source, node, text), scalarString(node), value);
  }

  result(): FileScan {
    return { edits: this.edits, matched: [...this.matched], warnings: this.warnings };
  }
}

import type { ImageReference } from '../core/image-ref.js';

/** Which convention located the value. */
export type EditKind = 'image' | 'kustomize' | 'helm-values' | 'marker';

/**
 * One change to a file: replace `source.slice(start, end)` with `text`. Offsets are string
 * indices into the whole file (multi-document files included). Removing or inserting a key
 * (e.g. a stale kustomize `digest:` line) is an edit whose range covers exactly that text.
 */
export interface ScalarEdit {
  kind: EditKind;
  /** Canonical repository of the --image that caused the edit, e.g. `ghcr.io/acme/api`. */
  repository: string;
  /** 1-based line of the value in the file. */
  line: number;
  start: number;
  end: number;
  /** The value before and after (unquoted), for the change list: `ghcr.io/acme/api:1.0` → `...:1.1`. */
  oldValue: string;
  newValue: string;
  /** Replacement source text, quoted as the value must be written. */
  text: string;
}

/** A place that references a requested repository but that kpush will not rewrite, and why. */
export interface DeclinedReference {
  /** Canonical repository of the --image it references. */
  repository: string;
  /** 1-based line of the value. */
  line: number;
  reason: string;
}

export interface FileScan {
  /** Edits to make, only where a value differs from what was requested; non-overlapping, in order. */
  edits: ScalarEdit[];
  /** Canonical repositories referenced in this file, whether or not they needed a change. */
  matched: string[];
  /**
   * References to a requested repository left as they are: a bump that has any must fail, so
   * success always means that nothing was left behind.
   */
  declined: DeclinedReference[];
  /** Things the user should know that leave nothing behind (e.g. a kustomize tagSuffix now unused). */
  warnings: string[];
}

/**
 * A value a convention must change that lives at an anchor (reached through an alias or a merge
 * key). Editing the anchor would change every other use of it, so kpush does not do that on its
 * own: the value counts as bumped only when the anchor itself is rewritten to the same value by
 * some rule; otherwise it is declined with `reason`.
 */
export interface AnchoredValue {
  repository: string;
  /** Range of the anchored scalar. */
  start: number;
  end: number;
  value: string;
  line: number;
  reason: string;
}

/** What one convention reports for a file. */
export interface ConventionScan extends FileScan {
  anchored: AnchoredValue[];
}

/** The images requested with --image, already parsed and validated. */
export type ImageTargets = readonly ImageReference[];

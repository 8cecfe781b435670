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

export interface FileScan {
  /** Edits to make, only where a value differs from what was requested; non-overlapping, in order. */
  edits: ScalarEdit[];
  /** Canonical repositories referenced in this file, whether or not they needed a change. */
  matched: string[];
  /** Things the user should know (e.g. a marker whose value could not take the request). */
  warnings: string[];
}

/** The images requested with --image, already parsed and validated. */
export type ImageTargets = readonly ImageReference[];

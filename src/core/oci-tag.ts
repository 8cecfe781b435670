/** OCI distribution spec: a tag is `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. */
export const OCI_TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const OCI_TAG_MAX_LENGTH = 128;

export function isValidTag(tag: string): boolean {
  return OCI_TAG_PATTERN.test(tag);
}

/**
 * Turns free text (a branch name) into something a tag can hold: lower-case, every run of
 * characters outside the grammar becomes one `-`, and no leading or trailing separators.
 */
export function sanitizeForTag(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[.-]+/, '')
    .replace(/[.-]+$/, '');
}

/** Cuts `text` so it fits `budget` characters without ending on a separator. */
export function truncateForTag(text: string, budget: number): string {
  if (text.length <= budget) return text;
  return text.slice(0, Math.max(0, budget)).replace(/[.-]+$/, '');
}

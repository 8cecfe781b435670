/**
 * Durations as kubectl and helm take them: `90s`, `5m`, `1h30m`, `1m30.5s`, or plain seconds.
 * Returns milliseconds, or null when the text is not a duration.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== trimmed) return null;
  return Math.round(
    parts.reduce((total, part) => total + Number(part[1]) * (UNIT_MS[part[2] as string] ?? 0), 0),
  );
}

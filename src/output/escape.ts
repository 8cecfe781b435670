/**
 * Text from the environment repository (file names, tag values) and from git (a hook's
 * `remote:` lines) is shown on stderr and written into commit messages. Raw, its control
 * characters would draw on the terminal (ANSI escapes), start new lines that CI systems read as
 * commands (`::error::`, `##vso[`), or add trailers to a commit. Every sink passes such text
 * through here: control characters become visible escapes (`\n`, `\x1b`, `\u202e`).
 */

/** C0 and C1 controls, DEL, line and paragraph separators, and bidirectional overrides. */
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_KEEPING_NEWLINES =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r' };

function visible(char: string): string {
  const code = char.charCodeAt(0);
  return NAMED[char] ?? (code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`);
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/**
 * One line of text with every control character escaped, newlines included: a value that can
 * never become more than one line, wherever it is printed or committed.
 */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, visible);
}

/**
 * For an output sink: kpush's own line breaks are kept, every other control character is
 * escaped, and a line that a CI system would take for a command (GitHub's `::name::`, Azure's
 * `##vso[` / `##[`) has its first character escaped.
 */
export function escapeForSink(text: string): string {
  return text.replace(UNSAFE_KEEPING_NEWLINES, visible).split('\n').map(neutraliseCommand).join('\n');
}

const CI_COMMAND = /^(\s*)(::|##\[|##vso\[)/;

function neutraliseCommand(line: string): string {
  return line.replace(
    CI_COMMAND,
    (_whole, indent: string, start: string) => `${indent}${visible(start[0] as string)}${start.slice(1)}`,
  );
}

/** Every string inside a plain value (a change, the CI context), escaped as by escapeControl. */
export function escapeStrings<T>(value: T): T {
  if (typeof value === 'string') return escapeControl(value) as T;
  if (Array.isArray(value)) return value.map(escapeStrings) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, escapeStrings(item)])) as T;
  }
  return value;
}

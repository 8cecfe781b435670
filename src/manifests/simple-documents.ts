/**
 * A fast, line-by-line check that certifies documents the `yaml` package parses without error,
 * so that only the documents that can hold a requested image need the (much slower) full parse.
 *
 * It never reports an error itself: a document is either certified "simple" or left to `yaml`,
 * which then reports whatever is wrong with file:line:col as before. Certified means, in the
 * subset below, that `yaml` finds no error and kpush's duplicate-key check finds no duplicate
 * (the property tests in test/unit/manifests compare the two on generated and real documents).
 *
 * The subset: block mappings and sequences indented with spaces; keys that are plain words
 * (`app.kubernetes.io/name`, never `null`/`true`/numbers) or quoted without escapes, unique in
 * their mapping; values that are single-line plain scalars, single-line quoted scalars without
 * backslashes, one-line flow collections of words and quoted strings, or block scalars (`|`, `>-`, …) without an indentation indicator;
 * comments. Anything else (flow collections, anchors, aliases, tags, merge keys, multi-line
 * plain or quoted scalars, tabs, directives, `...`) makes the document not simple. In a simple
 * document every scalar is written literally on one line, so a string that is not in its text
 * cannot be in any of its values.
 */

export interface SplitDocument {
  /** Offset of the document's first character (its `---` line, if any). */
  start: number;
  /** Offset where the next document starts (its `---` line), or the end of the text. */
  end: number;
  /** The document is in the subset, so `yaml` parses it without error. */
  simple: boolean;
  /** The root mapping's `kind` and `apiVersion` as written on one line, to recognise CRDs (simple documents only). */
  kind: string | null;
  apiVersion: string | null;
}

/** Characters that make every document not simple: controls, a BOM past the start (a lone CR: see below). */
const UNUSUAL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufeff]/;
const DOCUMENT_START = /^---(?: +(?:#.*)?)?$/;
// The patterns below are sticky: matched in a line at an index (`lastIndex`), `$` its end.
const PLAIN_KEY = /([A-Za-z_$][A-Za-z0-9_$./-]{0,250}):(?: |$)/y;
const QUOTED_KEY = /(?:"([^"\\]{0,250})"|'([^']{0,250})'):(?: |$)/y;
/** Plain keys that the YAML 1.2 core schema does not read as a string. */
const NOT_STRING_KEYS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE']);
const AFTER_VALUE = '(?: +(?:#.*)?)?$';
const BLOCK_SCALAR_HEADER = new RegExp(`[|>][-+]?${AFTER_VALUE}`, 'y');
const DOUBLE_QUOTED = new RegExp(`"([^"\\\\]*)"${AFTER_VALUE}`, 'y');
const SINGLE_QUOTED = new RegExp(`'((?:[^']|'')*)'${AFTER_VALUE}`, 'y');
/** The start of a quoted scalar that goes on over the next lines, and a line of one that ends it. */
const DOUBLE_QUOTED_OPEN = /"[^"\\]*$/y;
const SINGLE_QUOTED_OPEN = /'(?:[^']|'')*$/y;
/** A line inside an open quoted scalar that does not end it (no quote, and no escape). */
const DOUBLE_QUOTED_MIDDLE = /[^"\\]*$/y;
const SINGLE_QUOTED_MIDDLE = /(?:[^']|'')*$/y;
const DOUBLE_QUOTED_END = new RegExp(`[^"\\\\]*"${AFTER_VALUE}`, 'y');
const SINGLE_QUOTED_END = new RegExp(`(?:[^']|'')*'${AFTER_VALUE}`, 'y');
/** One-line flow collections of words and quoted strings: `[a, "b"]`, `{ cpu: 500m, memory: 1Gi }`. */
const FLOW_SCALAR = `(?:[A-Za-z0-9_./+=][A-Za-z0-9_./+=-]*|"[^"\\\\]*"|'(?:[^']|'')*')`;
const FLOW_KEY = '[A-Za-z_$][A-Za-z0-9_$./-]{0,250}';
const FLOW_SEQUENCE = new RegExp(`\\[ *(?:${FLOW_SCALAR}(?: *, *${FLOW_SCALAR})*)? *\\]${AFTER_VALUE}`, 'y');
const FLOW_MAPPING = new RegExp(
  `\\{ *(?:${FLOW_KEY}: +${FLOW_SCALAR}(?: *, *${FLOW_KEY}: +${FLOW_SCALAR})*)? *\\}${AFTER_VALUE}`,
  'y',
);
const FLOW_MAPPING_KEY = new RegExp(`(?:^\\{|,) *(${FLOW_KEY}):`, 'g');
/** First characters a plain scalar may start with: not an indicator (`-` only before a word). */
const PLAIN_START = /(?:[^-?:,[\]{}#&*!|>'"%@`\s]|-[A-Za-z0-9/_.=-])/y;
/** First characters of a line that folds into a plain scalar (quotes are text there). */
const CONTINUATION_START = /(?:[^-?:,[\]{}#&*!|>%@`\s]|[-?:][^\s,[\]{}])/y;
const SPACES = / */y;
/**
 * Most lines of a manifest, whole: `key:` or `key: value`, the value a plain scalar that is
 * plainly in the subset (no `: `, ` #`, tab or other whitespace but single spaces between words,
 * no trailing space or colon). Anything else takes the general path, which accepts more.
 */
const PLAIN_PAIR_LINE = new RegExp(
  '[A-Za-z_$][A-Za-z0-9_$./-]{0,250}:' +
    '(?: [^-?:,[\\]{}#&*!|>\'"%@`\\s](?:[^\\s:#]|:(?=\\S)| (?=[^\\s#]))*)?(?=[\\r\\n]|$)',
  'y',
);
/** JavaScript's whitespace (what trim removes), from an index on. */
const WHITESPACE = /\s*/y;

function matchesAt(pattern: RegExp, line: string, at: number): boolean {
  pattern.lastIndex = at;
  return pattern.test(line);
}

/** A block mapping (with the keys seen so far) or sequence (`keys` null): one shape, for V8. */
interface Collection {
  indent: number;
  keys: Set<string> | null;
}
type MapCollection = Collection & { keys: Set<string> };

function openCollection(indent: number, isItem: boolean): Collection {
  return { indent, keys: isItem ? null : new Set() };
}

/** No open scalar or pending value: an indentation no line has. */
const NONE = -2;

/**
 * Splits `text` into its documents and tells which are simple. Pure.
 *
 * Written for the first pass over a large file (a CLI gets no other): lines are read by index
 * in the text and sliced only when they hold a key or value, and the patterns match in place.
 */
export function splitDocuments(text: string): SplitDocument[] {
  return splitDocumentsAndLines(text).documents;
}

/** splitDocuments, and the offset where each line starts (as lineStartsOf), read on the way. */
export function splitDocumentsAndLines(text: string): { documents: SplitDocument[]; lineStarts: number[] } {
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const everyDocumentComplex = hasUnusualCharacter(text, bom);
  const documents: SplitDocument[] = [];
  const lineStarts = [0];
  let checker = new DocumentChecker(0, !everyDocumentComplex);
  let lineStart = bom;
  while (lineStart <= text.length) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const contentEnd = lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
    // (The first character first: one call fewer on every other line.)
    if (text.charCodeAt(lineStart) === 45 && isDocumentMarker(text, lineStart, contentEnd)) {
      documents.push(checker.finish(lineStart));
      const simple = !everyDocumentComplex && DOCUMENT_START.test(text.slice(lineStart, contentEnd));
      checker = new DocumentChecker(lineStart, simple);
    } else if (checker.simple) {
      checker.line(text, lineStart, contentEnd);
    }
    if (newline === -1) break;
    lineStart = newline + 1;
    lineStarts.push(lineStart);
  }
  documents.push(checker.finish(text.length));
  return { documents, lineStarts };
}

/** A control character, a BOM past the start, or a CR not followed by LF. */
function hasUnusualCharacter(text: string, bom: number): boolean {
  if (UNUSUAL_CHARACTER.test(bom ? text.slice(bom) : text)) return true;
  for (let cr = text.indexOf('\r'); cr !== -1; cr = text.indexOf('\r', cr + 1))
    if (text.charCodeAt(cr + 1) !== 10) return true;
  return false;
}

/** `---` alone, or followed by a space or a tab. */
function isDocumentMarker(text: string, start: number, end: number): boolean {
  if (end - start < 3 || !text.startsWith('---', start)) return false;
  const next = text.charCodeAt(start + 3);
  return end - start === 3 || next === 32 || next === 9;
}

class DocumentChecker {
  simple: boolean;
  private readonly stack: Collection[] = [];
  /** What the line after `key:` or `-` (nothing after it) may open: more than this indent… */
  private pendingIndent = NONE;
  /** …or, after `key:`, a sequence at the key's own column. */
  private pendingAfterKey = false;
  /** An open block scalar: its lines are indented more than this. */
  private blockParentIndent = NONE;
  /** Set by its first line with content. */
  private blockContentIndent = NONE;
  /** Spaces on empty lines before its first content line (yaml rejects more than the content's). */
  private blockLeadingSpaces = 0;
  /** A plain scalar that may go on over lines indented more than this (they fold into it). */
  private plainParentIndent = NONE;
  /** The root mapping's key it is the value of, whose recorded value a continuation changes. */
  private plainRootKey: 'kind' | 'apiVersion' | null = null;
  /** A quoted scalar whose closing quote is on a later line: its lines are indented more than this. */
  private quotedParentIndent = NONE;
  private quote: '"' | "'" = '"';
  private rootSeen = false;
  private kind: string | null = null;
  private apiVersion: string | null = null;

  constructor(
    private readonly start: number,
    simple: boolean,
  ) {
    this.simple = simple;
  }

  finish(end: number): SplitDocument {
    if (this.blockParentIndent !== NONE) this.endBlockScalar();
    const simple = this.simple && this.quotedParentIndent === NONE;
    return {
      start: this.start,
      end,
      simple,
      kind: simple ? this.kind : null,
      apiVersion: simple ? this.apiVersion : null,
    };
  }

  /** The line `text[start, end)`, its line break left out; only called while the document is simple. */
  line(text: string, start: number, end: number): void {
    // Most of a large manifest is indentation (70% of argo-cd's install.yaml): skipped natively.
    SPACES.lastIndex = start;
    SPACES.test(text);
    const first = SPACES.lastIndex;
    const indent = first - start;
    const blank = first === end;
    if (this.quotedParentIndent !== NONE) {
      this.simple = blank || this.quotedLine(text.slice(start, end), indent);
      return;
    }
    if (this.blockParentIndent !== NONE) {
      if (this.inBlockScalar(indent, blank)) return;
      // A comment that ends a block scalar yet is indented into it: leave that to yaml.
      if (text.charCodeAt(first) === 35 && indent > this.blockParentIndent) this.simple = false;
      this.endBlockScalar();
      if (!this.simple) return;
    }
    if (blank) return; // also inside a multi-line plain scalar
    if (text.charCodeAt(first) === 35) {
      this.plainParentIndent = NONE; // a comment ends a plain scalar
      return;
    }
    if (this.plainParentIndent === NONE || indent <= this.plainParentIndent) {
      PLAIN_PAIR_LINE.lastIndex = first;
      if (PLAIN_PAIR_LINE.test(text)) {
        this.plainParentIndent = NONE;
        this.simple = this.plainPair(text, first, end, indent);
        return;
      }
    }
    const line = text.slice(start, end);
    if (line.includes('\t') || line.startsWith('...') || line.startsWith('%')) {
      this.simple = false;
      return;
    }
    if (this.plainParentIndent !== NONE && indent > this.plainParentIndent) {
      this.simple = this.continuation(line, indent);
      return;
    }
    this.plainParentIndent = NONE;
    this.simple = this.entry(line, indent);
  }

  /** Whether the line belongs to the open block scalar (content or an empty line). */
  private inBlockScalar(indent: number, blank: boolean): boolean {
    if (blank) {
      if (this.blockContentIndent === NONE)
        this.blockLeadingSpaces = Math.max(this.blockLeadingSpaces, indent);
      return true;
    }
    if (this.blockContentIndent === NONE) {
      if (indent <= this.blockParentIndent) return false;
      this.blockContentIndent = indent;
      if (this.blockLeadingSpaces > indent) this.simple = false;
      return true;
    }
    return indent >= this.blockContentIndent;
  }

  private endBlockScalar(): void {
    // An empty block scalar followed by more-indented blank lines: leave that to yaml.
    if (this.blockContentIndent === NONE && this.blockLeadingSpaces > 0) this.simple = false;
    this.blockParentIndent = NONE;
  }

  /** One `key: …` or `- …` line at column `indent`; false when it is outside the subset. */
  private entry(line: string, indent: number): boolean {
    const isItem = line[indent] === '-' && (indent + 1 === line.length || line[indent + 1] === ' ');
    const top = this.collectionAt(indent, isItem);
    if (top === null) return false;
    return top.keys === null ? this.item(line, indent) : this.pair(line, indent, top as MapCollection);
  }

  /** A PLAIN_PAIR_LINE at `text[first, end)`: what pair() does for it, without the patterns. */
  private plainPair(text: string, first: number, end: number, indent: number): boolean {
    const keys = this.collectionAt(indent, false)?.keys;
    if (!keys) return false;
    const colon = text.indexOf(':', first);
    const key = text.slice(first, colon);
    if (NOT_STRING_KEYS.has(key) || keys.has(key)) return false;
    keys.add(key);
    if (colon + 1 === end) {
      this.pend(indent, true);
      return true;
    }
    const rootKey = this.stack.length === 1 && (key === 'kind' || key === 'apiVersion') ? key : null;
    if (rootKey) this[rootKey] = text.slice(colon + 2, end);
    this.plainParentIndent = indent;
    this.plainRootKey = rootKey;
    return true;
  }

  /** The collection a `key:` or `- ` line at `indent` belongs to (opened if pending), or null. */
  private collectionAt(indent: number, isItem: boolean): Collection | null {
    const pendingIndent = this.pendingIndent;
    this.pendingIndent = NONE;
    if (
      pendingIndent !== NONE &&
      (indent > pendingIndent || (isItem && this.pendingAfterKey && indent === pendingIndent))
    ) {
      this.stack.push(openCollection(indent, isItem));
    } else {
      const stack = this.stack;
      while (stack.length > 0 && (stack[stack.length - 1] as Collection).indent > indent) stack.pop();
      const top = stack[stack.length - 1];
      // `key:` then `- item` lines at the key's column: the sequence ends at the next key.
      if (!isItem && top !== undefined && top.keys === null && top.indent === indent) stack.pop();
      if (this.stack.length === 0) {
        if (this.rootSeen || indent !== 0) return null;
        this.rootSeen = true;
        this.stack.push(openCollection(indent, isItem));
      }
    }
    const top = this.stack[this.stack.length - 1] as Collection;
    return top.indent === indent && (top.keys === null) === isItem ? top : null;
  }

  private item(line: string, indent: number): boolean {
    let at = indent + 1;
    while (line.charCodeAt(at) === 32) at++;
    if (at === line.length || line[at] === '#') {
      this.pend(indent, false);
      return true;
    }
    if (matchesAt(PLAIN_KEY, line, at) || matchesAt(QUOTED_KEY, line, at)) {
      const map = openCollection(at, false) as MapCollection;
      this.stack.push(map);
      return this.pair(line, at, map);
    }
    return this.value(line, at, indent + 1);
  }

  private pair(line: string, indent: number, map: MapCollection): boolean {
    PLAIN_KEY.lastIndex = indent;
    const plain = PLAIN_KEY.exec(line);
    QUOTED_KEY.lastIndex = indent;
    const match = plain ?? QUOTED_KEY.exec(line);
    if (!match) return false;
    const key = match[1] ?? match[2] ?? '';
    // Only a plain `null` / `true` is not a string; quoted, it is.
    if ((plain && NOT_STRING_KEYS.has(key)) || map.keys.has(key)) return false;
    map.keys.add(key);
    WHITESPACE.lastIndex = indent + match[0].length;
    WHITESPACE.test(line);
    const at = WHITESPACE.lastIndex;
    if (at === line.length || line[at] === '#') {
      this.pend(indent, true);
      return true;
    }
    const rootKey = this.stack.length === 1 && (key === 'kind' || key === 'apiVersion') ? key : null;
    if (rootKey) this[rootKey] = scalarText(line.slice(at));
    return this.value(line, at, indent, rootKey);
  }

  private pend(indent: number, afterKey: boolean): void {
    this.pendingIndent = indent;
    this.pendingAfterKey = afterKey;
  }

  /** A line of a quoted scalar opened on an earlier line (not blank). */
  private quotedLine(line: string, indent: number): boolean {
    if (indent <= this.quotedParentIndent || line.includes('\t') || line[indent] === '#') return false;
    const double = this.quote === '"';
    if (matchesAt(double ? DOUBLE_QUOTED_END : SINGLE_QUOTED_END, line, indent)) {
      this.quotedParentIndent = NONE;
      return true;
    }
    // Still open: the line must hold no quote that would end it (and no escape).
    return matchesAt(double ? DOUBLE_QUOTED_MIDDLE : SINGLE_QUOTED_MIDDLE, line, indent);
  }

  /** A more-indented line that folds into the open plain scalar. */
  private continuation(line: string, at: number): boolean {
    if (!matchesAt(CONTINUATION_START, line, at)) return false;
    if (this.plainRootKey) this[this.plainRootKey] = null; // its value is longer than its first line
    const comment = line.indexOf(' #', at);
    if (comment !== -1) this.plainParentIndent = NONE;
    return isPlainOnOneLine(line, at, comment === -1 ? line.length : comment);
  }

  /** The value at `line[at]`, on the line of its key or `-`; block scalars take the lines after it. */
  private value(
    line: string,
    at: number,
    parentIndent: number,
    rootKey: 'kind' | 'apiVersion' | null = null,
  ): boolean {
    const first = line[at];
    if (first === '|' || first === '>') {
      if (!matchesAt(BLOCK_SCALAR_HEADER, line, at)) return false;
      this.blockParentIndent = parentIndent;
      this.blockContentIndent = NONE;
      this.blockLeadingSpaces = 0;
      return true;
    }
    if (first === '"' || first === "'") {
      const double = first === '"';
      if (matchesAt(double ? DOUBLE_QUOTED : SINGLE_QUOTED, line, at)) return true;
      if (!matchesAt(double ? DOUBLE_QUOTED_OPEN : SINGLE_QUOTED_OPEN, line, at)) return false;
      this.quotedParentIndent = parentIndent;
      this.quote = first;
      if (rootKey) this[rootKey] = null; // its value is longer than its first line
      return true;
    }
    if (first === '[') return matchesAt(FLOW_SEQUENCE, line, at);
    if (first === '{') return matchesAt(FLOW_MAPPING, line, at) && hasUniqueStringKeys(line.slice(at));
    if (!matchesAt(PLAIN_START, line, at)) return false;
    const comment = line.indexOf(' #', at);
    if (comment === -1) {
      this.plainParentIndent = parentIndent;
      this.plainRootKey = rootKey;
    }
    return isPlainOnOneLine(line, at, comment === -1 ? line.length : comment);
  }
}

/** Plain text `line[at, end)`, trailing whitespace aside, holds no `: ` and does not end in `:`. */
function isPlainOnOneLine(line: string, at: number, end: number): boolean {
  let last = end;
  while (last > at && isWhitespace(line.charCodeAt(last - 1))) last--;
  const pair = line.indexOf(': ', at);
  return (pair === -1 || pair + 1 >= last) && !(last > at && line.charCodeAt(last - 1) === 58);
}

/** What `\s` matches and trim removes (the line holds no line break). */
function isWhitespace(code: number): boolean {
  return code === 32 || (code > 127 && /\s/.test(String.fromCharCode(code))) || (code >= 9 && code <= 13);
}

/** A one-line flow mapping's keys (FLOW_MAPPING has checked its shape) are distinct strings. */
function hasUniqueStringKeys(flowMapping: string): boolean {
  const keys = new Set<string>();
  for (const [, key = ''] of flowMapping.matchAll(FLOW_MAPPING_KEY)) {
    if (keys.has(key) || NOT_STRING_KEYS.has(key)) return false;
    keys.add(key);
  }
  return true;
}

/** The string a simple single-line scalar holds (null for anything that is not one). */
function scalarText(value: string): string | null {
  DOUBLE_QUOTED.lastIndex = 0;
  const double = DOUBLE_QUOTED.exec(value);
  if (double) return double[1] ?? '';
  SINGLE_QUOTED.lastIndex = 0;
  const single = SINGLE_QUOTED.exec(value);
  if (single) return (single[1] ?? '').replaceAll("''", "'");
  if (!matchesAt(PLAIN_START, value, 0)) return null;
  const comment = value.indexOf(' #');
  return (comment === -1 ? value : value.slice(0, comment)).trimEnd();
}

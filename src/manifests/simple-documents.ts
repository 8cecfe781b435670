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

/** Characters that make every document not simple: controls, a BOM past the start, a lone CR. */
const UNUSUAL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufeff]|\r(?!\n)/;
const DOCUMENT_START = /^---(?: +(?:#.*)?)?$/;
const PLAIN_KEY = /^([A-Za-z_$][A-Za-z0-9_$./-]{0,250}):(?: |$)/;
const QUOTED_KEY = /^(?:"([^"\\]{0,250})"|'([^']{0,250})'):(?: |$)/;
/** Plain keys that the YAML 1.2 core schema does not read as a string. */
const NOT_STRING_KEYS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE']);
const AFTER_VALUE = '(?: +(?:#.*)?)?$';
const BLOCK_SCALAR_HEADER = new RegExp(`^[|>][-+]?${AFTER_VALUE}`);
const DOUBLE_QUOTED = new RegExp(`^"([^"\\\\]*)"${AFTER_VALUE}`);
const SINGLE_QUOTED = new RegExp(`^'((?:[^']|'')*)'${AFTER_VALUE}`);
/** The start of a quoted scalar that goes on over the next lines, and a line of one that ends it. */
const DOUBLE_QUOTED_OPEN = /^"[^"\\]*$/;
const SINGLE_QUOTED_OPEN = /^'(?:[^']|'')*$/;
const DOUBLE_QUOTED_END = new RegExp(`^[^"\\\\]*"${AFTER_VALUE}`);
const SINGLE_QUOTED_END = new RegExp(`^(?:[^']|'')*'${AFTER_VALUE}`);
/** One-line flow collections of words and quoted strings: `[a, "b"]`, `{ cpu: 500m, memory: 1Gi }`. */
const FLOW_SCALAR = `(?:[A-Za-z0-9_./+=][A-Za-z0-9_./+=-]*|"[^"\\\\]*"|'(?:[^']|'')*')`;
const FLOW_KEY = '[A-Za-z_$][A-Za-z0-9_$./-]{0,250}';
const FLOW_SEQUENCE = new RegExp(`^\\[ *(?:${FLOW_SCALAR}(?: *, *${FLOW_SCALAR})*)? *\\]${AFTER_VALUE}`);
const FLOW_MAPPING = new RegExp(
  `^\\{ *(?:${FLOW_KEY}: +${FLOW_SCALAR}(?: *, *${FLOW_KEY}: +${FLOW_SCALAR})*)? *\\}${AFTER_VALUE}`,
);
const FLOW_MAPPING_KEY = new RegExp(`(?:^\\{|,) *(${FLOW_KEY}):`, 'g');
/** First characters a plain scalar may start with: not an indicator (`-` only before a word). */
const PLAIN_START = /^(?:[^-?:,[\]{}#&*!|>'"%@`\s]|-[A-Za-z0-9/_.=-])/;
/** First characters of a line that folds into a plain scalar (quotes are text there). */
const CONTINUATION_START = /^(?:[^-?:,[\]{}#&*!|>%@`\s]|[-?:][^\s,[\]{}])/;
const COMMENT = / #/;

type Collection = { kind: 'map'; indent: number; keys: Set<string> } | { kind: 'seq'; indent: number };

/** What the line after `key:` or `-` (nothing after it) may open. */
interface Pending {
  indent: number;
  /** After `key:` a sequence may start at the key's own column. */
  afterKey: boolean;
}

/** A plain scalar that may go on over more-indented lines (they fold into it). */
interface PlainScalar {
  /** Continuation lines must be indented more than this. */
  parentIndent: number;
  /** The root mapping's key it is the value of, whose recorded value a continuation changes. */
  rootKey: 'kind' | 'apiVersion' | null;
}

/** A quoted scalar whose closing quote is on a later line. */
interface QuotedScalar {
  /** Its lines must be indented more than this. */
  parentIndent: number;
  quote: '"' | "'";
}

interface BlockScalar {
  /** Content lines must be indented more than this. */
  parentIndent: number;
  /** Set by the first line with content. */
  contentIndent: number | null;
  /** Spaces on empty lines before the first content line (yaml rejects more than the content's). */
  leadingSpaces: number;
}

/** Splits `text` into its documents and tells which are simple. Pure. */
export function splitDocuments(text: string): SplitDocument[] {
  const everyDocumentComplex = UNUSUAL_CHARACTER.test(text.startsWith('\ufeff') ? text.slice(1) : text);
  const documents: SplitDocument[] = [];
  let checker = new DocumentChecker(0, !everyDocumentComplex);
  let lineStart = text.startsWith('\ufeff') ? 1 : 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const line = text.slice(lineStart, text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd);
    if (line.startsWith('---') && (line.length === 3 || line[3] === ' ' || line[3] === '\t')) {
      documents.push(checker.finish(lineStart));
      checker = new DocumentChecker(lineStart, !everyDocumentComplex && DOCUMENT_START.test(line));
    } else {
      checker.line(line);
    }
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  documents.push(checker.finish(text.length));
  return documents;
}

class DocumentChecker {
  private readonly stack: Collection[] = [];
  private pending: Pending | null = null;
  private block: BlockScalar | null = null;
  private plain: PlainScalar | null = null;
  private quoted: QuotedScalar | null = null;
  private rootSeen = false;
  private kind: string | null = null;
  private apiVersion: string | null = null;

  constructor(
    private readonly start: number,
    private simple: boolean,
  ) {}

  finish(end: number): SplitDocument {
    if (this.block) this.endBlockScalar();
    const simple = this.simple && this.quoted === null;
    return {
      start: this.start,
      end,
      simple,
      kind: simple ? this.kind : null,
      apiVersion: simple ? this.apiVersion : null,
    };
  }

  line(line: string): void {
    if (!this.simple) return;
    const indent = leadingSpaces(line);
    if (this.quoted) {
      this.simple = this.quotedLine(line, indent, this.quoted);
      return;
    }
    if (this.block) {
      if (this.inBlockScalar(line, indent)) return;
      // A comment that ends a block scalar yet is indented into it: leave that to yaml.
      if (line[indent] === '#' && indent > this.block.parentIndent) this.simple = false;
      this.endBlockScalar();
      if (!this.simple) return;
    }
    if (indent === line.length) return; // blank: also inside a multi-line plain scalar
    if (line[indent] === '#') {
      this.plain = null; // a comment ends a plain scalar
      return;
    }
    if (line.includes('\t') || line.startsWith('...') || line.startsWith('%')) {
      this.simple = false;
      return;
    }
    const plain = this.plain;
    if (plain && indent > plain.parentIndent) {
      this.simple = this.continuation(line.slice(indent), plain);
      return;
    }
    this.plain = null;
    this.simple = this.entry(line, indent);
  }

  /** Whether the line belongs to the open block scalar (content or an empty line). */
  private inBlockScalar(line: string, indent: number): boolean {
    const block = this.block as BlockScalar;
    if (indent === line.length) {
      if (block.contentIndent === null) block.leadingSpaces = Math.max(block.leadingSpaces, indent);
      return true;
    }
    if (block.contentIndent === null) {
      if (indent <= block.parentIndent) return false;
      block.contentIndent = indent;
      if (block.leadingSpaces > indent) this.simple = false;
      return true;
    }
    return indent >= block.contentIndent;
  }

  private endBlockScalar(): void {
    // An empty block scalar followed by more-indented blank lines: leave that to yaml.
    const block = this.block as BlockScalar;
    if (block.contentIndent === null && block.leadingSpaces > 0) this.simple = false;
    this.block = null;
  }

  /** One `key: …` or `- …` line at column `indent`; false when it is outside the subset. */
  private entry(line: string, indent: number): boolean {
    const isItem = line[indent] === '-' && (indent + 1 === line.length || line[indent + 1] === ' ');
    const pending = this.pending;
    this.pending = null;
    if (pending && (indent > pending.indent || (isItem && pending.afterKey && indent === pending.indent))) {
      this.stack.push(isItem ? { kind: 'seq', indent } : { kind: 'map', indent, keys: new Set() });
    } else {
      while ((this.stack.at(-1)?.indent ?? -1) > indent) this.stack.pop();
      const top = this.stack.at(-1);
      // `key:` then `- item` lines at the key's column: the sequence ends at the next key.
      if (!isItem && top?.kind === 'seq' && top.indent === indent) this.stack.pop();
      if (this.stack.length === 0) {
        if (this.rootSeen || indent !== 0) return false;
        this.rootSeen = true;
        this.stack.push(isItem ? { kind: 'seq', indent } : { kind: 'map', indent, keys: new Set() });
      }
    }
    const top = this.stack.at(-1) as Collection;
    if (top.indent !== indent || top.kind !== (isItem ? 'seq' : 'map')) return false;
    return isItem ? this.item(line, indent) : this.pair(line, indent, top as Collection & { kind: 'map' });
  }

  private item(line: string, indent: number): boolean {
    let at = indent + 1;
    while (line[at] === ' ') at++;
    if (at === line.length || line[at] === '#') {
      this.pending = { indent, afterKey: false };
      return true;
    }
    const rest = line.slice(at);
    if (PLAIN_KEY.test(rest) || QUOTED_KEY.test(rest)) {
      const map: Collection = { kind: 'map', indent: at, keys: new Set() };
      this.stack.push(map);
      return this.pair(line, at, map);
    }
    return this.value(rest, indent + 1);
  }

  private pair(line: string, indent: number, map: Collection & { kind: 'map' }): boolean {
    const rest = line.slice(indent);
    const plain = PLAIN_KEY.exec(rest);
    const match = plain ?? QUOTED_KEY.exec(rest);
    if (!match) return false;
    const key = match[1] ?? match[2] ?? '';
    // Only a plain `null` / `true` is not a string; quoted, it is.
    if ((plain && NOT_STRING_KEYS.has(key)) || map.keys.has(key)) return false;
    map.keys.add(key);
    const value = rest.slice(match[0].length).trimStart();
    if (value === '' || value.startsWith('#')) {
      this.pending = { indent, afterKey: true };
      return true;
    }
    const rootKey = this.stack.length === 1 && (key === 'kind' || key === 'apiVersion') ? key : null;
    if (rootKey) this[rootKey] = scalarText(value);
    return this.value(value, indent, rootKey);
  }

  /** A line of a quoted scalar opened on an earlier line. */
  private quotedLine(line: string, indent: number, quoted: QuotedScalar): boolean {
    if (indent === line.length) return true;
    if (indent <= quoted.parentIndent || line.includes('\t') || line[indent] === '#') return false;
    const text = line.slice(indent);
    const [open, end] =
      quoted.quote === '"'
        ? [DOUBLE_QUOTED_OPEN, DOUBLE_QUOTED_END]
        : [SINGLE_QUOTED_OPEN, SINGLE_QUOTED_END];
    if (end.test(text)) {
      this.quoted = null;
      return true;
    }
    // Still open: the line must hold no quote that would end it (and no escape).
    return open.test(`${quoted.quote}${text}`);
  }

  /** A more-indented line that folds into the open plain scalar. */
  private continuation(text: string, plain: PlainScalar): boolean {
    if (!CONTINUATION_START.test(text)) return false;
    if (plain.rootKey) this[plain.rootKey] = null; // its value is longer than its first line
    const comment = text.search(COMMENT);
    if (comment !== -1) this.plain = null;
    const content = (comment === -1 ? text : text.slice(0, comment)).trimEnd();
    return !content.includes(': ') && !content.endsWith(':');
  }

  /** A value on the line of its key or `-`; block scalars take the lines after it. */
  private value(value: string, parentIndent: number, rootKey: PlainScalar['rootKey'] = null): boolean {
    const first = value[0];
    if (first === '|' || first === '>') {
      if (!BLOCK_SCALAR_HEADER.test(value)) return false;
      this.block = { parentIndent, contentIndent: null, leadingSpaces: 0 };
      return true;
    }
    if (first === '"' || first === "'") {
      if ((first === '"' ? DOUBLE_QUOTED : SINGLE_QUOTED).test(value)) return true;
      if (!(first === '"' ? DOUBLE_QUOTED_OPEN : SINGLE_QUOTED_OPEN).test(value)) return false;
      this.quoted = { parentIndent, quote: first };
      if (rootKey) this[rootKey] = null; // its value is longer than its first line
      return true;
    }
    if (first === '[') return FLOW_SEQUENCE.test(value);
    if (first === '{') return FLOW_MAPPING.test(value) && hasUniqueStringKeys(value);
    if (!PLAIN_START.test(value)) return false;
    const comment = value.search(COMMENT);
    if (comment === -1) this.plain = { parentIndent, rootKey };
    const plain = (comment === -1 ? value : value.slice(0, comment)).trimEnd();
    return !plain.includes(': ') && !plain.endsWith(':');
  }
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

function leadingSpaces(line: string): number {
  let count = 0;
  while (line.charCodeAt(count) === 32) count++;
  return count;
}

/** The string a simple single-line scalar holds (null for anything that is not one). */
function scalarText(value: string): string | null {
  const double = DOUBLE_QUOTED.exec(value);
  if (double) return double[1] ?? '';
  const single = SINGLE_QUOTED.exec(value);
  if (single) return (single[1] ?? '').replaceAll("''", "'");
  if (!PLAIN_START.test(value)) return null;
  const comment = value.search(COMMENT);
  return (comment === -1 ? value : value.slice(0, comment)).trimEnd();
}

import { Document, isScalar, Pair, Scalar, type ScalarTag, type Schema, YAMLMap, YAMLSeq } from 'yaml';
import { type SplitDocument, splitDocumentsAndLines } from './simple-documents.js';

/**
 * Builds the `yaml` package's own nodes for a document that splitDocuments certified simple,
 * without running its parser: on argo-cd's install.yaml the parse of the few documents that
 * hold the requested image was most of a bump's own time. The conventions read what this
 * builds exactly as they read `yaml`'s nodes.
 *
 * A narrower subset than the certifier's, since the document is known to be valid: block
 * mappings and sequences (`- key: value` included), single-line plain and quoted scalars, empty
 * values, empty flow collections (`{}`, `[]`) and comments. Anything else (block scalars,
 * non-empty flow collections, scalars that go on over more lines) returns null, and the caller
 * parses the document with `yaml` as before.
 *
 * Equal to `yaml`'s nodes (test/unit/manifests/simple-nodes.test.ts compares them on generated
 * and real documents): types, values, sources, scalar ranges [start, end] and the start of every
 * collection. A collection's end offsets are the end of its last value's line, where `yaml`
 * would also count trailing comments: nothing in kpush reads them.
 */
export function buildSimpleDocument(
  text: string,
  start: number,
  end: number,
  schema: Schema = coreSchema(),
  keep?: SubtreeFilter,
): Document.Parsed | null {
  const builder = new NodeBuilder(text, schema);
  let lineStart = start;
  // The split document starts at its `---` line, if it has one.
  if (text.startsWith('---', lineStart)) lineStart = nextLine(text, lineStart, end);
  while (lineStart < end) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 || newline >= end ? end : newline;
    const contentEnd = text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
    const open = builder.openBlock();
    if (!builder.line(lineStart, contentEnd)) return null;
    const block = keep ? builder.openBlock() : null;
    const value = block && block !== open ? blockValue(text, lineEnd + 1, end, block) : null;
    // A `key:` (or `-`) just opened whose value `keep` rules out, its own line included: the
    // value is an empty collection of its kind, and its lines are skipped.
    if (value && !keep?.(text.slice(lineStart, value.end))) {
      builder.emptyCollection(value.start, value.isSequence);
      lineStart = value.end;
    } else {
      lineStart = lineEnd + 1;
    }
  }
  const root = builder.finish();
  if (root === null) return null;
  const document = new Document(undefined, { keepSourceTokens: false }) as unknown as Document.Parsed;
  document.contents = root;
  document.range = [start, end, end];
  return document;
}

/**
 * Whether the text of a block (a `key:` or `-` line and the lines of its value) can matter to
 * the caller; a block it rules out is not built. For bump-manifest's scan: the text holds every
 * component of a requested repository, or a marker (see documentsThatCanMatch in scan.ts).
 */
export type SubtreeFilter = (source: string) => boolean;

/**
 * The collection on the lines from `from` that is the value of the `key:` or `-` `block` opened:
 * where it starts, whether it is a sequence, and where it ends (the first line that is neither
 * blank, nor a comment, nor indented into it; an item at the key's column belongs to the key).
 * Null when no line belongs to it (the value is empty).
 */
function blockValue(
  text: string,
  from: number,
  end: number,
  block: PendingBlock,
): { start: number; isSequence: boolean; end: number } | null {
  let value: { start: number; isSequence: boolean; end: number } | null = null;
  for (let lineStart = from; lineStart < end; lineStart = nextLine(text, lineStart, end)) {
    let at = lineStart;
    while (text.charCodeAt(at) === 32) at++;
    const first = text.charCodeAt(at);
    if (at >= end || first === 10 || first === 13 || first === 35) continue; // blank or a comment
    const indent = at - lineStart;
    const isItem = first === 45 && /^-(?:[ \r\n]|$)/.test(text.slice(at, at + 2));
    if (indent < block.indent || (indent === block.indent && !(block.afterKey && isItem))) {
      if (value) value.end = lineStart;
      return value;
    }
    value ??= { start: at, isSequence: isItem, end };
  }
  return value;
}

let core: Schema | null = null;

/** The schema parseAllDocuments resolves plain scalars with by default (YAML 1.2 core). */
export function coreSchema(): Schema {
  core ??= new Document().schema;
  return core;
}

/**
 * First characters of a plain scalar that YAML 1.2 core and YAML 1.1 can only read as a
 * string: null and booleans start with one of `~nNtTfFyYoO`, numbers with a digit, a sign or
 * a dot, the merge key with `<`, and the empty scalar is null.
 */
const ALWAYS_STRING = /^[^~nNtTfFyYoO0-9+\-.<]/;

/** A simple document's place in `text` and whether its nodes are wanted (see documentsToParse). */
export type DocumentFilter = (document: SplitDocument, source: string) => boolean;

/**
 * Which documents of `text` `yaml` still has to parse: `toParse` is `text` with each simple
 * document that needs no parse turned into one comment line of the same length, so that every
 * offset yaml reports is still an offset in `text`: the documents `needed` rules out, and those
 * it wants whose nodes buildSimpleDocument built with `schema` (returned in `built`; with
 * `schema` null none are built). Only documents before the first one that is not simple: up to
 * there, yaml sees each `---` where splitDocuments does (after one it cannot check, an unclosed
 * quote could swallow the next). `toParse` is null when no document is left to parse; `lineStarts`
 * is lineStartsOf(text), read by the same pass. With `keep`, built documents leave out the blocks
 * it rules out (see SubtreeFilter).
 */
export function documentsToParse(
  text: string,
  needed: DocumentFilter,
  schema: Schema | null,
  keep?: SubtreeFilter,
): { toParse: string | null; built: Document.Parsed[]; lineStarts: number[] } {
  const parts: string[] = [];
  const built: Document.Parsed[] = [];
  let cursor = 0;
  let kept = false;
  const { documents, lineStarts } = splitDocumentsAndLines(text);
  for (const document of documents) {
    if (!document.simple) {
      return { toParse: cursor === 0 ? text : parts.join('') + text.slice(cursor), built, lineStarts };
    }
    const { start, end } = document;
    if (end - start < 2) {
      kept = true;
      continue;
    }
    if (needed(document, text.slice(start, end))) {
      const nodes = schema ? buildSimpleDocument(text, start, end, schema, keep) : null;
      if (nodes === null) {
        kept = true;
        continue;
      }
      built.push(nodes);
    }
    const lineBreak = text[end - 1] === '\n' ? '\n' : '';
    parts.push(text.slice(cursor, start), '#', ' '.repeat(end - start - 1 - lineBreak.length), lineBreak);
    cursor = end;
  }
  if (!kept) return { toParse: null, built, lineStarts };
  return { toParse: cursor === 0 ? text : parts.join('') + text.slice(cursor), built, lineStarts };
}

/** Built and parsed documents of one text, in the order they are written. */
export function inSourceOrder(documents: Document.Parsed[]): Document.Parsed[] {
  return documents.sort((a, b) => (a.range?.[0] ?? 0) - (b.range?.[0] ?? 0));
}

function nextLine(text: string, from: number, end: number): number {
  const newline = text.indexOf('\n', from);
  return newline === -1 || newline >= end ? end : newline + 1;
}

// Sticky and multi-line: matched in place in the whole text, `$` being the end of the line.
const PLAIN_KEY = /([A-Za-z_$][A-Za-z0-9_$./-]{0,250}):(?= |\r?$)/my;
const QUOTED_KEY = /(?:"([^"\\\n]{0,250})"|'([^'\n]{0,250})'):(?= |\r?$)/my;
const AFTER_VALUE = String.raw`(?: +(?:#[^\n]*)?)?\r?$`;
const DOUBLE_QUOTED = new RegExp(`"([^"\\\\\\n]*)"${AFTER_VALUE}`, 'my');
const SINGLE_QUOTED = new RegExp(`'((?:[^'\\n]|'')*)'${AFTER_VALUE}`, 'my');
/** Inside one-line flow collections: words, quoted strings without escapes, `key:` of a mapping. */
const FLOW_WORD = /[A-Za-z0-9_./+=][A-Za-z0-9_./+=-]*/y;
const FLOW_QUOTED = /"([^"\\\n]*)"|'((?:[^'\n]|'')*)'/y;
const FLOW_KEY = /([A-Za-z_$][A-Za-z0-9_$./-]{0,250}): +/y;
/** What may follow a value on its line: spaces and a comment. */
const LINE_END = new RegExp(AFTER_VALUE, 'my');

type Collection = YAMLMap.Parsed | YAMLSeq.Parsed;
type Value = Collection | Scalar.Parsed;

interface Open {
  node: Collection;
  indent: number;
}

/** A `key:` or `-` with nothing after it, at column `indent`. */
interface PendingBlock {
  indent: number;
  /** After `key:` a sequence may start at the key's own column. */
  afterKey: boolean;
}

/** A `key:` or `-` with nothing after it: its value is the next lines' collection, or null. */
interface Pending extends PendingBlock {
  /** Where `yaml` puts the empty value: the first non-space after the indicator. */
  emptyAt: number;
  attach: (node: Value) => void;
}

function matchAt(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(text);
}

class NodeBuilder {
  private readonly stack: Open[] = [];
  private root: Collection | null = null;
  private pending: Pending | null = null;
  /** Lines indented more than this continue the last scalar (a plain one) or are outside the subset. */
  private scalarIndent = -1;
  /** The last plain scalar while more lines may fold into it. */
  private plain: { node: Scalar.Parsed; blankLines: number } | null = null;
  /** End of the last value, where the open collections end so far. */
  private lastEnd = 0;

  constructor(
    private readonly text: string,
    private readonly schema: Schema,
  ) {}

  /** One line [from, to) without its line break; false when it is outside the subset. */
  line(from: number, to: number): boolean {
    const at = this.skipSpaces(from, to);
    if (at === to) {
      if (this.plain) this.plain.blankLines++;
      return true;
    }
    if (this.text[at] === '#') {
      this.plain = null; // a comment ends a plain scalar
      return true;
    }
    const indent = at - from;
    if (indent > this.scalarIndent && this.scalarIndent >= 0) return this.plain ? this.fold(at, to) : false;
    this.scalarIndent = -1;
    this.plain = null;
    const isItem = this.text[at] === '-' && (at + 1 === to || this.text[at + 1] === ' ');
    const top = this.collectionFor(indent, isItem);
    if (top === null) return false;
    return top instanceof YAMLSeq
      ? this.item(top as YAMLSeq.Parsed, at, indent, to)
      : this.pair(top as YAMLMap.Parsed, at, indent, to);
  }

  /** The `key:` or `-` the last line ended with nothing after, if any. */
  openBlock(): PendingBlock | null {
    return this.pending;
  }

  /** The open block's value: an empty mapping or sequence whose first line starts at `at`. */
  emptyCollection(at: number, isSequence: boolean): void {
    const pending = this.pending as Pending;
    this.pending = null;
    const node = this.open(isSequence, pending.indent + 1);
    node.range = [at, at, at];
    pending.attach(node);
    this.stack.pop();
    this.lastEnd = at;
  }

  finish(): Collection | null {
    const pending = this.pending;
    this.pending = null;
    if (pending) this.attachEmpty(pending);
    while (this.stack.length > 0) this.close();
    return this.root;
  }

  /** The collection a line at `indent` belongs to, opened when it is the pending value. */
  private collectionFor(indent: number, isItem: boolean): Collection | null {
    const pending = this.pending;
    this.pending = null;
    if (pending && (indent > pending.indent || (isItem && pending.afterKey && indent === pending.indent))) {
      const node = this.open(isItem, indent);
      pending.attach(node);
      return node;
    }
    if (pending) this.attachEmpty(pending);
    while ((this.stack.at(-1)?.indent ?? -1) > indent) this.close();
    const top = this.stack.at(-1);
    // `key:` then `- item` lines at the key's column: the sequence ends at the next key.
    if (!isItem && top && top.indent === indent && top.node instanceof YAMLSeq) this.close();
    if (this.stack.length === 0) {
      if (this.root !== null || indent !== 0) return null;
      this.root = this.open(isItem, indent);
      return this.root;
    }
    const current = this.stack.at(-1) as Open;
    const isSeq = current.node instanceof YAMLSeq;
    return current.indent === indent && isSeq === isItem ? current.node : null;
  }

  private open(isItem: boolean, indent: number): Collection {
    const node = (isItem ? new YAMLSeq(this.schema) : new YAMLMap(this.schema)) as Collection;
    node.range = [-1, -1, -1];
    this.stack.push({ node, indent });
    return node;
  }

  private close(): void {
    const { node } = this.stack.pop() as Open;
    node.range = [node.range[0], this.lastEnd, this.lastEnd];
  }

  /** A more-indented line that folds into the open plain scalar: one space, or a line break per blank line. */
  private fold(at: number, to: number): boolean {
    const plain = this.plain as NonNullable<NodeBuilder['plain']>;
    const line = this.text.slice(at, to);
    if (/^[-?:](?: |$)/.test(line)) return false;
    const comment = line.indexOf(' #');
    if (comment !== -1) this.plain = null;
    const content = (comment === -1 ? line : line.slice(0, comment)).trimEnd();
    if (content.includes(': ') || content.endsWith(':')) return false;
    const { node } = plain;
    const folded = `${node.source}${plain.blankLines === 0 ? ' ' : '\n'.repeat(plain.blankLines)}${content}`;
    plain.blankLines = 0;
    const resolved = this.plainScalar(folded, node.range[0], at + content.length, false);
    node.value = resolved.value;
    node.source = resolved.source;
    node.range = resolved.range;
    if (resolved.format) node.format = resolved.format;
    else delete node.format;
    this.lastEnd = at + content.length;
    return true;
  }

  /** `- …` at `at`: a scalar, an empty item, or the first key of a mapping. */
  private item(seq: YAMLSeq.Parsed, at: number, indent: number, to: number): boolean {
    if (seq.range[0] === -1) seq.range = [at, at, at];
    const value = this.skipSpaces(at + 1, to);
    if (value === to || this.text[value] === '#') {
      this.pending = { indent, afterKey: false, emptyAt: value, attach: (node) => seq.items.push(node) };
      this.lastEnd = value;
      return true;
    }
    if (matchAt(PLAIN_KEY, this.text, value) || matchAt(QUOTED_KEY, this.text, value)) {
      const column = indent + (value - at);
      const map = this.open(false, column) as YAMLMap.Parsed;
      seq.items.push(map);
      return this.pair(map, value, column, to);
    }
    const node = this.value(value, to);
    if (node === null) return false;
    seq.items.push(node);
    this.scalarIndent = indent + 1;
    return true;
  }

  /** `key: …` at `at`. */
  private pair(map: YAMLMap.Parsed, at: number, indent: number, to: number): boolean {
    if (map.range[0] === -1) map.range = [at, at, at];
    const plain = matchAt(PLAIN_KEY, this.text, at);
    const match = plain ?? matchAt(QUOTED_KEY, this.text, at);
    if (!match) return false;
    const colon = at + match[0].length - 1;
    const key = plain
      ? this.plainScalar(match[1] ?? '', at, colon, true)
      : this.quotedScalar(match[1] ?? match[2] ?? '', at, colon);
    const pair = new Pair<Scalar.Parsed, Value | null>(key, null);
    map.items.push(pair as never);
    const value = this.skipSpaces(colon + 1, to);
    if (value === to || this.text[value] === '#') {
      this.pending = {
        indent,
        afterKey: true,
        emptyAt: value,
        attach: (node) => {
          pair.value = node;
        },
      };
      this.lastEnd = value;
      return true;
    }
    const node = this.value(value, to);
    if (node === null) return false;
    pair.value = node;
    this.scalarIndent = indent;
    return true;
  }

  /** The value that starts at `at` on a line ending at `to`: a single-line scalar or `{}` / `[]`. */
  private value(at: number, to: number): Value | null {
    const first = this.text[at];
    if (first === '"' || first === "'") {
      const match = matchAt(first === '"' ? DOUBLE_QUOTED : SINGLE_QUOTED, this.text, at);
      if (!match) return null;
      const inner = match[1] ?? '';
      const end = at + inner.length + 2;
      this.lastEnd = end;
      return this.quotedScalar(inner, at, end);
    }
    if (first === '{' || first === '[') {
      const node = this.flowCollection(at, to);
      if (node) this.lastEnd = node.range[1];
      return node;
    }
    const line = this.text.slice(at, to);
    if (!PLAIN_START.test(line)) return null;
    const comment = line.indexOf(' #');
    let end = comment === -1 ? to : at + comment;
    while (end > at && this.text.charCodeAt(end - 1) === 32) end--;
    this.lastEnd = end;
    const node = this.plainScalar(this.text.slice(at, end), at, end, false);
    // Lines after it may fold into it, unless a comment has ended it.
    if (comment === -1) this.plain = { node, blankLines: 0 };
    return node;
  }

  /**
   * A one-line flow collection of words and quoted strings (`[a, "b"]`, `{ cpu: 500m }`) ending
   * its line, or null for any other flow content.
   */
  private flowCollection(at: number, to: number): Collection | null {
    const isMap = this.text[at] === '{';
    const node = (isMap ? new YAMLMap(this.schema) : new YAMLSeq(this.schema)) as Collection;
    node.flow = true;
    let cursor = this.skipSpaces(at + 1, to);
    const close = isMap ? '}' : ']';
    while (this.text[cursor] !== close) {
      if (node.items.length > 0) {
        if (this.text[cursor] !== ',') return null;
        cursor = this.skipSpaces(cursor + 1, to);
      }
      let key: Scalar.Parsed | null = null;
      if (isMap) {
        const match = matchAt(FLOW_KEY, this.text, cursor);
        if (!match) return null;
        key = this.plainScalar(match[1] ?? '', cursor, cursor + (match[1] ?? '').length, true);
        cursor = this.skipSpaces(cursor + match[0].length, to);
      }
      const item = this.flowScalar(cursor);
      if (!item) return null;
      if (key) (node as YAMLMap.Parsed).items.push(new Pair(key, item) as never);
      else (node as YAMLSeq.Parsed).items.push(item);
      cursor = this.skipSpaces(item.range[1], to);
    }
    const end = cursor + 1;
    if (!matchAt(LINE_END, this.text, end)) return null;
    node.range = [at, end, end];
    return node;
  }

  /** A word or a quoted string without escapes inside a flow collection. */
  private flowScalar(at: number): Scalar.Parsed | null {
    const word = matchAt(FLOW_WORD, this.text, at);
    if (word) return this.plainScalar(word[0], at, at + word[0].length, false);
    const quoted = matchAt(FLOW_QUOTED, this.text, at);
    if (!quoted) return null;
    const end = at + quoted[0].length;
    return this.quotedScalar(quoted[1] ?? quoted[2] ?? '', at, end);
  }

  private skipSpaces(from: number, to: number): number {
    let at = from;
    while (at < to && this.text.charCodeAt(at) === 32) at++;
    return at;
  }

  /** A plain scalar resolved the way `yaml`'s composer does: the first default tag whose test matches. */
  private plainScalar(source: string, start: number, end: number, atKey: boolean): Scalar.Parsed {
    const tag = ALWAYS_STRING.test(source) ? undefined : this.resolvingTag(source, atKey);
    const resolved = tag ? tag.resolve(source, () => {}, {} as never) : source;
    const node = (isScalar(resolved) ? resolved : new Scalar(resolved)) as Scalar.Parsed;
    node.range = [start, end, end];
    node.source = source;
    node.type = 'PLAIN';
    if (tag?.format) node.format = tag.format;
    return node;
  }

  private resolvingTag(source: string, atKey: boolean): ScalarTag | undefined {
    return this.schema.tags.find(
      (candidate) =>
        (candidate.default === true || (atKey && candidate.default === 'key')) &&
        !candidate.collection &&
        candidate.test?.test(source),
    ) as ScalarTag | undefined;
  }

  /** A quoted scalar at [start, end) whose text between the quotes is `written` (no escapes). */
  private quotedScalar(written: string, start: number, end: number): Scalar.Parsed {
    const double = this.text[start] === '"';
    const value = double ? written : written.replaceAll("''", "'");
    const node = new Scalar(value) as Scalar.Parsed;
    node.range = [start, end, end];
    node.source = value;
    node.type = double ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE';
    return node;
  }

  /** `key:` or `-` followed by nothing of its own: an empty (null) value. */
  private attachEmpty(pending: Pending): void {
    const at = pending.emptyAt;
    const node = new Scalar(null) as Scalar.Parsed;
    node.range = [at, at, at];
    node.source = '';
    node.type = 'PLAIN';
    pending.attach(node);
  }
}

/** What may start a plain scalar in this subset (the certifier has ruled out the rest). */
const PLAIN_START = /^(?:[^-?:,[\]{}#&*!|>'"%@`\s]|-\S)/;

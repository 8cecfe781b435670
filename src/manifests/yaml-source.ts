import {
  type Alias,
  Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Pair,
  type ParsedNode,
  parseAllDocuments,
  type Scalar,
  type Schema,
  type YAMLMap,
} from 'yaml';
import { YamlSyntaxError } from '../errors.js';
import {
  coreSchema,
  type DocumentFilter,
  documentsToParse,
  inSourceOrder,
  type SubtreeFilter,
} from './simple-nodes.js';

/**
 * A manifest file parsed for editing: the text stays the source of truth and every change is
 * a splice at a node's source range, so everything not edited stays byte-identical.
 */
export interface ManifestSource {
  path: string;
  text: string;
  documents: readonly Document.Parsed[];
  /** The file's own line break, used for inserted lines. */
  eol: '\n' | '\r\n';
  /** Offset where each line starts (index 0 is line 1). */
  lineStarts: readonly number[];
  /** A `.json` file: every written value and inserted key must be a JSON string. */
  json: boolean;
}

export type ParsedPair = Pair<ParsedNode, ParsedNode | null>;
export type ParsedMap = YAMLMap.Parsed<ParsedNode, ParsedNode | null>;

interface SyntaxProblem {
  offset: number;
  message: string;
}

/**
 * Whether a scan needs `document` (whose text is `source`) parsed into nodes. Called only for
 * simple documents (see simple-documents.ts): the others are always parsed.
 */
export type { DocumentFilter };

/**
 * Parses the documents `needed` selects and every document that is not simple; the first
 * syntax error in the file becomes a YamlSyntaxError. A simple document is valid YAML by
 * construction, so one the scan does not need is checked without the full parse (which costs
 * about 20 times more and made most of a bump's time on argo-cd's install.yaml), and one it
 * needs gets its nodes from buildSimpleDocument when they are in its subset (`yaml` parses the
 * rest; `nodesFrom: 'yaml'` parses them all, for the tests that compare the two). `keep` leaves
 * blocks out of built documents (see SubtreeFilter).
 */
export function parseManifestSource(
  path: string,
  text: string,
  needed: DocumentFilter = () => true,
  options: { nodesFrom?: 'builder' | 'yaml'; keep?: SubtreeFilter } = {},
): ManifestSource {
  const { toParse, built, lineStarts } = documentsToParse(
    text,
    needed,
    options.nodesFrom === 'yaml' ? null : coreSchema(),
    options.keep,
  );
  // yaml's own duplicate-key check compares each key with every earlier one (quadratic in the
  // keys of one mapping: 40k keys took 12 s); duplicateKeys() does the same check with a Set.
  // Nothing left to parse (the usual case in a large env repo): yaml's parser is not even started.
  const parsed =
    toParse === null ? [] : parseAllDocuments(toParse, { prettyErrors: false, uniqueKeys: false });
  const problems: SyntaxProblem[] = [];
  for (const error of 'errors' in parsed ? parsed.errors : [])
    problems.push({ offset: error.pos[0], message: error.message });
  for (const document of parsed) {
    for (const error of document.errors) problems.push({ offset: error.pos[0], message: error.message });
    problems.push(...duplicateKeys(document), ...unresolvedAliases(document));
  }
  const first = problems.sort((a, b) => a.offset - b.offset)[0];
  if (first) {
    const { line, column } = positionOf(text, lineStarts, first.offset);
    throw new YamlSyntaxError(path, line, column, first.message);
  }
  const documents = built.length === 0 ? parsed : inSourceOrder([...built, ...parsed]);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return { path, text, documents, eol, lineStarts, json: /\.json$/i.test(path) };
}

/** Keys repeated in one mapping (kubectl rejects them), found in one pass over the document. */
function duplicateKeys(document: Document.Parsed): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const pending: unknown[] = [document.contents];
  for (let node = pending.pop(); pending.length > 0 || node !== undefined; node = pending.pop()) {
    if (isSeq(node)) pending.push(...node.items);
    if (!isMap(node)) continue;
    const seen = new Set<string>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      pending.push(pair.value);
      // Like yaml's default check: scalar keys compare by value and type, collections never.
      const key = isScalar(pair.key) ? `${typeof pair.key.value}:${String(pair.key.value)}` : null;
      if (key === null) continue;
      if (seen.has(key)) {
        const offset = (pair.key as ParsedNode).range[0];
        problems.push({ offset, message: 'Map keys must be unique' });
      }
      seen.add(key);
    }
  }
  return problems;
}

/** Aliases with no anchor of their name before them (yaml reports them only when converting to JS). */
function unresolvedAliases(document: Document.Parsed): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const pending: unknown[] = [document.contents];
  for (let node = pending.pop(); pending.length > 0 || node !== undefined; node = pending.pop()) {
    if (isPair(node)) pending.push(node.key, node.value);
    else if (isMap(node) || isSeq(node)) pending.push(...node.items);
    else if (isAlias(node)) {
      const offset = node.range?.[0] ?? 0;
      const anchors = anchorIndex(document).get(node.source) ?? [];
      if (!anchors.some((anchor) => anchor.range[0] < offset))
        problems.push({
          offset,
          message: `Unresolved alias (the first anchor of this name must come before it): *${node.source}`,
        });
    }
  }
  return problems;
}

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1))
    starts.push(index + 1);
  return starts;
}

/** 1-based line and column of an offset (a leading BOM is not a column). */
export function positionOf(
  text: string,
  lineStarts: readonly number[],
  offset: number,
): { line: number; column: number } {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((lineStarts[middle] ?? 0) <= offset) low = middle;
    else high = middle - 1;
  }
  const lineStart = lineStarts[low] ?? 0;
  const bom = low === 0 && text.startsWith('\uFEFF') && offset > 0 ? 1 : 0;
  return { line: low + 1, column: offset - lineStart - bom + 1 };
}

export function lineOf(source: ManifestSource, offset: number): number {
  return positionOf(source.text, source.lineStarts, offset).line;
}

/** The line a splice's new text lands on (an inserted line comes after its anchor's line). */
export function spliceLine(source: ManifestSource, splice: Splice): number {
  return (
    lineOf(source, splice.start) + (splice.start === splice.end && splice.text.startsWith(source.eol) ? 1 : 0)
  );
}

// --- scalars ------------------------------------------------------------------------------

export type EditableScalar = Scalar.Parsed & { type: 'PLAIN' | 'QUOTE_SINGLE' | 'QUOTE_DOUBLE' };

/** Plain and quoted scalars can be rewritten in place; block scalars and aliases never are. */
export function asEditableScalar(node: unknown): EditableScalar | null {
  if (!isScalar(node)) return null;
  const type = node.type;
  return type === 'PLAIN' || type === 'QUOTE_SINGLE' || type === 'QUOTE_DOUBLE'
    ? (node as EditableScalar)
    : null;
}

/** The scalar's string as written (before `1.10` would turn into a float). */
export function scalarString(node: EditableScalar): string {
  return node.source;
}

/** `key:` with nothing after it: a null scalar with an empty source range. */
export function isImplicitNull(node: EditableScalar): boolean {
  return node.type === 'PLAIN' && node.source === '';
}

/** The value written as `node` would write it: same quoting, unless plain would change its type. */
export function renderLike(source: ManifestSource, node: EditableScalar, value: string): string {
  if (node.type === 'QUOTE_SINGLE') return singleQuoted(value);
  if (node.type === 'QUOTE_DOUBLE') return doubleQuoted(value);
  return newValueText(source, value);
}

/** How a new value is written: plain unless plain would not read back as the same string; JSON always quotes. */
export function newValueText(source: ManifestSource, value: string): string {
  return source.json ? doubleQuoted(value) : plainIfSafe(value);
}

export function plainIfSafe(value: string): string {
  return needsQuotes(value) ? doubleQuoted(value) : value;
}

export function singleQuoted(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function doubleQuoted(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** True when `node` already holds `value` in a form every YAML reader takes as that string. */
export function holds(node: EditableScalar, value: string): boolean {
  return scalarString(node) === value && (node.type !== 'PLAIN' || !needsQuotes(value));
}

/** Characters that are safe in a plain scalar in both block and flow context. */
const PLAIN_SAFE = /^[A-Za-z0-9_][A-Za-z0-9_./:@+-]*$/;
/** Numbers as Go YAML readers see them, beyond what the `yaml` schemas resolve. */
const NUMBER_LIKE = /^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?$/;

/**
 * Whether `value` must be quoted to stay a string: unsafe characters, or a plain form that a
 * YAML 1.2 core reader or a YAML 1.1 reader (kubectl, helm: `yes`, `0777`, `1_000`,
 * `2024-01-01`) would resolve to something else.
 */
export function needsQuotes(value: string): boolean {
  if (!PLAIN_SAFE.test(value) || value.endsWith(':') || NUMBER_LIKE.test(value)) return true;
  readerSchemas ??= [coreSchema(), new Document(null, { version: '1.1' }).schema];
  return readerSchemas.some((schema) => !readsAsString(schema, value));
}

/** The YAML 1.2 core and YAML 1.1 schemas. */
let readerSchemas: Schema[] | null = null;

/**
 * Whether a plain `value` (PLAIN_SAFE: a single plain scalar) reads as that string: no default
 * tag of the schema but the string one claims it. What parse() would say, without starting the
 * parser, which costs more than the rest of a bump's edits on a cold start.
 */
function readsAsString(schema: Schema, value: string): boolean {
  return !schema.tags.some(
    (tag) => tag.default === true && !tag.collection && tag.tag !== STRING_TAG && tag.test?.test(value),
  );
}

const STRING_TAG = 'tag:yaml.org,2002:str';

// --- edits --------------------------------------------------------------------------------

export interface Splice {
  start: number;
  end: number;
  text: string;
}

/** Replaces the scalar's value (quotes included), keeping anything around it. */
export function replaceScalar(source: ManifestSource, node: EditableScalar, text: string): Splice {
  const [start, end] = node.range;
  if (!isImplicitNull(node)) return { start, end, text };
  // `key:` / `key:  # comment`: the empty value needs a separating space and must not touch `#`.
  const before = source.text[start - 1];
  const after = source.text[start];
  const lead = before === ' ' || before === '\t' ? '' : ' ';
  const trail = after === '#' ? ' ' : '';
  return { start, end, text: `${lead}${text}${trail}` };
}

/**
 * Where a pair's text ends: the end of its value, before the line break (and any blank lines)
 * that `yaml` counts into a block collection or block scalar. A block value's own end is the
 * start of the next line: taken as is, removing the pair removed that line too.
 */
function pairEnd(text: string, pair: ParsedPair): number {
  const node = pair.value ?? pair.key;
  const [start, end] = node.range;
  let at = end;
  while (at > start && WHITESPACE.test(text[at - 1] ?? '')) at--;
  return at;
}

const WHITESPACE = /\s/;

function pairStart(pair: ParsedPair): number {
  return pair.key.range[0];
}

function lineStartBefore(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset of the line break ending the line that contains `offset` (or the end of text). */
function lineBreakAfter(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  if (newline === -1) return text.length;
  return text[newline - 1] === '\r' ? newline - 1 : newline;
}

function startsItsLine(text: string, offset: number): boolean {
  return /^[ \t]*$/.test(text.slice(lineStartBefore(text, offset), offset));
}

/** Indentation of the mapping's keys, as written by a key that starts its own line. */
function keyIndent(text: string, map: ParsedMap): string {
  for (const pair of map.items) {
    const start = pairStart(pair);
    if (startsItsLine(text, start)) return text.slice(lineStartBefore(text, start), start);
  }
  const first = map.items[0];
  return ' '.repeat(first ? pairStart(first) - lineStartBefore(text, pairStart(first)) : 0);
}

/** Inserts `key: value` right after `anchor`: a new line in block style, `, key: value` in flow style. */
export function insertPairAfter(
  source: ManifestSource,
  map: ParsedMap,
  anchor: ParsedPair,
  key: string,
  value: string,
): Splice {
  const anchorEnd = pairEnd(source.text, anchor);
  const valueText = newValueText(source, value);
  if (map.flow) {
    const keyText = source.json ? doubleQuoted(key) : key;
    return { start: anchorEnd, end: anchorEnd, text: `, ${keyText}: ${valueText}` };
  }
  const at = lineBreakAfter(source.text, anchorEnd);
  return { start: at, end: at, text: `${source.eol}${keyIndent(source.text, map)}${key}: ${valueText}` };
}

/** Removes `pair` with its line (block style) or its separating comma (flow style). */
export function removePair(source: ManifestSource, map: ParsedMap, pair: ParsedPair): Splice {
  const { text } = source;
  const index = map.items.indexOf(pair);
  const next = map.items[index + 1];
  const previous = map.items[index - 1];
  const start = pairStart(pair);
  if (!map.flow && startsItsLine(text, start)) {
    const lineStart = lineStartBefore(text, start);
    const lineEnd = text.indexOf('\n', pairEnd(text, pair));
    if (lineEnd !== -1) return { start: lineStart, end: lineEnd + 1, text: '' };
    // The last line of a file without a final line break: the break before it goes, so none is added.
    const breakBefore = lineStart > 0 && text[lineStart - 2] === '\r' ? lineStart - 2 : lineStart - 1;
    return { start: Math.max(breakBefore, 0), end: text.length, text: '' };
  }
  // First key after `- ` (block) or in `{...}`: the next key moves into its place.
  if (next && (!map.flow || !previous)) return { start, end: pairStart(next), text: '' };
  if (previous) return { start: pairEnd(text, previous), end: pairEnd(text, pair), text: '' };
  return { start, end: pairEnd(text, pair), text: '' };
}

// --- mappings -----------------------------------------------------------------------------

export function keyName(pair: ParsedPair): string | null {
  return isScalar(pair.key) && typeof pair.key.value === 'string' ? pair.key.value : null;
}

export function findPair(map: ParsedMap, key: string): ParsedPair | undefined {
  return map.items.find((pair) => keyName(pair) === key);
}

/** The string value of `key` when it is a plain or quoted scalar holding a string. */
export function stringValue(map: ParsedMap, key: string): string | null {
  const node = asEditableScalar(findPair(map, key)?.value);
  return node && typeof node.value === 'string' ? node.value : null;
}

// --- anchors, aliases and merge keys ------------------------------------------------------

/** Per document: anchor name → anchored nodes in source order (a name may be redefined). */
const anchorIndexes = new WeakMap<Document.Parsed, Map<string, ParsedNode[]>>();

function anchorIndex(document: Document.Parsed): Map<string, ParsedNode[]> {
  let index = anchorIndexes.get(document);
  if (index) return index;
  index = new Map();
  const pending: unknown[] = [document.contents];
  const anchored: ParsedNode[] = [];
  for (let node = pending.pop(); pending.length > 0 || node !== undefined; node = pending.pop()) {
    if (isPair(node)) pending.push(node.key, node.value);
    else if (isMap(node) || isSeq(node)) pending.push(...node.items);
    if ((isScalar(node) || isMap(node) || isSeq(node)) && node.anchor) anchored.push(node as ParsedNode);
  }
  for (const node of anchored.sort((a, b) => a.range[0] - b.range[0])) {
    const name = node.anchor as string;
    index.set(name, [...(index.get(name) ?? []), node]);
  }
  anchorIndexes.set(document, index);
  return index;
}

/** The node an alias stands for: the last anchor of that name before it in its document. */
export function resolveAlias(source: ManifestSource, alias: Alias): ParsedNode | null {
  const offset = alias.range?.[0] ?? 0;
  const document = source.documents.findLast((candidate) => (candidate.range?.[0] ?? 0) <= offset);
  if (!document) return null;
  const candidates = anchorIndex(document).get(alias.source) ?? [];
  return candidates.findLast((node) => node.range[0] < offset) ?? null;
}

/** A node with its alias (if it is one) followed. */
export function dereference(source: ManifestSource, node: ParsedNode | null | undefined): ParsedNode | null {
  if (node === null || node === undefined) return null;
  return isAlias(node) ? resolveAlias(source, node) : node;
}

/** A key's pair, found in the mapping itself or inherited through merge keys (`<<: *base`). */
export interface FoundPair {
  pair: ParsedPair;
  /** Offset of the `<<` key the pair was inherited through; null when the mapping holds it. */
  mergedAt: number | null;
}

const MAX_MERGE_DEPTH = 16;

/** `key` in `map`, else in the mappings merged into it (YAML 1.1 merge keys, which kubectl and helm read). */
export function lookupPair(source: ManifestSource, map: ParsedMap, key: string, depth = 0): FoundPair | null {
  const own = findPair(map, key);
  if (own) return { pair: own, mergedAt: null };
  if (depth > MAX_MERGE_DEPTH) return null;
  for (const merge of map.items) {
    if (keyName(merge) !== '<<') continue;
    for (const merged of mergedMaps(source, merge.value)) {
      const found = lookupPair(source, merged, key, depth + 1);
      if (found) return { pair: found.pair, mergedAt: found.mergedAt ?? merge.key.range[0] };
    }
  }
  return null;
}

function mergedMaps(source: ManifestSource, value: ParsedNode | null): ParsedMap[] {
  const items = isSeq(value) ? (value.items as ParsedNode[]) : [value];
  return items.map((item) => dereference(source, item)).filter((node): node is ParsedMap => isMap(node));
}

/** The string value of `key` (own or merged) when it is a plain or quoted scalar holding a string. */
export function lookupString(source: ManifestSource, map: ParsedMap, key: string): string | null {
  const node = asEditableScalar(dereference(source, lookupPair(source, map, key)?.pair.value));
  return node && typeof node.value === 'string' ? node.value : null;
}

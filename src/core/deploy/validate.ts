import {
  Document,
  isMap,
  isNode,
  isSeq,
  parseAllDocuments,
  type Schema,
  type Tags,
  type YAMLError,
} from 'yaml';
import { ManifestValidationError, YamlSyntaxError } from '../../errors.js';
import { documentsToParse, inSourceOrder } from '../../manifests/simple-nodes.js';
import { lineStartsOf, positionOf } from '../../manifests/yaml-source.js';
import {
  describeObject,
  type KubeObject,
  type Manifest,
  type ManifestProblem,
  type ObjectId,
  objectKey,
  type SourceLocation,
  splitApiVersion,
} from './types.js';

/** A document (or List item) as parsed, before it is known to be a valid Kubernetes object. */
export interface ParsedObject {
  object: unknown;
  /** 1-based line where the document's content (or the List item) starts. */
  line: number;
}

/** Any rendered document with its location; a `Manifest` is one too, so it can be re-checked. */
export interface RenderedDocument {
  object: unknown;
  source: SourceLocation;
}

/** The label ApplySet tooling (kubectl --applyset, kpush) puts on each member object. */
const NOTHING_APPLIED = 'Fix the YAML; nothing was applied.';

export const APPLYSET_PART_OF_LABEL = 'applyset.kubernetes.io/part-of';

/**
 * Parses a YAML (or JSON) stream the way kubectl reads it: YAML 1.1 scalars (`0644` is octal,
 * `yes` a boolean) without 1.1's sexagesimals and timestamps, which Go's YAML readers keep as
 * strings. Empty documents are dropped and `List`s flattened. Throws YamlSyntaxError on the first
 * syntax error, duplicate keys included.
 */
export function parseManifestStream(
  text: string,
  file: string,
  options: { nodesFrom?: 'builder' | 'yaml' } = {},
): { objects: ParsedObject[] } {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  // Simple documents (most rendered manifests) get their nodes without yaml's parser, which
  // was most of a 300-object deploy's time before its first request (simple-nodes.ts).
  const { toParse, built } = documentsToParse(
    source,
    () => true,
    options.nodesFrom === 'yaml' ? null : kubectlSchema(),
  );
  const parsed =
    toParse === null
      ? []
      : parseAllDocuments(toParse, { version: '1.1', customTags: kubectlScalars, prettyErrors: false });
  const lineStarts = lineStartsOf(source);
  const lineAt = (offset: number) => positionOf(source, lineStarts, offset);
  const errors: YAMLError[] = [...('errors' in parsed ? parsed.errors : [])];
  for (const document of parsed) errors.push(...document.errors);
  const first = errors.sort((a, b) => a.pos[0] - b.pos[0])[0];
  if (first) {
    const { line, column } = lineAt(first.pos[0]);
    throw new YamlSyntaxError(file, line, column, first.message, NOTHING_APPLIED);
  }
  const objects: ParsedObject[] = [];
  for (const document of inSourceOrder([...built, ...('errors' in parsed ? [] : parsed)])) {
    if (document.contents === null) continue;
    const start = lineAt(document.contents.range[0]);
    const object = toPlainValue(document, file, start);
    if (object === null || object === undefined) continue;
    objects.push(...flattenList(object, document.contents, start.line, lineAt));
  }
  return { objects };
}

let kubectl: Schema | null = null;

/** The schema parseManifestStream reads with: YAML 1.1 with kubectl's scalars. */
function kubectlSchema(): Schema {
  kubectl ??= new Document(null, { version: '1.1', customTags: kubectlScalars }).schema;
  return kubectl;
}

/** The document as JSON-like data; an alias bomb (billion laughs) is refused, not expanded. */
function toPlainValue(
  document: Document.Parsed,
  file: string,
  start: { line: number; column: number },
): unknown {
  try {
    return document.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // An alias bomb (ReferenceError), a merge key of a scalar (`<<: *x`, Error): the document's
    // YAML cannot be read as an object, which is the author's to fix.
    throw new YamlSyntaxError(file, start.line, start.column, (error as Error).message, NOTHING_APPLIED);
  }
}

/** Keeps the tags Go's YAML 1.1 reader resolves to JSON values; drops binary, sets, times. */
function kubectlScalars(tags: Tags): Tags {
  const jsonLike = new Set(['map', 'seq', 'str', 'null', 'bool', 'int', 'float', 'merge']);
  return tags.filter((tag) => {
    if (typeof tag === 'string') return false;
    return jsonLike.has(tag.tag.replace('tag:yaml.org,2002:', '')) && tag.format !== 'TIME';
  });
}

/** `kind: List` (or `FooList`) with `items`: each item, at its own line, recursively. */
function flattenList(
  object: unknown,
  node: unknown,
  line: number,
  lineAt: (offset: number) => { line: number },
): ParsedObject[] {
  if (!isListObject(object)) return [{ object, line }];
  // `items: *alias` has no sequence of its own here: its items take the List's line.
  const itemsNode = isMap(node) ? node.get('items', true) : null;
  return object.items.flatMap((item, index) => {
    const itemNode = isSeq(itemsNode) ? itemsNode.items[index] : null;
    const itemLine = isNode(itemNode) && itemNode.range ? lineAt(itemNode.range[0]).line : line;
    return flattenList(item, itemNode, itemLine, lineAt);
  });
}

function isListObject(object: unknown): object is { kind: string; items: unknown[] } {
  return (
    isRecord(object) &&
    typeof object.kind === 'string' &&
    object.kind.endsWith('List') &&
    Array.isArray(object.items)
  );
}

/**
 * Whether a file is meant as Kubernetes manifests: some document names an apiVersion or kind.
 * Files with none (Helm values, CI config, package.json) are skipped, not rejected.
 */
export function looksLikeKubernetes(objects: readonly ParsedObject[]): boolean {
  return objects.some(({ object }) => isRecord(object) && ('apiVersion' in object || 'kind' in object));
}

/** Every problem across all documents, in input order: nothing is applied while any remains. */
export function validateManifests(documents: readonly RenderedDocument[]): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const firstSeen = new Map<string, SourceLocation>();
  for (const { object, source } of documents) {
    const objectProblems = problemsOf(object);
    problems.push(...objectProblems.map((message) => ({ ...source, message })));
    if (objectProblems.length > 0 || !isRecord(object)) continue;
    const id = objectIdOf(object as KubeObject);
    const key = objectKey(id);
    const earlier = firstSeen.get(key);
    if (earlier) {
      problems.push({
        ...source,
        message: `${describeObject(id)} is also defined at ${earlier.file}:${earlier.line}`,
        related: earlier,
      });
    } else firstSeen.set(key, source);
  }
  return problems;
}

/** Validates and returns the documents as Manifests; throws ManifestValidationError listing all problems. */
export function toValidManifests(documents: readonly RenderedDocument[]): Manifest[] {
  const problems = validateManifests(documents);
  if (problems.length > 0) throw new ManifestValidationError(problems);
  return documents.map(({ object, source }) => {
    const kubeObject = object as KubeObject;
    return { id: objectIdOf(kubeObject), object: kubeObject, source };
  });
}

/** The identity as written; `namespace` is '' when the manifest names none. */
export function objectIdOf(object: KubeObject): ObjectId {
  const { group, version } = splitApiVersion(object.apiVersion);
  const namespace = object.metadata.namespace;
  return {
    group,
    version,
    kind: object.kind,
    namespace: namespace ?? '',
    name: object.metadata.name ?? '',
  };
}

function problemsOf(object: unknown): string[] {
  if (!isRecord(object)) return [`expected a Kubernetes object (a mapping), found ${describeValue(object)}`];
  const problems = [...requiredString(object, 'apiVersion'), ...requiredString(object, 'kind')];
  const metadata = object.metadata;
  if (!isRecord(metadata)) {
    problems.push(metadata === undefined ? 'missing metadata.name' : 'metadata must be a mapping');
    return problems;
  }
  problems.push(...nameProblems(metadata));
  if (metadata.namespace !== undefined && typeof metadata.namespace !== 'string')
    problems.push(`metadata.namespace must be a string, found ${describeValue(metadata.namespace)}`);
  const partOf = isRecord(metadata.labels) ? metadata.labels[APPLYSET_PART_OF_LABEL] : undefined;
  if (partOf !== undefined) {
    problems.push(
      `carries the label ${APPLYSET_PART_OF_LABEL}=${String(partOf)}, so another tool's ApplySet owns it; remove the label from the manifest`,
    );
  }
  return problems;
}

function requiredString(object: Record<string, unknown>, field: string): string[] {
  const value = object[field];
  if (value === undefined || value === null || value === '') return [`missing ${field}`];
  return typeof value === 'string' ? [] : [`${field} must be a string, found ${describeValue(value)}`];
}

function nameProblems(metadata: Record<string, unknown>): string[] {
  const { name, generateName } = metadata;
  if (typeof name === 'string' && name !== '') return [];
  if (name !== undefined && name !== null && name !== '')
    return [`metadata.name must be a string, found ${describeValue(name)}`];
  if (generateName !== undefined)
    return ['metadata.generateName without metadata.name: server-side apply needs a fixed name'];
  return ['missing metadata.name'];
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `${typeof value} ${JSON.stringify(value)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import { type Document, isMap, isPair, isSeq, type ParsedNode } from 'yaml';
import { keyName, type ParsedMap, stringValue } from './yaml-source.js';

/** Kinds whose payload is opaque data, never a manifest field. */
const DATA_KINDS = new Set(['ConfigMap', 'Secret']);
const DATA_KEYS = new Set(['data', 'stringData', 'binaryData']);
const METADATA_MAPS = new Set(['annotations', 'labels']);

/**
 * Calls `visit` for every mapping the conventions may edit, with the keys leading to it.
 * Skips the places a reference is only data: `metadata.annotations` / `metadata.labels` at any
 * depth, the `data` / `stringData` / `binaryData` of ConfigMaps and Secrets, and whole
 * CustomResourceDefinitions (an `image` there is a schema's property or example; kustomize
 * skips CRDs too).
 */
export function forEachEditableMap(
  document: Document.Parsed,
  visit: (map: ParsedMap, path: readonly string[]) => void,
): void {
  walkEditable(document.contents, [], visit);
}

function walkEditable(
  node: ParsedNode | null,
  path: readonly string[],
  visit: (map: ParsedMap, path: readonly string[]) => void,
): void {
  if (isSeq(node)) {
    for (const item of node.items) walkEditable(item as ParsedNode | null, [...path, '-'], visit);
    return;
  }
  if (!isMap(node)) return;
  const map = node as ParsedMap;
  if (isCustomResourceDefinition(map)) return;
  visit(map, path);
  const isData = DATA_KINDS.has(stringValue(map, 'kind') ?? '');
  for (const pair of map.items) {
    const key = keyName(pair) ?? '';
    if (path.at(-1) === 'metadata' && METADATA_MAPS.has(key)) continue;
    if (isData && DATA_KEYS.has(key)) continue;
    walkEditable(pair.value, [...path, key], visit);
  }
}

/**
 * Calls `visit` for every value node in the document (mapping values and sequence items, not
 * keys), including the places `forEachEditableMap` skips: markers are explicit and work anywhere.
 */
export function forEachValue(document: Document.Parsed, visit: (node: ParsedNode) => void): void {
  walkValues(document.contents, visit);
}

function walkValues(node: ParsedNode | null, visit: (node: ParsedNode) => void): void {
  if (node === null) return;
  visit(node);
  if (isMap(node))
    for (const pair of node.items) if (isPair(pair)) walkValues(pair.value as ParsedNode | null, visit);
  if (isSeq(node)) for (const item of node.items) walkValues(item as ParsedNode | null, visit);
}

function isCustomResourceDefinition(map: ParsedMap): boolean {
  return (
    stringValue(map, 'kind') === 'CustomResourceDefinition' &&
    (stringValue(map, 'apiVersion') ?? '').startsWith('apiextensions.k8s.io/')
  );
}

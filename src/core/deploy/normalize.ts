import type { KubeObject } from './types.js';
import { splitApiVersion } from './types.js';

/**
 * What counts as a change. Both sides of the comparison deploy makes come from the API server (the
 * live object and the server-side dry-run result), so server defaults never differ; what remains
 * is bookkeeping the server rewrites on every write, and a few spellings of the same thing.
 */

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Written by the server on every change (or never by the user); noise in any comparison. */
const SERVER_METADATA_FIELDS = [
  'managedFields',
  'resourceVersion',
  'generation',
  'uid',
  'creationTimestamp',
  'selfLink',
] as const;

/** Annotations controllers add to a PVC once they bind it (kapp keeps them too). */
const PVC_CONTROLLER_ANNOTATIONS = [
  'pv.kubernetes.io/bind-completed',
  'pv.kubernetes.io/bound-by-controller',
  'volume.beta.kubernetes.io/storage-provisioner',
  'volume.kubernetes.io/storage-provisioner',
  'volume.kubernetes.io/selected-node',
];

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `Secret` in the core group: the only kind whose values are masked. */
export function isSecret(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
  return obj.kind === 'Secret' && splitApiVersion(obj.apiVersion).group === '';
}

/**
 * A copy of `obj` fit for comparing: server bookkeeping, `status` and kubectl's last-applied
 * annotation dropped; Secret `stringData` folded into `data`; port protocols defaulted to TCP.
 * With `live`, values the cluster assigned (Service clusterIP, PVC volumeName, caBundles,
 * aggregated ClusterRole rules) are copied into `obj` where it leaves them out, as kapp does, so
 * a manifest compared with the live object does not report them as removed.
 */
export function normalizeForCompare(obj: KubeObject, live?: KubeObject | null): KubeObject {
  const copy = structuredClone(obj);
  delete copy.status;
  normalizeMetadata(copy);
  if (isSecret(copy)) foldStringData(copy);
  defaultPortProtocols(copy);
  if (live && live.kind === copy.kind) keepClusterSetValues(copy, live);
  return copy;
}

/**
 * True when the dry-run result would change nothing: labels, annotations and everything outside
 * `metadata` and `status` are semantically equal (key order ignored), as Flux decides
 * "unchanged". Such an object is not sent, so its resourceVersion is not bumped.
 */
export function isUnchanged(live: KubeObject, dryRunResult: KubeObject): boolean {
  const before = normalizeForCompare(live);
  const after = normalizeForCompare(dryRunResult, live);
  return (
    deepEqual(before.metadata.labels ?? {}, after.metadata.labels ?? {}) &&
    deepEqual(before.metadata.annotations ?? {}, after.metadata.annotations ?? {}) &&
    deepEqual(withoutMetadata(before), withoutMetadata(after))
  );
}

/** Structural equality of JSON values; key order does not matter, array order does. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => deepEqual(item, b[index]));
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const keysA = definedKeys(a);
  const keysB = definedKeys(b);
  return keysA.length === keysB.length && keysA.every((key) => key in b && deepEqual(a[key], b[key]));
}

/** A key whose value is `undefined` is absent in JSON. */
function definedKeys(record: JsonRecord): string[] {
  return Object.keys(record).filter((key) => record[key] !== undefined);
}

function withoutMetadata(obj: KubeObject): JsonRecord {
  const { metadata: _metadata, status: _status, ...rest } = obj;
  return rest;
}

function normalizeMetadata(obj: KubeObject): void {
  const metadata = obj.metadata;
  for (const field of SERVER_METADATA_FIELDS) delete metadata[field];
  if (metadata.annotations) {
    delete metadata.annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
  }
  if (metadata.labels && Object.keys(metadata.labels).length === 0) delete metadata.labels;
}

/** The API server does the same on write: `stringData` is a write-only convenience for `data`. */
function foldStringData(secret: KubeObject): void {
  const stringData = secret.stringData;
  if (!isRecord(stringData)) return;
  const data: JsonRecord = isRecord(secret.data) ? secret.data : {};
  for (const [key, value] of Object.entries(stringData)) {
    if (typeof value === 'string') data[key] = Buffer.from(value, 'utf8').toString('base64');
  }
  secret.data = data;
  delete secret.stringData;
}

/** `protocol` defaults to TCP on Service ports and container ports; spelled out or not is the same. */
function defaultPortProtocols(obj: KubeObject): void {
  const spec = obj.spec;
  if (!isRecord(spec)) return;
  if (obj.kind === 'Service') defaultProtocol(spec.ports);
  for (const podSpec of podSpecsOf(obj)) {
    for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
      const containers = podSpec[field];
      if (!Array.isArray(containers)) continue;
      for (const container of containers) if (isRecord(container)) defaultProtocol(container.ports);
    }
  }
}

function defaultProtocol(ports: unknown): void {
  if (!Array.isArray(ports)) return;
  for (const port of ports) if (isRecord(port) && port.protocol === undefined) port.protocol = 'TCP';
}

/** The pod specs an object carries: a Pod's own, a workload's template, a CronJob's job template. */
export function podSpecsOf(obj: KubeObject): JsonRecord[] {
  const spec = obj.spec;
  if (!isRecord(spec)) return [];
  if (obj.kind === 'Pod') return [spec];
  const candidates = [
    pathOf(spec, ['template', 'spec']),
    pathOf(spec, ['jobTemplate', 'spec', 'template', 'spec']),
  ];
  return candidates.filter(isRecord);
}

/** The value at `path`, or undefined when any step is missing or not an object. */
export function pathOf(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

function keepClusterSetValues(obj: KubeObject, live: KubeObject): void {
  switch (obj.kind) {
    case 'Service':
      keepFields(obj, live, ['spec'], ['clusterIP', 'clusterIPs', 'healthCheckNodePort']);
      keepServiceNodePorts(obj, live);
      break;
    case 'PersistentVolumeClaim':
      keepFields(obj, live, ['spec'], ['volumeName']);
      keepAnnotations(obj, live, PVC_CONTROLLER_ANNOTATIONS);
      break;
    case 'MutatingWebhookConfiguration':
    case 'ValidatingWebhookConfiguration':
      keepWebhookCaBundles(obj, live);
      break;
    case 'CustomResourceDefinition':
      keepFields(obj, live, ['spec', 'conversion', 'webhook', 'clientConfig'], ['caBundle']);
      break;
    case 'APIService':
      keepFields(obj, live, ['spec'], ['caBundle']);
      break;
    case 'ClusterRole':
      // The aggregation controller owns `rules` of an aggregated ClusterRole.
      if (obj.aggregationRule !== undefined && obj.rules === undefined)
        obj.rules = structuredClone(live.rules);
      break;
  }
}

/** Copies `fields` of the object at `path` from `live` where `obj` does not set them. */
function keepFields(
  obj: KubeObject,
  live: KubeObject,
  path: readonly string[],
  fields: readonly string[],
): void {
  const from = pathOf(live, path);
  const to = pathOf(obj, path);
  if (!isRecord(from) || !isRecord(to)) return;
  for (const field of fields) {
    if (to[field] === undefined && from[field] !== undefined) to[field] = structuredClone(from[field]);
  }
}

function keepAnnotations(obj: KubeObject, live: KubeObject, keys: readonly string[]): void {
  const liveAnnotations = live.metadata.annotations ?? {};
  for (const key of keys) {
    const value = liveAnnotations[key];
    if (value === undefined || obj.metadata.annotations?.[key] !== undefined) continue;
    obj.metadata.annotations = { ...obj.metadata.annotations, [key]: value };
  }
}

/** A nodePort the cluster allocated, matched by port name, else by port number. */
function keepServiceNodePorts(obj: KubeObject, live: KubeObject): void {
  const ports = pathOf(obj, ['spec', 'ports']);
  const livePorts = pathOf(live, ['spec', 'ports']);
  if (!Array.isArray(ports) || !Array.isArray(livePorts)) return;
  for (const port of ports) {
    if (!isRecord(port) || port.nodePort !== undefined) continue;
    const match = livePorts.find(
      (livePort) =>
        isRecord(livePort) && (port.name ? livePort.name === port.name : livePort.port === port.port),
    );
    if (isRecord(match) && match.nodePort !== undefined) port.nodePort = match.nodePort;
  }
}

function keepWebhookCaBundles(obj: KubeObject, live: KubeObject): void {
  const webhooks = obj.webhooks;
  const liveWebhooks = live.webhooks;
  if (!Array.isArray(webhooks) || !Array.isArray(liveWebhooks)) return;
  for (const webhook of webhooks) {
    if (!isRecord(webhook)) continue;
    const match = liveWebhooks.find((candidate) => isRecord(candidate) && candidate.name === webhook.name);
    const clientConfig = webhook.clientConfig;
    const caBundle = pathOf(match, ['clientConfig', 'caBundle']);
    if (isRecord(clientConfig) && clientConfig.caBundle === undefined && caBundle !== undefined) {
      clientConfig.caBundle = caBundle;
    }
  }
}

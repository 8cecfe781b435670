/**
 * Types every layer of deploy shares: the render adapter produces `Manifest`s, the pure planners
 * (order, normalise/diff, status, applyset, record) take and return plain data built from these,
 * and the kube adapter speaks them. Nothing here imports anything, so no arrow runs back up.
 */

/** A Kubernetes object as JSON: what a manifest holds and what the API server returns. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  [field: string]: unknown;
}

export interface KubeMetadata {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  generation?: number;
  uid?: string;
  deletionTimestamp?: string;
  creationTimestamp?: string;
  managedFields?: ManagedFieldsEntry[];
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  [field: string]: unknown;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** Where a rendered object came from, for `file:line` in errors. `line` is 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
}

/**
 * Identity of an object. `group` is '' for the core group. `namespace` is '' for cluster-scoped
 * objects, and for namespaced objects whose manifest names none until the default is filled in.
 */
export interface ObjectId {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
}

/** One object of the render, with where it came from. */
export interface Manifest {
  id: ObjectId;
  object: KubeObject;
  source: SourceLocation;
}

/** What deploy did (or, in a dry run, would do) with one object. */
export type ObjectAction = 'created' | 'configured' | 'unchanged' | 'pruned' | 'failed';

/** kstatus' vocabulary (cli-utils), plus NotFound for an object that vanished while waiting. */
export type RolloutStatus = 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';

export interface StatusResult {
  status: RolloutStatus;
  /** One line a person can act on, e.g. "2 of 3 replicas available". */
  message: string;
  /** Machine-readable cause where known: ImagePullBackOff, CrashLoopBackOff, Unschedulable, ... */
  reason?: string;
}

/** `apps/v1` → group `apps`, version `v1`; `v1` → group '', version `v1`. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash === -1
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** `Deployment.apps`, `Service` (core): the form kubectl and ApplySet annotations use. */
export function groupKind(id: Pick<ObjectId, 'group' | 'kind'>): string {
  return id.group ? `${id.kind}.${id.group}` : id.kind;
}

/** `Deployment/web -n shop`-style text for logs and errors: `apps/Deployment shop/web`. */
export function describeObject(id: ObjectId): string {
  const kind = groupKind(id);
  return id.namespace ? `${kind} ${id.namespace}/${id.name}` : `${kind} ${id.name}`;
}

/** A stable key for maps and de-duplication (version is not part of identity). */
export function objectKey(id: Pick<ObjectId, 'group' | 'kind' | 'namespace' | 'name'>): string {
  return `${id.group}|${id.kind}|${id.namespace}|${id.name}`;
}

/** One thing wrong with a rendered object, at its `file:line`; nothing is applied while any remains. */
export interface ManifestProblem extends SourceLocation {
  message: string;
  /** The other location, e.g. of the first definition of a duplicate object. */
  related?: SourceLocation;
}

/** Why a pod is not Ready, in words a person can act on; `container` names the culprit if one. */
export interface PodProblem {
  /** Kubelet's or the scheduler's reason: CrashLoopBackOff, ImagePullBackOff, Unschedulable, ... */
  reason: string;
  message: string;
  container?: string;
}

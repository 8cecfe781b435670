import { createHash } from 'node:crypto';
import { KpushError } from '../../errors.js';
import { deleteOrder } from './order.js';
import type { KubeObject, ObjectId } from './types.js';
import { groupKind, objectKey } from './types.js';

/**
 * ApplySet bookkeeping as kubectl implements it (`staging/src/k8s.io/kubectl/pkg/cmd/apply/
 * applyset.go`), so `kubectl apply --prune --applyset` and kpush can read each other's sets:
 * the parent's id label and annotations, the members' label, and what may be pruned.
 */

export const APPLYSET_PART_OF_LABEL = 'applyset.kubernetes.io/part-of';
export const APPLYSET_ID_LABEL = 'applyset.kubernetes.io/id';
export const APPLYSET_TOOLING_ANNOTATION = 'applyset.kubernetes.io/tooling';
export const APPLYSET_GROUP_KINDS_ANNOTATION = 'applyset.kubernetes.io/contains-group-kinds';
export const APPLYSET_ADDITIONAL_NAMESPACES_ANNOTATION = 'applyset.kubernetes.io/additional-namespaces';

/** Never pruned, whatever the set says: deleting one takes the cluster's system objects with it. */
export const PROTECTED_NAMESPACES: ReadonlySet<string> = new Set([
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
]);

export const KPUSH_TOOL_NAME = 'kpush';

/**
 * `applyset-<base64url(sha256("<name>.<namespace>.<kind>.<group>"))>-v1`, unpadded. The core
 * group is '', so a Secret parent's input ends in ".".
 */
export function applySetId(name: string, namespace: string, kind = 'Secret', group = ''): string {
  const digest = createHash('sha256')
    .update([name, namespace, kind, group].join('.'), 'utf8')
    .digest('base64url');
  return `applyset-${digest}-v1`;
}

/** kubectl's field manager for the parent: `<tool>-applyset`. */
export function applySetFieldManager(toolName = KPUSH_TOOL_NAME): string {
  return `${toolName}-applyset`;
}

/** What a set holds: group-kinds as `Kind` or `Kind.group`, and namespaces (cluster scope is ''). */
export interface ApplySetContents {
  groupKinds: string[];
  namespaces: string[];
}

/** The group-kinds and namespaces of the given objects, sorted and de-duplicated. */
export function contentsOf(ids: readonly Pick<ObjectId, 'group' | 'kind' | 'namespace'>[]): ApplySetContents {
  return {
    groupKinds: sortedUnique(ids.map(groupKind)),
    namespaces: sortedUnique(ids.map((id) => id.namespace).filter((namespace) => namespace !== '')),
  };
}

export interface ParentSpec {
  name: string;
  namespace: string;
  /** kpush's version, for `applyset.kubernetes.io/tooling: kpush/<version>`. */
  version: string;
  contents: ApplySetContents;
  /** 'Secret' (default, as kubectl) or 'ConfigMap'. */
  kind?: 'Secret' | 'ConfigMap';
  toolName?: string;
}

/**
 * The parent object to server-side apply: the id label and the three annotations, always all
 * present (an empty list is an empty set, not "unknown"), namespaces without the parent's own.
 */
export function parentObject(spec: ParentSpec): KubeObject {
  const kind = spec.kind ?? 'Secret';
  return {
    apiVersion: 'v1',
    kind,
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels: { [APPLYSET_ID_LABEL]: applySetId(spec.name, spec.namespace, kind) },
      annotations: {
        [APPLYSET_TOOLING_ANNOTATION]: `${spec.toolName ?? KPUSH_TOOL_NAME}/${spec.version}`,
        [APPLYSET_GROUP_KINDS_ANNOTATION]: sortedUnique(spec.contents.groupKinds).join(','),
        [APPLYSET_ADDITIONAL_NAMESPACES_ANNOTATION]: sortedUnique(
          spec.contents.namespaces.filter((namespace) => namespace !== spec.namespace && namespace !== ''),
        ).join(','),
      },
    },
  };
}

export interface ParsedParent extends ApplySetContents {
  /** The tooling annotation as written (`kubectl/v1.31.0`), or null when missing. */
  tooling: string | null;
}

/**
 * The set recorded on a live parent. Namespaces are the additional ones only: the parent's own
 * namespace is always part of the set and is for the caller to add.
 */
export function parseParent(annotations: Readonly<Record<string, string>> | undefined): ParsedParent {
  return {
    groupKinds: splitList(annotations?.[APPLYSET_GROUP_KINDS_ANNOTATION]),
    namespaces: splitList(annotations?.[APPLYSET_ADDITIONAL_NAMESPACES_ANNOTATION]),
    tooling: annotations?.[APPLYSET_TOOLING_ANNOTATION] ?? null,
  };
}

/**
 * What the parent records before the apply: the old set ∪ the new one, so that objects of a kind
 * or namespace this run drops stay findable (and prunable) if the run dies halfway.
 */
export function superset(
  oldAnnotations: Readonly<Record<string, string>> | undefined,
  newIds: readonly Pick<ObjectId, 'group' | 'kind' | 'namespace'>[],
): ApplySetContents {
  const old = parseParent(oldAnnotations);
  const added = contentsOf(newIds);
  return {
    groupKinds: sortedUnique([...old.groupKinds, ...added.groupKinds]),
    namespaces: sortedUnique([...old.namespaces, ...added.namespaces]),
  };
}

/**
 * A copy of `obj` labelled as a member of set `id`. An input that sets the label itself is refused
 * (as kubectl does): it could claim membership of, and so pruning by, another set.
 */
export function withMembershipLabel(obj: KubeObject, id: string): KubeObject {
  if (obj.metadata.labels?.[APPLYSET_PART_OF_LABEL] !== undefined) {
    throw new KpushError(
      'E_APPLYSET_LABEL',
      `${obj.kind} ${obj.metadata.name ?? ''}: the ApplySet label "${APPLYSET_PART_OF_LABEL}" is already set in the manifest`,
      { hint: 'Remove the label from the manifest; kpush sets it on every object it applies.' },
    );
  }
  const copy = structuredClone(obj);
  copy.metadata.labels = { ...copy.metadata.labels, [APPLYSET_PART_OF_LABEL]: id };
  return copy;
}

/**
 * Why kpush may not write a parent another tool manages, or null when it may. The tool is the
 * annotation up to its last `/`, as kubectl reads it; a parent without the annotation is refused.
 */
export function checkTooling(
  annotation: string | undefined,
  ourTool: string = KPUSH_TOOL_NAME,
): string | null {
  if (annotation === undefined) {
    return `the ApplySet parent exists but has no "${APPLYSET_TOOLING_ANNOTATION}" annotation: it was not created as an ApplySet parent`;
  }
  const slash = annotation.lastIndexOf('/');
  const tool = slash === -1 ? annotation : annotation.slice(0, slash);
  if (tool === ourTool) return null;
  return `the ApplySet parent is managed by "${tool}", not "${ourTool}"`;
}

/** Why the parent's id label does not fit this name/namespace, or null when it does. */
export function checkParentId(
  labels: Readonly<Record<string, string>> | undefined,
  expectedId: string,
): string | null {
  const id = labels?.[APPLYSET_ID_LABEL];
  if (id === undefined) return `the ApplySet parent exists but has no "${APPLYSET_ID_LABEL}" label`;
  if (id !== expectedId)
    return `the ApplySet parent's "${APPLYSET_ID_LABEL}" label is ${id}, expected ${expectedId}`;
  return null;
}

/** A live object found by listing with `part-of=<id>`. */
export interface LiveMember {
  id: ObjectId;
  uid?: string;
}

export interface PruneOptions {
  /** Allow pruning Namespaces and CRDs (deleting one deletes everything in it / all its objects). */
  includeNamespacesAndCrds?: boolean;
  /** UIDs of the objects this run applied: the same object listed under another group is not pruned. */
  appliedUids?: Iterable<string>;
  /** Allow pruning when nothing was applied; otherwise an empty render prunes nothing. */
  allowEmpty?: boolean;
}

export interface PruneSkip {
  id: ObjectId;
  reason: string;
}

export interface PrunePlan {
  /** In deletion order. */
  prune: ObjectId[];
  /** Members that are not in the render but are kept, and why. */
  skipped: PruneSkip[];
}

/** The members this run did not apply, minus those it must never delete without an opt-in. */
export function pruneCandidates(
  liveMembers: readonly LiveMember[],
  appliedIds: readonly ObjectId[],
  options: PruneOptions = {},
): PrunePlan {
  const applied = new Set(appliedIds.map(objectKey));
  const appliedUids = new Set(options.appliedUids ?? []);
  const prune: ObjectId[] = [];
  const skipped: PruneSkip[] = [];
  for (const member of liveMembers) {
    if (applied.has(objectKey(member.id)) || (member.uid !== undefined && appliedUids.has(member.uid)))
      continue;
    const reason = keepReason(member.id, appliedIds.length === 0, options);
    if (reason) skipped.push({ id: member.id, reason });
    else prune.push(member.id);
  }
  return { prune: deleteOrder(prune), skipped };
}

function keepReason(id: ObjectId, nothingApplied: boolean, options: PruneOptions): string | null {
  if (id.kind === 'Namespace' && id.group === '' && PROTECTED_NAMESPACES.has(id.name)) {
    return `namespace ${id.name} is never pruned`;
  }
  if (nothingApplied && !options.allowEmpty) {
    return 'nothing was applied: an empty render does not prune the whole set unless allowed';
  }
  if (!options.includeNamespacesAndCrds && isNamespaceOrCrd(id)) {
    return `${id.kind} is pruned only when Namespaces and CRDs are explicitly included`;
  }
  return null;
}

function isNamespaceOrCrd(id: ObjectId): boolean {
  return (
    (id.kind === 'Namespace' && id.group === '') ||
    (id.kind === 'CustomResourceDefinition' && id.group === 'apiextensions.k8s.io')
  );
}

function splitList(annotation: string | undefined): string[] {
  if (!annotation) return [];
  return sortedUnique(annotation.split(',').filter((item) => item !== ''));
}

/** Sorted by code unit, as Go's sort.Strings, so the annotations match kubectl's byte for byte. */
function sortedUnique(items: readonly string[]): string[] {
  return [...new Set(items)].sort((a, b) => (a === b ? 0 : a < b ? -1 : 1));
}

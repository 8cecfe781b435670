/**
 * Deciding "unchanged" without asking the server, when it is certain. Server-side apply of a
 * configuration by a manager is a no-op when (1) the fields that manager owns are exactly the
 * fields of the configuration and (2) every value in the configuration already equals the live
 * value: nothing would be added, changed or released. Both facts are in the live object: its
 * managedFields entry (fieldsV1) names the owned fields, with the keys of associative lists.
 *
 * This is a fast path only. Whenever the check cannot prove (1) and (2) - unknown list shapes,
 * values the server canonicalises (`0.5` vs `500m`), write-only fields such as Secret
 * stringData - it answers false and the server dry-run decides. Server defaults are never
 * compared: they are in live but not in the configuration, and not owned by this manager.
 */
import { deepEqual, isRecord } from './normalize.js';
import type { KubeObject } from './types.js';

type FieldSet = Record<string, unknown>;

/** true only when applying `desired` as `fieldManager` would certainly change nothing. */
export function provablyUnchanged(live: KubeObject, desired: KubeObject, fieldManager: string): boolean {
  if (live.apiVersion !== desired.apiVersion || live.kind !== desired.kind) return false;
  const entries = live.metadata.managedFields ?? [];
  const ours = entries.filter(
    (entry) => entry.manager === fieldManager && entry.operation === 'Apply' && !entry.subresource,
  );
  if (ours.length !== 1 || ours[0]?.apiVersion !== desired.apiVersion) return false;
  const owned = ours[0].fieldsV1;
  if (!isRecord(owned)) return false;
  // Identity fields are not tracked in managedFields.
  const { apiVersion: _a, kind: _k, metadata, ...rest } = desired;
  const { name: _n, namespace: _ns, ...trackedMetadata } = metadata;
  const tracked: Record<string, unknown> = { ...rest };
  if (Object.keys(trackedMetadata).length > 0) tracked.metadata = trackedMetadata;
  return sameMap(tracked, owned, live as Record<string, unknown>);
}

/** A map: its keys are exactly the owned `f:` keys, and each value matches. */
function sameMap(desired: Record<string, unknown>, owned: FieldSet, live: unknown): boolean {
  if (!isRecord(live)) return false;
  const ownedKeys = Object.keys(owned).filter((key) => key !== '.');
  if (ownedKeys.some((key) => !key.startsWith('f:'))) return false;
  const desiredKeys = Object.keys(desired).filter((key) => desired[key] !== undefined);
  if (desiredKeys.length !== ownedKeys.length) return false;
  return desiredKeys.every((key) => {
    const fields = owned[`f:${key}`];
    return isRecord(fields) && sameValue(desired[key], fields, live[key]);
  });
}

function sameValue(desired: unknown, owned: FieldSet, live: unknown): boolean {
  const children = Object.keys(owned).filter((key) => key !== '.');
  // A leaf: a scalar, an atomic map or list, or an empty map - owned whole, compared whole.
  if (children.length === 0) return deepEqual(desired, live);
  if (Array.isArray(desired)) return sameList(desired, owned, children, live);
  if (isRecord(desired)) return sameMap(desired, owned, live);
  return false;
}

/** Associative lists (`k:{...}` per item) and sets (`v:` per value); index-tracked lists are not proven. */
function sameList(desired: unknown[], owned: FieldSet, children: string[], live: unknown): boolean {
  if (!Array.isArray(live) || children.length !== desired.length) return false;
  if (children.every((key) => key.startsWith('v:'))) {
    const values = children.map((key) => parseJson(key.slice(2)));
    return (
      desired.every((item) => values.some((value) => deepEqual(value, item))) &&
      desired.every((item) => live.some((value) => deepEqual(value, item)))
    );
  }
  if (!children.every((key) => key.startsWith('k:'))) return false;
  const keys = children.map((key) => ({ key, fields: parseJson(key.slice(2)) }));
  let lastLiveIndex = -1;
  for (const item of desired) {
    if (!isRecord(item)) return false;
    const matching = keys.filter(({ fields }) => isRecord(fields) && keyMatches(fields, item));
    if (matching.length !== 1) return false;
    const [{ key, fields }] = matching as [{ key: string; fields: Record<string, unknown> }];
    const liveIndex = live.findIndex((candidate) => isRecord(candidate) && liveKeyMatches(fields, candidate));
    // Items must already be in the configuration's order, or the apply could reorder them.
    if (liveIndex <= lastLiveIndex) return false;
    lastLiveIndex = liveIndex;
    const itemFields = owned[key];
    if (!isRecord(itemFields) || !sameMap(item, itemFields, live[liveIndex])) return false;
  }
  return true;
}

/** The configuration's item names the key, or leaves out a key field the server defaults. */
function keyMatches(key: Record<string, unknown>, item: Record<string, unknown>): boolean {
  return Object.entries(key).every(
    ([field, value]) => item[field] === undefined || deepEqual(item[field], value),
  );
}

function liveKeyMatches(key: Record<string, unknown>, item: Record<string, unknown>): boolean {
  return Object.entries(key).every(([field, value]) => deepEqual(item[field], value));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

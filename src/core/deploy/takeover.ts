/**
 * Taking over objects first applied client-side (`kubectl apply` without --server-side, or
 * `kubectl create/edit`). Their fields belong to managers such as `kubectl-client-side-apply`;
 * a server-side apply that drops such a field could never remove it, leaving stale fields.
 * As Flux does (fluxcd/kustomize-controller#486), their managedFields entries are merged into
 * kpush's Apply entry before the first apply. Never another GitOps tool's fields.
 */
import type { KubeObject, ManagedFieldsEntry } from './types.js';

/** Managers whose ownership kpush inherits: client-side kubectl and pre-SSA bookkeeping. */
const CLIENT_SIDE_MANAGERS = new Set([
  'kubectl-client-side-apply',
  'kubectl',
  'before-first-apply',
  'kubectl-create',
]);

function isClientSide(entry: ManagedFieldsEntry): boolean {
  return (
    entry.subresource === undefined &&
    entry.manager !== undefined &&
    CLIENT_SIDE_MANAGERS.has(entry.manager) &&
    (entry.operation === 'Update' || entry.manager === 'kubectl')
  );
}

/**
 * The JSON patch that moves client-side ownership to `fieldManager`, or null when there is
 * nothing to take over. `test` on resourceVersion makes it fail rather than overwrite a change
 * made in between.
 */
export function takeoverPatch(live: KubeObject, fieldManager: string): unknown[] | null {
  const entries = live.metadata.managedFields ?? [];
  const inherited = entries.filter(isClientSide);
  if (inherited.length === 0) return null;
  const ours = entries.find((entry) => entry.manager === fieldManager && entry.operation === 'Apply');
  let fields: Record<string, unknown> = ours?.fieldsV1 ?? {};
  for (const entry of inherited) fields = mergeFieldSets(fields, entry.fieldsV1 ?? {});
  const merged: ManagedFieldsEntry = {
    manager: fieldManager,
    operation: 'Apply',
    apiVersion: live.apiVersion,
    time: ours?.time ?? inherited[0]?.time ?? new Date(0).toISOString(),
    fieldsType: 'FieldsV1',
    fieldsV1: fields,
  };
  const kept = entries.filter((entry) => entry !== ours && !inherited.includes(entry));
  return [
    { op: 'test', path: '/metadata/resourceVersion', value: live.metadata.resourceVersion },
    { op: 'replace', path: '/metadata/managedFields', value: [...kept, merged] },
  ];
}

/** Union of two fieldsV1 sets (nested maps whose leaves are `{}`). */
export function mergeFieldSets(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = out[key];
    out[key] =
      isPlainObject(existing) && isPlainObject(value) ? mergeFieldSets(existing, value) : (existing ?? value);
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Turns the API server's refusals into what a person can act on: which field, owned by whom,
 * and the way out. Pure: takes the parsed Status, returns text.
 */
import { describeObject, type ObjectId } from './types.js';

export interface ApiRefusal {
  status: number;
  reason: string;
  message: string;
  causes: { reason?: string; message?: string; field?: string }[];
}

export interface Explained {
  code: string;
  message: string;
  hint: string;
}

export interface FieldConflict {
  field: string;
  manager: string;
}

/** `conflict with "kubectl-edit" using apps/v1` + field `.spec.replicas` → {field, manager}. */
export function fieldConflicts(refusal: ApiRefusal): FieldConflict[] {
  return refusal.causes
    .filter((cause) => cause.reason === 'FieldManagerConflict')
    .map((cause) => ({
      field: cause.field ?? '(unknown field)',
      manager: /conflict with "([^"]+)"/.exec(cause.message ?? '')?.[1] ?? 'another manager',
    }));
}

/** Fields the server refuses to change in place (selector, Job template, clusterIP, ...). */
export function immutableFields(refusal: ApiRefusal): string[] {
  if (refusal.status !== 422) return [];
  return refusal.causes
    .filter((cause) => /immutable|may not change once set|cannot be changed/i.test(cause.message ?? ''))
    .map((cause) => cause.field ?? '(unknown field)');
}

export function explainRefusal(id: ObjectId, refusal: ApiRefusal): Explained {
  const what = describeObject(id);
  const conflicts = fieldConflicts(refusal);
  if (refusal.status === 409 && conflicts.length > 0) {
    const owners = conflicts.map((conflict) => `${conflict.field} (owned by ${conflict.manager})`).join(', ');
    return {
      code: 'E_APPLY_CONFLICT',
      message: `${what}: ${conflicts.length === 1 ? 'a field is' : `${conflicts.length} fields are`} managed by another tool: ${owners}`,
      hint: 'Someone changed these fields outside the env repo: make the repo agree, or pass --force-conflicts to take ownership.',
    };
  }
  const immutable = immutableFields(refusal);
  if (immutable.length > 0) {
    const kind = id.kind.toLowerCase();
    const scope = id.namespace ? ` -n ${id.namespace}` : '';
    return {
      code: 'E_APPLY_IMMUTABLE',
      message: `${what}: ${immutable.join(', ')} cannot be changed on an existing object`,
      hint: `Recreate it (kubectl delete ${kind}/${id.name}${scope}, then deploy again), or give the new version another name.`,
    };
  }
  const detail = safeMessage(id, refusal);
  if (refusal.status === 422 || refusal.status === 400) {
    return {
      code: 'E_APPLY_INVALID',
      message: `${what}: the API server rejected it: ${detail}`,
      hint: 'Fix the manifest; nothing of this stage was applied.',
    };
  }
  if (refusal.status === 403) {
    return {
      code: 'E_KUBE_FORBIDDEN',
      message: `${what}: ${detail}`,
      hint: 'Grant the deploying identity RBAC rights for this kind.',
    };
  }
  return {
    code: `E_KUBE_${refusal.reason.toUpperCase() || refusal.status}`,
    message: `${what}: ${detail}`,
    hint: 'See the message above; rerun with --verbose for each request.',
  };
}

/**
 * The server's message, minus the values it quotes when the object is a Secret: an invalid
 * Secret must not print its data (kubernetes/kubernetes#87840).
 */
function safeMessage(id: ObjectId, refusal: ApiRefusal): string {
  if (id.kind !== 'Secret') return refusal.message;
  const fields = refusal.causes.map((cause) => cause.field).filter(Boolean);
  return fields.length > 0
    ? `invalid ${fields.join(', ')} (values hidden)`
    : `${refusal.reason || 'invalid'} (values hidden)`;
}

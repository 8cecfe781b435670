/**
 * A HorizontalPodAutoscaler owns its target's `spec.replicas` through the scale subresource;
 * applying a replica count would fight it (kubernetes/kubernetes#25238). Pure: which workloads
 * are autoscaled, and the object to apply for one.
 */
import { type KubeObject, objectKey, splitApiVersion } from './types.js';

interface ScaleTargetRef {
  apiVersion?: string;
  kind?: string;
  name?: string;
}

/** Keys (objectKey) of the workloads some HPA targets, from live HPAs and those being deployed. */
export function autoscaledWorkloads(hpas: readonly KubeObject[]): Set<string> {
  const keys = new Set<string>();
  for (const hpa of hpas) {
    const ref = (hpa.spec as { scaleTargetRef?: ScaleTargetRef } | undefined)?.scaleTargetRef;
    if (!ref?.kind || !ref.name) continue;
    const { group } = splitApiVersion(ref.apiVersion ?? 'apps/v1');
    keys.add(objectKey({ group, kind: ref.kind, namespace: hpa.metadata.namespace ?? '', name: ref.name }));
  }
  return keys;
}

/** The object without `spec.replicas`, so the HPA keeps the count it chose. */
export function withoutReplicas(object: KubeObject): KubeObject {
  const spec = object.spec as Record<string, unknown> | undefined;
  if (!spec || !('replicas' in spec)) return object;
  const { replicas: _dropped, ...rest } = spec;
  return { ...object, spec: rest };
}

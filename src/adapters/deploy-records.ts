/**
 * Deploy records kept in the cluster, beside the ApplySet parent: one Secret per deploy
 * (`kpush.<app>.<record id>`), written when the deploy starts and completed when it ends, the
 * newest 10 kept, as Helm keeps release history. `kpush history` reads them back, so "what runs
 * here, since when, from which commits, deployed by whom" needs nothing but the cluster.
 */
import type { AuditRecord } from '../core/deploy/record.js';
import type { KubeObject } from '../core/deploy/types.js';
import type { KubeClient } from './kube.js';

export const RECORD_LABEL_APP = 'kpush.dev/app';
export const RECORD_LABEL_KIND = 'kpush.dev/record';
const RECORD_TYPE = 'kpush.dev/deploy-record';
export const RECORDS_KEPT = 10;
/** Secrets hold at most 1 MiB: a record lists at most this many objects in the cluster. */
const MAX_OBJECTS_IN_CLUSTER = 2000;

export interface ClusterRecords {
  start(
    record: Pick<AuditRecord, 'id'> & Partial<AuditRecord> & { target: AuditRecord['cluster'] },
  ): Promise<void>;
  complete(record: AuditRecord): Promise<void>;
}

export async function openRecords(
  client: KubeClient,
  options: { app: string; namespace: string; fieldManager: string },
): Promise<ClusterRecords> {
  const write = (id: string, record: Partial<AuditRecord>) =>
    client.apply(recordSecret(options.app, options.namespace, id, record), {
      fieldManager: `${options.fieldManager}-record`,
      force: true,
      dryRun: false,
    });
  return {
    async start({ target, ...record }) {
      await write(record.id, {
        ...record,
        cluster: target,
        result: 'running',
        finishedAt: null,
        durationMs: null,
        objects: [],
        error: null,
      });
    },
    async complete(record) {
      // The trim reads names only and the record being completed is already there: both at once.
      await Promise.all([write(record.id, record), trim(client, options.app, options.namespace)]);
    },
  };
}

function recordSecret(app: string, namespace: string, id: string, record: Partial<AuditRecord>): KubeObject {
  const objects = record.objects ?? [];
  const stored =
    objects.length > MAX_OBJECTS_IN_CLUSTER
      ? { ...record, objects: objects.slice(0, MAX_OBJECTS_IN_CLUSTER), objectsTruncated: objects.length }
      : record;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: RECORD_TYPE,
    metadata: {
      name: recordName(app, id),
      namespace,
      labels: {
        [RECORD_LABEL_APP]: app,
        [RECORD_LABEL_KIND]: 'deploy',
        'kpush.dev/result': record.result ?? 'running',
      },
    },
    data: { record: Buffer.from(JSON.stringify(stored)).toString('base64') },
  };
}

export function recordName(app: string, id: string): string {
  return `kpush.${app}.${id}`;
}

/** Records of `app` in `namespace` ('' = every namespace), newest first; unreadable ones are skipped. */
export async function readRecords(
  client: KubeClient,
  app: string,
  namespace: string,
): Promise<AuditRecord[]> {
  const list = await client.list('v1', 'Secret', namespace, {
    labelSelector: `${RECORD_LABEL_APP}=${app},${RECORD_LABEL_KIND}=deploy`,
  });
  const records: AuditRecord[] = [];
  for (const secret of list.items) {
    const encoded = (secret.data as Record<string, string> | undefined)?.record;
    if (!encoded) continue;
    try {
      records.push(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as AuditRecord);
    } catch {
      // A record someone edited by hand: history shows the others.
    }
  }
  return records.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id));
}

/**
 * Deletes all but the newest RECORDS_KEPT records, found from their names and labels alone
 * (a full list downloads every record: at 300 objects each, most of a deploy's tail).
 */
async function trim(client: KubeClient, app: string, namespace: string): Promise<void> {
  const { items } = await client.list(
    'v1',
    'Secret',
    namespace,
    { labelSelector: `${RECORD_LABEL_APP}=${app},${RECORD_LABEL_KIND}=deploy` },
    { metadataOnly: true },
  );
  const prefix = recordName(app, '');
  const ids = items
    .map((secret) => secret.metadata.name ?? '')
    .filter((name) => name.startsWith(prefix))
    .map((name) => name.slice(prefix.length));
  for (const id of oldestFirst(ids).slice(0, Math.max(0, ids.length - RECORDS_KEPT))) {
    await client.delete(
      { group: '', version: 'v1', kind: 'Secret', namespace, name: recordName(app, id) },
      {
        dryRun: false,
      },
    );
  }
}

/** Record ids start with their UTC start time (`20261124t231546z-…`, newRecordId): they sort by it. */
export function oldestFirst(ids: readonly string[]): string[] {
  return [...ids].sort();
}

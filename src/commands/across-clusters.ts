import { readGithubEvent } from '../adapters/ci.js';
import { detectCi } from '../core/ci-env.js';
import { type AuditRecord, RECORD_SCHEMA } from '../core/deploy/record.js';
import { KpushError } from '../errors.js';
import {
  type DeployDeps,
  type EnvSource,
  localUser,
  newRecordId,
  type RecordBase,
  writeRecordSinks,
} from './deploy.js';

/** What every deploy request has that this flow reads. */
export interface ClustersRequest {
  app: string;
  path?: string | undefined;
  namespace?: string | undefined;
  contexts: string[];
  auditFile?: string | undefined;
}

export interface ClusterJobBase {
  context: string | undefined;
  /** Prefix for log lines when several clusters deploy at once. */
  label: string | undefined;
  recordId: string;
}

/** Who, from which commits, with which flags: the part of the record every cluster shares. */
export async function recordBase(
  mode: AuditRecord['mode'],
  request: ClustersRequest,
  source: EnvSource,
  flags: Record<string, string | boolean | number>,
  deps: DeployDeps,
  started: Date,
): Promise<RecordBase> {
  const ci = detectCi(deps.env, await readGithubEvent(deps.env));
  return {
    schema: RECORD_SCHEMA,
    app: request.app,
    mode,
    startedAt: started.toISOString(),
    kpushVersion: __KPUSH_VERSION__,
    actor: ci.actor ?? deps.env.USER ?? deps.env.LOGNAME ?? localUser(),
    ci: { provider: ci.provider, runUrl: ci.runUrl },
    source: source.trailers,
    envRepo: { url: source.url, commit: source.commit, path: request.path ?? '.', dirty: source.dirty },
    flags,
  };
}

/**
 * Prepares once (render, validate, find helm...), then deploys to each context in parallel and
 * writes every record to the audit file and step summary. Bad input never reaches a cluster,
 * but the attempt is still on record.
 */
export async function acrossClusters<P, R extends { record: AuditRecord }>(
  request: ClustersRequest,
  deps: DeployDeps,
  base: RecordBase,
  prepare: () => Promise<P>,
  deployOne: (prepared: P, job: ClusterJobBase) => Promise<R>,
  failedInput: (record: AuditRecord) => AuditRecord = (record) => record,
): Promise<{ ok: boolean; records: AuditRecord[]; clusters: R[] }> {
  let prepared: P;
  try {
    prepared = await prepare();
  } catch (error) {
    await writeRecordSinks(
      [failedInput(inputFailureRecord(base, request, deps.now(), error))],
      request,
      deps,
    );
    throw error;
  }
  const contexts = request.contexts.length > 0 ? request.contexts : [undefined];
  const started = new Date(base.startedAt);
  const clusters = await Promise.all(
    contexts.map((context) =>
      deployOne(prepared, {
        context,
        label: contexts.length > 1 ? context : undefined,
        recordId: newRecordId(started),
      }),
    ),
  );
  const records = clusters.map((cluster) => cluster.record);
  await writeRecordSinks(records, request, deps);
  return { ok: records.every((record) => record.result !== 'failed'), records, clusters };
}

function inputFailureRecord(
  base: RecordBase,
  request: ClustersRequest,
  finished: Date,
  error: unknown,
): AuditRecord {
  const failure = error instanceof KpushError ? error : new KpushError('E_INTERNAL', String(error));
  return {
    ...base,
    id: newRecordId(new Date(base.startedAt)),
    result: 'failed',
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - Date.parse(base.startedAt),
    cluster: { server: 'not contacted', context: request.contexts.join(',') || 'current' },
    namespace: request.namespace ?? '',
    objects: [],
    summary: { created: 0, configured: 0, unchanged: 0, pruned: 0, failed: 0 },
    error: { code: failure.code, message: failure.message },
  };
}

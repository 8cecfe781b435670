/**
 * The audit record: one per deploy and cluster, successful or not. Its shape is the contract
 * for --audit-file (one JSON line per record), --json, the GitHub step summary and the record
 * objects kept in the cluster for `kpush history`. Pure: building and rendering only.
 */
import type { ObjectAction, RolloutStatus } from './types.js';

export const RECORD_SCHEMA = 'kpush.dev/deploy-record/v1';

export type DeployResult = 'running' | 'succeeded' | 'failed' | 'dry-run';

export interface RecordedObject {
  kind: string;
  group: string;
  namespace: string;
  name: string;
  action: ObjectAction | 'pending';
  status: RolloutStatus | 'Skipped';
  message?: string;
}

export interface AuditRecord {
  schema: typeof RECORD_SCHEMA;
  id: string;
  app: string;
  mode: 'apply' | 'helm';
  result: DeployResult;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  kpushVersion: string;
  actor: string | null;
  ci: { provider: string | null; runUrl: string | null };
  /** The app build that produced this env state, from the env commit's Kpush-Source-* trailers. */
  source: { repo: string | null; commit: string | null };
  envRepo: { url: string | null; commit: string | null; path: string; dirty: boolean };
  cluster: { server: string; context: string };
  namespace: string;
  /** Flags that change what a deploy does. */
  flags: Record<string, string | boolean | number>;
  objects: RecordedObject[];
  summary: { created: number; configured: number; unchanged: number; pruned: number; failed: number };
  error: { code: string; message: string } | null;
  /** A deploy made by `kpush rollback`: the env commits it went from and to, and why. */
  rollback?: {
    from: string | null;
    to: string;
    reason: string | null;
    method: 'revert' | 'restore' | 'helm';
  };
  /** Helm mode only: the release and what helm made of it. */
  helm?: HelmRecord;
}

export interface HelmRecord {
  release: string;
  /** The chart as given: a path relative to the deploy directory, `repo/chart` or `oci://…`. */
  chart: string;
  chartVersion: string | null;
  /** The revision this deploy created (the failed one when helm rolled back); null before helm ran. */
  revision: number | null;
  /** The revision helm rolled back to, when it did. */
  rolledBackTo?: number;
  /** helm's own output (stdout and stderr, redacted, tail kept when long). */
  output?: string;
}

export function summarize(objects: readonly RecordedObject[]): AuditRecord['summary'] {
  const count = (action: ObjectAction) => objects.filter((object) => object.action === action).length;
  return {
    created: count('created'),
    configured: count('configured'),
    unchanged: count('unchanged'),
    pruned: count('pruned'),
    failed: count('failed'),
  };
}

/** `Deployment/web` or `Deployment.apps shop/web`: short, for tables. */
export function recordedName(object: RecordedObject): string {
  const kind = object.group ? `${object.kind}.${object.group}` : object.kind;
  return object.namespace ? `${kind} ${object.namespace}/${object.name}` : `${kind} ${object.name}`;
}

/** Markdown for GITHUB_STEP_SUMMARY: the outcome, provenance, then one row per object. */
export function recordMarkdown(record: AuditRecord): string {
  const icon = record.result === 'succeeded' ? '✅' : record.result === 'failed' ? '❌' : 'ℹ️';
  const s = record.summary;
  const lines = [
    `### ${icon} kpush deploy ${cell(record.app)} → ${cell(record.cluster.context)}: ${record.result}`,
    '',
    `${s.created} created, ${s.configured} configured, ${s.unchanged} unchanged, ${s.pruned} pruned, ${s.failed} failed` +
      (record.durationMs === null ? '' : ` in ${(record.durationMs / 1000).toFixed(1)}s`),
    '',
    '| | |',
    '|---|---|',
    `| cluster | ${cell(record.cluster.server)} (context ${cell(record.cluster.context)}) |`,
    `| namespace | ${cell(record.namespace)} |`,
    `| env repo | ${cell(record.envRepo.url ?? '(local directory)')} @ ${cell(record.envRepo.commit ?? 'not a git checkout')}${record.envRepo.dirty ? ' (dirty)' : ''} |`,
    `| source | ${cell(record.source.repo ?? 'unknown')} @ ${cell(record.source.commit ?? 'unknown')} |`,
    `| actor | ${cell(record.actor ?? 'unknown')} |`,
    `| record | ${cell(record.id)} |`,
  ];
  if (record.rollback) {
    const from = record.rollback.from ? ` from ${cell(record.rollback.from)}` : '';
    lines.push(
      `| rollback | to ${cell(record.rollback.to)}${from}${record.rollback.reason ? `: ${cell(record.rollback.reason)}` : ''} |`,
    );
  }
  if (record.error) lines.push(`| error | ${cell(record.error.message)} |`);
  lines.push('', '| object | action | status | detail |', '|---|---|---|---|');
  for (const object of record.objects) {
    lines.push(
      `| ${cell(recordedName(object))} | ${object.action} | ${object.status} | ${cell(object.message ?? '')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Text inside a markdown table cell: no pipes, no newlines, no HTML. */
function cell(text: string): string {
  return text
    .replace(/[|\\]/g, '\\$&')
    .replace(/[\r\n]+/g, ' ')
    .replace(/</g, '&lt;');
}

/** `kpush history` rows, newest first. */
export function historyLines(records: readonly AuditRecord[]): string[] {
  const header = ['STARTED', 'RESULT', 'ENV COMMIT', 'SOURCE COMMIT', 'ACTOR', 'OBJECTS', 'DURATION'];
  const rows = records.map((record) => [
    record.startedAt.replace(/\.\d+Z$/, 'Z'),
    record.rollback ? `${record.result} (rollback to ${record.rollback.to.slice(0, 12)})` : record.result,
    (record.envRepo.commit ?? '-').slice(0, 12),
    (record.source.commit ?? '-').slice(0, 12),
    record.actor ?? '-',
    `${record.summary.created}+ ${record.summary.configured}~ ${record.summary.pruned}-`,
    record.durationMs === null ? '-' : `${(record.durationMs / 1000).toFixed(1)}s`,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  return [header, ...rows].map((row) =>
    row
      .map((value, column) => value.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

import type { ClusterDeployResult } from './deploy-cluster.js';

/** The closing line of one cluster's deploy, for people (stderr). */
export function diffSummary(cluster: ClusterDeployResult, named: boolean): string {
  const { record } = cluster;
  const s = record.summary;
  const where = named ? `[${record.cluster.context}] ` : '';
  const seconds = record.durationMs === null ? '' : ` in ${(record.durationMs / 1000).toFixed(1)}s`;
  if (record.result === 'dry-run') {
    return `${where}dry run: ${s.created} to create, ${s.configured} to configure, ${s.unchanged} unchanged, ${s.pruned} to prune on ${record.cluster.context}; nothing was changed`;
  }
  const counts = `${s.created} created, ${s.configured} configured, ${s.unchanged} unchanged, ${s.pruned} pruned${s.failed ? `, ${s.failed} failed` : ''}`;
  if (record.result === 'failed')
    return `${where}deploy of ${record.app} to ${record.cluster.context} failed${seconds}: ${counts} (record ${record.id})`;
  return `${where}deployed ${record.app} to ${record.cluster.context}${seconds}: ${counts} (record ${record.id})`;
}

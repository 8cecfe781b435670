/**
 * The helm command lines kpush runs, and the reading of helm's answers: pure, so every flag
 * choice per helm version is unit-tested without a binary. The adapter (src/adapters/helm.ts)
 * only runs what this module builds.
 */

export interface HelmVersion {
  major: number;
  minor: number;
  patch: number;
  /** As helm printed it, e.g. `v4.2.3`. */
  text: string;
}

/** `helm version --template '{{.Version}}'` → `v4.2.3`; null when that is not a version. */
export function parseHelmVersion(output: string): HelmVersion | null {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.+-]*)?$/.exec(output.trim());
  if (!match) return null;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), text: output.trim() };
}

/** The flags that differ between helm versions. */
export interface HelmFeatures {
  /** Helm 4 renamed `--atomic` to `--rollback-on-failure` (the old name is a deprecated alias). */
  rollbackFlag: '--rollback-on-failure' | '--atomic';
  /** Helm 4's `--wait` takes a strategy; `watcher` is kstatus, as kpush waits. */
  waitFlag: '--wait=watcher' | '--wait';
  /** `--dry-run=server` (helm ≥ 3.13) runs `lookup` against the cluster; older helm has a bare flag. */
  dryRunFlag: '--dry-run=server' | '--dry-run';
  /** `--hide-secret` (helm ≥ 3.13) keeps Secrets out of dry-run output. */
  hideSecret: boolean;
}

export function helmFeatures(version: HelmVersion): HelmFeatures {
  const modern = version.major > 3 || (version.major === 3 && version.minor >= 13);
  return {
    rollbackFlag: version.major >= 4 ? '--rollback-on-failure' : '--atomic',
    waitFlag: version.major >= 4 ? '--wait=watcher' : '--wait',
    dryRunFlag: modern ? '--dry-run=server' : '--dry-run',
    hideSecret: modern,
  };
}

/** Which cluster helm talks to: names of files and contexts only, never credentials. */
export interface HelmTarget {
  namespace: string;
  kubeconfig?: string | undefined;
  kubeContext?: string | undefined;
}

export interface HelmUpgrade {
  release: string;
  /** A local path (absolute by now), `repo/chart`, an `oci://` or `https://` reference. */
  chart: string;
  /** Absolute paths, in the order given: later files win, as helm merges them. */
  valuesFiles: readonly string[];
  set: readonly string[];
  chartVersion?: string | undefined;
  timeoutMs: number;
  wait: boolean;
  historyMax: number;
}

/** `helm upgrade --install` that waits (kstatus) and rolls back on failure; output as text. */
export function upgradeArgs(upgrade: HelmUpgrade, features: HelmFeatures, target: HelmTarget): string[] {
  return [
    ...commonUpgradeArgs(upgrade, target),
    '--create-namespace',
    '--history-max',
    String(upgrade.historyMax),
    '--timeout',
    helmDuration(upgrade.timeoutMs),
    // Rolling back needs the wait's verdict: without --wait there is nothing to roll back on.
    ...(upgrade.wait ? [features.waitFlag, features.rollbackFlag] : []),
  ];
}

/** The same upgrade as a server-side dry run, the release (with its manifest) as JSON. */
export function dryRunArgs(upgrade: HelmUpgrade, features: HelmFeatures, target: HelmTarget): string[] {
  return [
    ...commonUpgradeArgs(upgrade, target),
    features.dryRunFlag,
    ...(features.hideSecret ? ['--hide-secret'] : []),
    '--timeout',
    helmDuration(upgrade.timeoutMs),
    '--output',
    'json',
  ];
}

function commonUpgradeArgs(upgrade: HelmUpgrade, target: HelmTarget): string[] {
  return [
    'upgrade',
    '--install',
    upgrade.release,
    upgrade.chart,
    ...targetArgs(target),
    ...(upgrade.chartVersion ? ['--version', upgrade.chartVersion] : []),
    ...upgrade.valuesFiles.flatMap((file) => ['--values', file]),
    ...upgrade.set.flatMap((pair) => ['--set', pair]),
  ];
}

export function historyArgs(release: string, target: HelmTarget): string[] {
  return ['history', release, ...targetArgs(target), '--output', 'json'];
}

export function manifestArgs(release: string, target: HelmTarget): string[] {
  return ['get', 'manifest', release, ...targetArgs(target)];
}

function targetArgs(target: HelmTarget): string[] {
  return [
    '--namespace',
    target.namespace,
    ...(target.kubeconfig ? ['--kubeconfig', target.kubeconfig] : []),
    ...(target.kubeContext ? ['--kube-context', target.kubeContext] : []),
  ];
}

/** Go's duration syntax, in whole seconds (helm rejects fractions of nothing, accepts `90s`). */
export function helmDuration(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))}s`;
}

/** One row of `helm history -o json`. */
export interface HelmRevision {
  revision: number;
  status: string;
  chart: string;
  description: string;
}

export function parseHistory(json: string): HelmRevision[] {
  const rows: unknown = JSON.parse(json);
  if (!Array.isArray(rows)) throw new Error('helm history did not print a JSON list');
  return rows
    .map((row: Record<string, unknown>) => ({
      revision: Number(row.revision),
      status: String(row.status ?? ''),
      chart: String(row.chart ?? ''),
      description: String(row.description ?? ''),
    }))
    .sort((a, b) => a.revision - b.revision);
}

/** helm's way of saying the release was never installed (history, get, status). */
export function isReleaseNotFound(stderr: string): boolean {
  return /release: not found/i.test(stderr);
}

const PENDING_STATUSES = new Set(['pending-install', 'pending-upgrade', 'pending-rollback']);

/** A release whose newest revision is pending: an earlier helm run was cut off mid-way. */
export interface StuckRelease {
  status: string;
  revision: number;
  /** The command that unblocks it, as an argument array. */
  unblock: string[];
  /** Why that command, in a few words. */
  because: string;
}

/**
 * Helm refuses to touch a release whose newest revision is pending ("another operation is in
 * progress") until it is rolled back or uninstalled. The way out: roll back to the last
 * revision that was deployed (or, failing that, the newest one that finished at all); a release
 * that never got past its first install is uninstalled.
 */
export function stuckRelease(
  release: string,
  history: readonly HelmRevision[],
  target: HelmTarget,
): StuckRelease | null {
  const newest = history[history.length - 1];
  if (!newest || !PENDING_STATUSES.has(newest.status)) return null;
  const earlier = history.filter((row) => row.revision < newest.revision);
  const deployed = [...earlier].reverse().find((row) => row.status === 'deployed');
  const finished = [...earlier].reverse().find((row) => !PENDING_STATUSES.has(row.status));
  const to = deployed ?? finished;
  const where = [
    '-n',
    target.namespace,
    ...(target.kubeContext ? ['--kube-context', target.kubeContext] : []),
  ];
  if (!to) {
    return {
      status: newest.status,
      revision: newest.revision,
      unblock: ['helm', 'uninstall', release, ...where],
      because: 'it was never deployed, so there is nothing to roll back to',
    };
  }
  return {
    status: newest.status,
    revision: newest.revision,
    unblock: ['helm', 'rollback', release, String(to.revision), ...where],
    because: `revision ${to.revision} is the last one that ${to.status === 'deployed' ? 'was deployed' : `finished (${to.status})`}`,
  };
}

/** The parts of a release (helm's JSON) kpush uses. */
export interface HelmRelease {
  manifest: string;
  chartName: string | null;
  chartVersion: string | null;
  revision: number | null;
  status: string | null;
}

export function parseRelease(json: string): HelmRelease {
  const release = JSON.parse(json) as {
    manifest?: unknown;
    version?: unknown;
    info?: { status?: unknown };
    chart?: { metadata?: { name?: unknown; version?: unknown } };
  };
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
  return {
    manifest: typeof release.manifest === 'string' ? release.manifest : '',
    chartName: text(release.chart?.metadata?.name),
    chartVersion: text(release.chart?.metadata?.version),
    revision: typeof release.version === 'number' ? release.version : null,
    status: text(release.info?.status),
  };
}

const HIDDEN_SECRET = /^# HIDDEN: The Secret output has been suppressed/;

/**
 * Secrets `--hide-secret` left out of a dry-run manifest: helm leaves a comment in their place,
 * after the `# Source:` line of their template. Returns those templates, once per hidden Secret.
 */
export function hiddenSecretSources(manifest: string): string[] {
  const sources: string[] = [];
  let source = '';
  for (const line of manifest.split('\n')) {
    if (line.startsWith('# Source: ')) source = line.slice('# Source: '.length).trim();
    else if (line === '---') source = '';
    else if (HIDDEN_SECRET.test(line)) sources.push(source);
  }
  return sources;
}

/**
 * The line of helm's stderr that says what went wrong (`Error: UPGRADE FAILED: …`), with the
 * lines that continue it; helm's own prefixes are kept, its log noise is not.
 */
export function helmErrorSummary(stderr: string): string {
  const lines = stderr.split('\n');
  const start = lines.findIndex((line) => line.startsWith('Error: '));
  if (start === -1)
    return (
      lines
        .filter((line) => line.trim() !== '')
        .pop()
        ?.trim() ?? '(no output on stderr)'
    );
  const rest = lines.slice(start + 1).filter((line) => line.trim() !== '' && !/^level=/.test(line));
  return [lines[start]?.slice('Error: '.length) ?? '', ...rest].join('; ').trim();
}

/** The revision a failed upgrade was rolled back to, from the rollback revision's description. */
export function rolledBackTo(history: readonly HelmRevision[], after: number): number | null {
  const rollback = history.find((row) => row.revision > after && /^Rollback to (\d+)/.test(row.description));
  const match = rollback ? /^Rollback to (\d+)/.exec(rollback.description) : null;
  return match ? Number(match[1]) : null;
}

/** What kind of chart reference: a local path, or something helm fetches. */
export function isRemoteChart(chart: string): boolean {
  return /^(oci|https?):\/\//.test(chart);
}

/** `repo/chart` as `helm repo add` names them: one slash, no leading `.` or `/`. */
export function looksLikeRepoChart(chart: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/.test(chart);
}

/** `--set` pairs for the record: values of keys that look like credentials are masked. */
export function recordedSetPairs(pairs: readonly string[]): string[] {
  // helm reads `a=1,b=2` as two values: each is judged by its own key.
  const maskPart = (part: string) => {
    const eq = part.indexOf('=');
    return eq !== -1 && /pass|secret|token|key|cred/i.test(part.slice(0, eq))
      ? `${part.slice(0, eq)}=***`
      : part;
  };
  return pairs.map((pair) => pair.split(',').map(maskPart).join(','));
}

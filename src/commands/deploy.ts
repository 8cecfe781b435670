import { randomBytes } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Git } from '../adapters/git.js';
import { renderManifests } from '../adapters/render.js';
import { withTempDir } from '../adapters/temp-dir.js';
import { type AuditRecord, recordMarkdown } from '../core/deploy/record.js';
import type { Manifest } from '../core/deploy/types.js';
import { httpsCredentials } from '../core/git-credentials.js';
import { withoutCredentials } from '../core/git-url.js';
import { KpushError } from '../errors.js';
import type { Reporter } from '../output/reporter.js';
import { acrossClusters, recordBase } from './across-clusters.js';
import { type ClusterDeployResult, deployToCluster } from './deploy-cluster.js';
import { remoteUrl } from './bump-manifest.js';

export interface DeployRequest {
  /** Directory to render (default the working directory), or the checkout of --repo. */
  dir: string;
  repo?: string | undefined;
  ref?: string | undefined;
  /** Subdirectory of the source to render. */
  path?: string | undefined;
  app: string;
  namespace?: string | undefined;
  kubeconfig?: string | undefined;
  /** Contexts to deploy to, in parallel; empty = the kubeconfig's current context. */
  contexts: string[];
  dryRun: boolean;
  diff: boolean;
  prune: boolean;
  allowEmpty: boolean;
  pruneNamespacesAndCrds: boolean;
  wait: boolean;
  timeoutMs: number;
  fieldManager: string;
  forceConflicts: boolean;
  auditFile?: string | undefined;
  /** Set by `kpush rollback`: the record says which deploy this one returns to. */
  rollback?: AuditRecord['rollback'];
}

export interface DeployDeps {
  cwd: string;
  env: NodeJS.ProcessEnv;
  reporter: Reporter;
  now: () => Date;
  tmpRoot: string;
  /** Where object diffs go (--dry-run, --diff); default stdout. stderr when stdout holds --json. */
  printDiff?: (diff: string) => void;
}

export interface DeployOutcome {
  /** true when every cluster succeeded (or, in a dry run, could be planned). */
  ok: boolean;
  records: AuditRecord[];
  /** Per cluster: object diffs (dry run / --diff), in plan order. */
  clusters: ClusterDeployResult[];
}

/** What every cluster's record shares: who, from where, with which flags. */
export type RecordBase = Omit<
  AuditRecord,
  'id' | 'result' | 'finishedAt' | 'durationMs' | 'cluster' | 'namespace' | 'objects' | 'summary' | 'error'
>;

/**
 * Source → render → validate, then each cluster in parallel: resolve kinds, plan with server
 * dry-runs, apply stage by stage, prune, wait, record. The only place that sequences effects.
 */
export async function deploy(request: DeployRequest, deps: DeployDeps): Promise<DeployOutcome> {
  const started = deps.now();
  if (request.repo !== undefined) {
    return withTempDir(deps.tmpRoot, 'kpush-deploy-', async (workdir) => {
      const checkout = join(workdir, 'env');
      const source = await cloneEnvRepo(request, deps, checkout);
      return deployFrom({ path: checkout, shown: '.' }, source, request, deps, started);
    });
  }
  const dir = resolve(deps.cwd, request.dir);
  return deployFrom(
    { path: dir, shown: displayPath(deps.cwd, dir) },
    await describeLocalSource(dir, deps.env),
    request,
    deps,
    started,
  );
}

export interface EnvSource {
  url: string | null;
  commit: string | null;
  dirty: boolean;
  trailers: { repo: string | null; commit: string | null };
}

/** The directory to render, and how to name it in messages (a clone's temp path means nothing). */
export interface SourceRoot {
  path: string;
  shown: string;
}

async function deployFrom(
  root: SourceRoot,
  source: EnvSource,
  request: DeployRequest,
  deps: DeployDeps,
  started: Date,
): Promise<DeployOutcome> {
  const base = await recordBase('apply', request, source, behaviourFlags(request), deps, started);
  if (request.rollback) base.rollback = request.rollback;
  const { ok, records, clusters } = await acrossClusters(
    request,
    deps,
    base,
    () => renderAndCheck(root, request, deps),
    (manifests, job) => deployToCluster({ ...job, manifests, request }, { ...deps, base }),
  );
  return { ok, records, clusters };
}

export async function renderAndCheck(
  root: SourceRoot,
  request: DeployRequest,
  deps: DeployDeps,
): Promise<Manifest[]> {
  const { reporter } = deps;
  const shownRoot = request.path ? relabel(root.shown, request.path) : root.shown;
  const rendered = await reporter.task('rendering manifests', () =>
    renderManifests(root.path, { env: deps.env, ...(request.path ? { path: request.path } : {}) }),
  );
  for (const note of rendered.notes) reporter.debug(note);
  const count = rendered.manifests.length;
  reporter.info(`rendered ${count} object${count === 1 ? '' : 's'} from ${shownRoot} (${rendered.renderer})`);
  if (count === 0 && request.prune && !request.allowEmpty) {
    throw new KpushError(
      'E_EMPTY_RENDER',
      `nothing to deploy in ${shownRoot}, and --prune would delete everything ${request.app} deployed before`,
      {
        hint: 'Check the directory and --path; pass --allow-empty if removing every object is really intended.',
      },
    );
  }
  maskSecretValues(rendered.manifests, reporter);
  // Sources read relative to the rendered directory are shown relative to where kpush runs.
  return rendered.manifests.map((manifest) => ({
    ...manifest,
    source: {
      ...manifest.source,
      file: root.shown === '.' ? manifest.source.file : relabel(root.shown, manifest.source.file),
    },
  }));
}

/** Every Secret value, encoded and decoded, goes to the redactor before anything is sent. */
export function maskSecretValues(manifests: readonly Manifest[], reporter: Reporter): void {
  for (const { object } of manifests) {
    if (object.kind !== 'Secret') continue;
    for (const field of ['data', 'stringData'] as const) {
      const values = object[field];
      if (typeof values !== 'object' || values === null) continue;
      for (const value of Object.values(values as Record<string, unknown>)) {
        if (typeof value !== 'string') continue;
        reporter.redactor.add(value);
        if (field === 'data') reporter.redactor.add(Buffer.from(value, 'base64').toString('utf8'));
        else reporter.redactor.add(Buffer.from(value, 'utf8').toString('base64'));
      }
    }
  }
}

function behaviourFlags(request: DeployRequest): Record<string, string | boolean | number> {
  return {
    dryRun: request.dryRun,
    prune: request.prune,
    wait: request.wait,
    timeoutSeconds: request.timeoutMs / 1000,
    fieldManager: request.fieldManager,
    forceConflicts: request.forceConflicts,
    ...(request.allowEmpty ? { allowEmpty: true } : {}),
    ...(request.pruneNamespacesAndCrds ? { pruneNamespacesAndCrds: true } : {}),
  };
}

/** The audit file (one JSON line per record) and GitHub's job summary. */
export async function writeRecordSinks(
  records: AuditRecord[],
  request: Pick<DeployRequest, 'auditFile'>,
  deps: DeployDeps,
): Promise<void> {
  const redact = <T>(value: T) => deps.reporter.redactor.redactValue(value);
  if (request.auditFile) {
    const path = resolve(deps.cwd, request.auditFile);
    await writeOrExplain(path, '--audit-file', async () => {
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, records.map((record) => `${JSON.stringify(redact(record))}\n`).join(''));
    });
  }
  const summary = deps.env.GITHUB_STEP_SUMMARY;
  if (summary && deps.env.GITHUB_ACTIONS === 'true') {
    await writeOrExplain(summary, 'GITHUB_STEP_SUMMARY', () =>
      appendFile(summary, records.map((record) => recordMarkdown(redact(record))).join('\n')),
    );
  }
}

async function writeOrExplain(path: string, what: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    throw new KpushError(
      'E_WRITE_OUTPUT',
      `cannot write the audit record to ${what} ${path}: ${(error as Error).message}`,
      {
        hint: 'Check that the path is writable; the deploy itself finished (see the lines above).',
        cause: error,
      },
    );
  }
}

/** Shallow clone of --repo at --ref (a branch, tag or commit sha). */
export async function cloneEnvRepo(
  request: Pick<DeployRequest, 'repo' | 'ref'>,
  deps: DeployDeps,
  checkout: string,
): Promise<EnvSource> {
  const url = remoteUrl(request.repo as string, deps.cwd);
  const credentials = httpsCredentials(url, deps.env);
  for (const secret of credentials.secrets) deps.reporter.redactor.add(secret);
  const git = new Git(checkout, deps.env);
  const ref = request.ref;
  await deps.reporter.task(`cloning ${withoutCredentials(url)}${ref ? ` at ${ref}` : ''}`, async () => {
    if (ref && /^[0-9a-f]{7,64}$/i.test(ref)) {
      await mkdir(checkout, { recursive: true });
      await git.run(['init', '--quiet']);
      await git.run(['remote', 'add', 'origin', url]);
      await git.run(['fetch', '--depth', '1', '--no-tags', 'origin', ref], credentials.env);
      await git.run(['checkout', '--quiet', '--detach', 'FETCH_HEAD']);
    } else {
      await git.clone(url, ref, credentials.env);
    }
  });
  return { ...(await describeCommit(git)), url: withoutCredentials(url), dirty: false };
}

/** The env repo's commit and trailers for a local directory; a directory outside git is allowed. */
export async function describeLocalSource(dir: string, env: NodeJS.ProcessEnv): Promise<EnvSource> {
  const git = new Git(dir, env);
  // One call for both questions: "true" inside a work tree, then HEAD's sha when there is one.
  const probe = await git
    .exec(['rev-parse', '--is-inside-work-tree', '--verify', '--quiet', 'HEAD'])
    .catch(() => null);
  const [inside, commit] = probe?.stdout.trim().split('\n') ?? [];
  if (inside !== 'true') {
    return { url: null, commit: null, dirty: false, trailers: { repo: null, commit: null } };
  }
  if (probe?.exitCode !== 0 || !commit)
    return { url: null, commit: null, dirty: true, trailers: { repo: null, commit: null } };
  const [remote, described, dirty] = await Promise.all([
    git.remoteUrl().catch(() => null),
    describeCommit(git, commit),
    git.isDirty(['.']),
  ]);
  return { ...described, url: remote ? withoutCredentials(remote) : null, dirty };
}

async function describeCommit(git: Git, sha?: string): Promise<Pick<EnvSource, 'commit' | 'trailers'>> {
  const commit = sha ?? (await git.run(['rev-parse', 'HEAD'])).trim();
  const message = await git.run(['log', '-1', '--format=%B', commit]);
  const trailer = (name: string) =>
    new RegExp(`^${name}:[ \\t]*(\\S.*)$`, 'mi').exec(message)?.[1]?.trim() ?? null;
  return { commit, trailers: { repo: trailer('Kpush-Source-Repo'), commit: trailer('Kpush-Source-Commit') } };
}

/** Who runs kpush outside CI, when the environment does not say. */
export function localUser(): string | null {
  try {
    return userInfo().username || null;
  } catch {
    return null;
  }
}

function relabel(root: string, file: string): string {
  const kustomized = / \(kustomize\)$/.exec(file);
  const path = kustomized ? file.slice(0, kustomized.index) : file;
  const joined = path === '.' ? root : join(root, path);
  return kustomized ? `${joined}${kustomized[0]}` : joined;
}

export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

/** Sortable and unique: `20261124T101500Z-3f9a2c`. */
export function newRecordId(started: Date): string {
  const stamp = started
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`.toLowerCase();
}

/**
 * Drift: where the live state of an object differs from what a deploy of the env repo would make
 * it, field by field, and which field manager owns each differing field in the live object (the
 * manager that last wrote it: `kubectl` for `kubectl scale`, `kubectl-edit`, `kubectl-set`,
 * `kubectl-patch`, ...). Pure: both objects come from the API server (the live object and the
 * server-side dry-run result), so server defaults never count.
 */
import { SECRET_MASK, SECRET_MASK_AFTER, SECRET_MASK_BEFORE } from './diff.js';
import { deepEqual, isRecord, isSecret, type JsonRecord, normalizeForCompare } from './normalize.js';
import { describeObject, type KubeObject, type ManagedFieldsEntry, type ObjectId } from './types.js';

/** One step of a field path: a map key, or an item of a list (by its key fields, else its index). */
export type PathStep = { field: string } | { item: JsonRecord } | { index: number };

export interface FieldDrift {
  /** `.spec.template.spec.containers[name="app"].image`, as the API server names fields. */
  path: string;
  steps: PathStep[];
  /** Live value; undefined when the field is absent live. Secret values are masked. */
  live: unknown;
  /** The value a deploy would set; undefined when a deploy removes the field. */
  repo: unknown;
  /** Managers that own the field in the live object (none for a field removed live). */
  managers: string[];
}

/** Differences between the live object and the dry-run result of applying the repo's version. */
export function fieldDrifts(live: KubeObject, result: KubeObject): FieldDrift[] {
  const before = normalizeForCompare(live);
  const after = normalizeForCompare(result, live);
  const out: { steps: PathStep[]; live: unknown; repo: unknown }[] = [];
  compare(before, after, [], out);
  const secret = isSecret(live) || isSecret(result);
  return out.map((entry) => {
    const masked = secret ? maskSecretField(entry.steps, entry.live, entry.repo) : entry;
    return {
      path: formatPath(entry.steps),
      steps: entry.steps,
      live: masked.live,
      repo: masked.repo,
      managers: ownersOf(live, entry.steps),
    };
  });
}

function compare(
  a: unknown,
  b: unknown,
  steps: PathStep[],
  out: { steps: PathStep[]; live: unknown; repo: unknown }[],
): void {
  if (deepEqual(a, b)) return;
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) {
      if (a[key] === undefined && b[key] === undefined) continue;
      compare(a[key], b[key], [...steps, { field: key }], out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const key = itemKey(a, b);
    if (key) {
      const id = (item: JsonRecord) => Object.fromEntries(key.map((field) => [field, item[field]]));
      const seen = new Set<string>();
      const found = out.length;
      for (const item of [...a, ...b] as JsonRecord[]) {
        const match = id(item);
        const text = JSON.stringify(match);
        if (seen.has(text)) continue;
        seen.add(text);
        const find = (list: unknown[]) =>
          list.find((candidate) => isRecord(candidate) && deepEqual(id(candidate), match));
        compare(find(a), find(b), [...steps, { item: match }], out);
      }
      // The same items in another order: the list as a whole differs.
      if (out.length === found) out.push({ steps, live: a, repo: b });
      return;
    }
    if (a.length === b.length && a.every(isRecord) && b.every(isRecord)) {
      for (const [index, item] of a.entries()) compare(item, b[index], [...steps, { index }], out);
      return;
    }
  }
  out.push({ steps, live: a, repo: b });
}

/** Fields that name list items: `name` (containers, env, volumes, ports), else port numbers. */
const ITEM_KEYS: readonly (readonly string[])[] = [
  ['name'],
  ['containerPort', 'protocol'],
  ['port', 'protocol'],
  ['type'],
];

function itemKey(a: unknown[], b: unknown[]): readonly string[] | null {
  const items = [...a, ...b];
  if (items.length === 0 || !items.every(isRecord)) return null;
  for (const key of ITEM_KEYS) {
    const unique = (list: unknown[]) => {
      const ids = (list as JsonRecord[]).map((item) => JSON.stringify(key.map((field) => item[field])));
      return new Set(ids).size === ids.length;
    };
    const named = (items as JsonRecord[]).every((item) => item[key[0] as string] !== undefined);
    if (named && unique(a) && unique(b)) return key;
  }
  return null;
}

/** `.spec.template.spec.containers[name="app"].image`; keys that are not identifiers are quoted. */
export function formatPath(steps: readonly PathStep[]): string {
  if (steps.length === 0) return '.';
  return steps
    .map((step) => {
      if ('field' in step)
        return /^[A-Za-z_$][\w$-]*$/.test(step.field) ? `.${step.field}` : `[${JSON.stringify(step.field)}]`;
      if ('index' in step) return `[${step.index}]`;
      return `[${Object.entries(step.item)
        .filter(([, value]) => value !== undefined)
        .map(([field, value]) => `${field}=${JSON.stringify(value)}`)
        .join(',')}]`;
    })
    .join('');
}

/** Secret values: kubectl diff's masks, so a drifted password shows that it changed, not what it is. */
function maskSecretField(
  steps: readonly PathStep[],
  live: unknown,
  repo: unknown,
): { live: unknown; repo: unknown } {
  const [first] = steps;
  const top = first && 'field' in first ? first.field : undefined;
  const annotation = steps.some(
    (step) => 'field' in step && step.field === 'kubectl.kubernetes.io/last-applied-configuration',
  );
  if (top !== 'data' && top !== 'stringData' && !annotation) return { live, repo };
  const mask = (value: unknown, changed: string) =>
    value === undefined
      ? undefined
      : isRecord(value)
        ? Object.fromEntries(Object.keys(value).map((key) => [key, SECRET_MASK]))
        : changed;
  if (live !== undefined && repo !== undefined)
    return { live: mask(live, SECRET_MASK_BEFORE), repo: mask(repo, SECRET_MASK_AFTER) };
  return { live: mask(live, SECRET_MASK), repo: mask(repo, SECRET_MASK) };
}

/**
 * The managers whose managedFields entry owns the field at `steps` in `live` (or, for a list
 * item or map, something inside it; or an atomic ancestor owned whole). Status writers are left
 * out: drift compares spec and metadata.
 */
export function ownersOf(live: KubeObject, steps: readonly PathStep[]): string[] {
  const owners = new Set<string>();
  for (const entry of live.metadata.managedFields ?? []) {
    if (entry.subresource === 'status' || !entry.manager || !isRecord(entry.fieldsV1)) continue;
    if (owns(entry, live, steps))
      owners.add(entry.subresource ? `${entry.manager} (${entry.subresource})` : entry.manager);
  }
  return [...owners].sort();
}

function owns(entry: ManagedFieldsEntry, live: KubeObject, steps: readonly PathStep[]): boolean {
  let node: unknown = entry.fieldsV1;
  let value: unknown = live;
  for (const step of steps) {
    if (!isRecord(node)) return false;
    const children = Object.keys(node).filter((key) => key !== '.');
    // A leaf owned whole (an atomic map or list): everything below belongs to its owner.
    if (children.length === 0) return true;
    const key = fieldKey(node, step, value);
    if (key === null) return false;
    node = node[key];
    value = stepInto(value, step);
  }
  return isRecord(node);
}

/** The fieldsV1 key for one step: `f:<name>`, the `k:{…}` whose fields match the live item, `v:` or `i:`. */
function fieldKey(node: JsonRecord, step: PathStep, value: unknown): string | null {
  if ('field' in step) return `f:${step.field}` in node ? `f:${step.field}` : null;
  const item = Array.isArray(value)
    ? 'index' in step
      ? value[step.index]
      : value.find((candidate) => isRecord(candidate) && matchesItem(candidate, step.item))
    : undefined;
  if (item === undefined) return null;
  for (const key of Object.keys(node)) {
    if (key.startsWith('k:')) {
      const fields = parseJson(key.slice(2));
      if (
        isRecord(fields) &&
        isRecord(item) &&
        Object.entries(fields).every(([field, expected]) => deepEqual(item[field], expected))
      )
        return key;
    } else if (key.startsWith('v:') && deepEqual(parseJson(key.slice(2)), item)) {
      return key;
    }
  }
  if ('index' in step && `i:${step.index}` in node) return `i:${step.index}`;
  return null;
}

function matchesItem(candidate: JsonRecord, item: JsonRecord): boolean {
  return Object.entries(item).every(
    ([field, expected]) => expected === undefined || deepEqual(candidate[field], expected),
  );
}

function stepInto(value: unknown, step: PathStep): unknown {
  if ('field' in step) return isRecord(value) ? value[step.field] : undefined;
  if (!Array.isArray(value)) return undefined;
  if ('index' in step) return value[step.index];
  return value.find((candidate) => isRecord(candidate) && matchesItem(candidate, step.item));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// The report: plain data, and its renderings (text, markdown).

export type DriftState = 'changed' | 'missing' | 'extra';

export interface ObjectDrift {
  kind: string;
  group: string;
  namespace: string;
  name: string;
  state: DriftState;
  /** Where the object comes from in the repo (changed, missing), or '(cluster)' for extras. */
  source: string;
  fields: Omit<FieldDrift, 'steps'>[];
  /** Why a changed object could not be compared field by field (the server refused the dry-run). */
  message?: string;
}

export interface ClusterDrift {
  context: string;
  server: string;
  namespace: string;
  /** 'error': the cluster could not be checked (unreachable, refused, bad input). */
  status: 'clean' | 'drifted' | 'error';
  objects: ObjectDrift[];
  checked: number;
  summary: { changed: number; missing: number; extra: number };
  error: { code: string; message: string; hint?: string } | null;
}

export interface DriftReport {
  schema: 'kpush.dev/drift-report/v1';
  app: string;
  checkedAt: string;
  envRepo: { url: string | null; commit: string | null; path: string; dirty: boolean };
  /** true when any cluster drifted. */
  drifted: boolean;
  clusters: ClusterDrift[];
  /** With --fix: whether the re-deploy succeeded, and its record ids. */
  fix?: { ok: boolean; records: string[]; error?: string };
}

export function driftSummary(objects: readonly ObjectDrift[]): ClusterDrift['summary'] {
  const count = (state: DriftState) => objects.filter((object) => object.state === state).length;
  return { changed: count('changed'), missing: count('missing'), extra: count('extra') };
}

export function objectIdOf(object: ObjectDrift): ObjectId {
  return {
    group: object.group,
    version: '',
    kind: object.kind,
    namespace: object.namespace,
    name: object.name,
  };
}

/** A value for a one-line report: JSON, shortened; absent fields say so. */
export function showValue(value: unknown, max = 120): string {
  if (value === undefined) return '(absent)';
  const text =
    typeof value === 'string' && (value.startsWith('***') || value === '')
      ? value || '""'
      : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function managersText(managers: readonly string[]): string {
  return managers.length === 0 ? 'manager unknown' : `by ${managers.join(', ')}`;
}

/** The text report of one cluster: one block per drifted object, one line per field. */
export function driftLines(cluster: ClusterDrift, app: string): string[] {
  const where = `${app} (namespace ${cluster.namespace}) on ${cluster.context}`;
  if (cluster.status === 'error')
    return [`could not check ${where}: ${cluster.error?.message ?? 'unknown error'}`];
  if (cluster.status === 'clean')
    return [`no drift: ${where} matches the env repo (${cluster.checked} objects)`];
  const lines = [`drift in ${where}:`];
  for (const object of cluster.objects) {
    const what = describeObject(objectIdOf(object));
    if (object.state === 'missing') {
      lines.push(`  - ${what}: missing from the cluster (${object.source})`);
    } else if (object.state === 'extra') {
      lines.push(
        `  + ${what}: deployed by ${app} earlier, no longer in the env repo (deploy --prune deletes it)`,
      );
    } else {
      lines.push(`  ~ ${what} (${object.source})${object.message ? `: ${object.message}` : ''}`);
      for (const field of object.fields) {
        lines.push(
          `      ${field.path}: live ${showValue(field.live)}, repo ${showValue(field.repo)} (${managersText(field.managers)})`,
        );
      }
    }
  }
  const s = cluster.summary;
  lines.push(
    `${s.changed + s.missing + s.extra} drifted: ${s.changed} changed, ${s.missing} missing, ${s.extra} not in the repo`,
  );
  return lines;
}

/** Markdown for GITHUB_STEP_SUMMARY. */
export function driftMarkdown(report: DriftReport): string {
  const lines: string[] = [];
  for (const cluster of report.clusters) {
    const icon = cluster.status === 'clean' ? '✅' : cluster.status === 'drifted' ? '⚠️' : '❌';
    const verdict =
      cluster.status === 'clean' ? 'no drift' : cluster.status === 'drifted' ? 'drift' : 'could not check';
    lines.push(`### ${icon} kpush drift ${cell(report.app)} → ${cell(cluster.context)}: ${verdict}`, '');
    lines.push(
      `env repo ${cell(report.envRepo.url ?? '(local directory)')} @ ${cell(report.envRepo.commit ?? 'not a git checkout')}, namespace ${cell(cluster.namespace)}`,
      '',
    );
    if (cluster.error) lines.push(`error: ${cell(cluster.error.message)}`, '');
    if (cluster.objects.length > 0) {
      lines.push('| object | drift | field | live | repo | changed by |', '|---|---|---|---|---|---|');
      for (const object of cluster.objects) {
        const name = cell(describeObject(objectIdOf(object)));
        if (object.fields.length === 0) {
          const detail =
            object.state === 'missing'
              ? 'missing from the cluster'
              : object.state === 'extra'
                ? 'not in the repo'
                : (object.message ?? '');
          lines.push(`| ${name} | ${object.state} | ${cell(detail)} | | | |`);
        }
        for (const field of object.fields) {
          lines.push(
            `| ${name} | ${object.state} | \`${cell(field.path)}\` | ${cell(showValue(field.live, 60))} | ${cell(showValue(field.repo, 60))} | ${cell(field.managers.join(', ') || 'unknown')} |`,
          );
        }
      }
      lines.push('');
    }
  }
  if (report.fix)
    lines.push(
      report.fix.ok
        ? '✅ fixed: re-deployed from the env repo'
        : `❌ fix failed: ${cell(report.fix.error ?? '')}`,
      '',
    );
  return `${lines.join('\n')}\n`;
}

function cell(text: string): string {
  return text
    .replace(/[|\\]/g, '\\$&')
    .replace(/[\r\n]+/g, ' ')
    .replace(/</g, '&lt;');
}

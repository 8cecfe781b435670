import { constants, type Dirent, readFileSync, statSync } from 'node:fs';
import { access, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import type { Manifest } from '../core/deploy/types.js';
import {
  looksLikeKubernetes,
  parseManifestStream,
  type RenderedDocument,
  toValidManifests,
} from '../core/deploy/validate.js';
import { KustomizeError, ManifestSourceError } from '../errors.js';
import { exec } from './exec.js';

export type Renderer = 'kustomize' | 'kubectl-kustomize' | 'files';

export interface RenderOptions {
  /** Directory (or single file) below `root` to deploy; default `.`. */
  path?: string;
  /** An explicit kubectl, used as `kubectl kustomize`; beats `KPUSH_KUBECTL_BIN` and PATH. */
  kubectlBin?: string;
  /** An explicit kustomize, used as `kustomize build`; beats `KPUSH_KUBECTL_BIN` and PATH. */
  kustomizeBin?: string;
  /** PATH and KPUSH_KUBECTL_BIN are read from here; kustomize runs with it. */
  env: NodeJS.ProcessEnv;
  /** Kill kustomize after this long (default 120 s). */
  timeoutMs?: number;
}

export interface RenderResult {
  /** Valid, unique objects in render order, each with its `file:line`. */
  manifests: Manifest[];
  /** What was skipped and why, for --verbose. */
  notes: string[];
  renderer: Renderer;
}

export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
const DEFAULT_KUSTOMIZE_TIMEOUT_MS = 120_000;
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const MANIFEST_FILE = /\.(?:ya?ml|json)$/i;
/** kpush's own config lives in the env repo but is not something to apply. */
const KPUSH_CONFIG_FILES = new Set(['kpush.yaml', 'kpush.yml']);

/**
 * Renders the deploy input below `root` and validates every object before anything is sent:
 * a kustomization is built by kustomize, any other directory is read file by file. The input is
 * untrusted: symlinks may not leave `root`, and huge or non-UTF-8 files are refused by name.
 */
export async function renderManifests(root: string, options: RenderOptions): Promise<RenderResult> {
  const rootDir = resolve(root);
  const realRoot = await realpath(rootDir);
  const source = await resolveSource(rootDir, realRoot, options.path ?? '.');
  if (source.isDirectory && (await hasKustomization(source.absolute)))
    return renderKustomization(rootDir, realRoot, source, options);
  return renderFiles(rootDir, realRoot, source);
}

interface Source {
  absolute: string;
  /** Root-relative, `/`-separated: what errors and notes show. */
  display: string;
  isDirectory: boolean;
}

async function resolveSource(rootDir: string, realRoot: string, path: string): Promise<Source> {
  const absolute = resolve(rootDir, path);
  const display = displayPath(rootDir, absolute);
  const real = await realpath(absolute).catch(() => null);
  if (real === null) {
    throw new ManifestSourceError(
      'E_PATH_NOT_FOUND',
      path,
      `--path ${path} does not exist in ${rootDir}`,
      'Paths are relative to the environment repository root; check --path.',
    );
  }
  if (!isInside(realRoot, real)) {
    throw new ManifestSourceError(
      'E_PATH_OUTSIDE_ROOT',
      path,
      `--path ${path} resolves to ${real}, outside ${realRoot}`,
      'Point --path at a directory inside the environment repository.',
    );
  }
  return { absolute, display, isDirectory: (await stat(absolute)).isDirectory() };
}

// --- kustomize ------------------------------------------------------------------------------

async function hasKustomization(dir: string): Promise<boolean> {
  const names = new Set(await readdir(dir));
  return KUSTOMIZATION_FILES.some((name) => names.has(name));
}

async function renderKustomization(
  rootDir: string,
  realRoot: string,
  source: Source,
  options: RenderOptions,
): Promise<RenderResult> {
  // kustomize reads files on its own, so the whole repository is checked before it runs.
  await assertNoEscapingSymlinks(rootDir, realRoot);
  const tool = await findKustomize(options, source.display);
  const timeoutMs = options.timeoutMs ?? DEFAULT_KUSTOMIZE_TIMEOUT_MS;
  const result = await exec(tool.bin, [...tool.args, source.absolute], {
    cwd: source.absolute,
    // Remote bases are fetched with git: it must fail rather than wait for a password.
    env: { ...options.env, GIT_TERMINAL_PROMPT: '0' },
    timeoutMs,
  }).catch((error: unknown) => {
    throw new KustomizeError(
      'E_KUSTOMIZE_NOT_FOUND',
      `cannot run ${tool.bin}: ${error instanceof Error ? error.message : String(error)}`,
      'Check the path given for kubectl/kustomize (or KPUSH_KUBECTL_BIN) and that it is executable.',
    );
  });
  if (result.exitCode !== 0) throw kustomizeFailure(tool, source.display, result, timeoutMs);
  const file = `${source.display} (kustomize)`;
  const documents = parseManifestStream(result.stdout, file).objects.map(({ object, line }) => ({
    object,
    source: { file, line },
  }));
  const note = `rendered ${source.display} with ${tool.bin} ${tool.args.join(' ')}`;
  return { manifests: toValidManifests(documents), notes: [note], renderer: tool.renderer };
}

interface KustomizeTool {
  bin: string;
  args: string[];
  renderer: Exclude<Renderer, 'files'>;
}

/** Explicit binaries first (options, then KPUSH_KUBECTL_BIN), then kubectl and kustomize on PATH. */
async function findKustomize(options: RenderOptions, dir: string): Promise<KustomizeTool> {
  const kubectl = (bin: string): KustomizeTool => ({
    bin,
    args: ['kustomize'],
    renderer: 'kubectl-kustomize',
  });
  const kustomize = (bin: string): KustomizeTool => ({ bin, args: ['build'], renderer: 'kustomize' });
  if (options.kubectlBin) return kubectl(options.kubectlBin);
  if (options.kustomizeBin) return kustomize(options.kustomizeBin);
  if (options.env.KPUSH_KUBECTL_BIN) return kubectl(options.env.KPUSH_KUBECTL_BIN);
  const onPath = await findOnPath('kubectl', options.env.PATH);
  if (onPath) return kubectl(onPath);
  const kustomizeOnPath = await findOnPath('kustomize', options.env.PATH);
  if (kustomizeOnPath) return kustomize(kustomizeOnPath);
  throw new KustomizeError(
    'E_KUSTOMIZE_NOT_FOUND',
    `${dir} holds a kustomization, but neither kubectl nor kustomize was found on PATH`,
    'Install kubectl or kustomize, or set KPUSH_KUBECTL_BIN to the path of kubectl.',
    { dir },
  );
}

async function findOnPath(name: string, path: string | undefined): Promise<string | undefined> {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    const executable = await access(candidate, constants.X_OK).then(
      async () => (await stat(candidate)).isFile(),
      () => false,
    );
    if (executable) return candidate;
  }
  return undefined;
}

function kustomizeFailure(
  tool: KustomizeTool,
  dir: string,
  { stderr, timedOut }: { stderr: string; timedOut: boolean },
  timeoutMs: number,
): KustomizeError {
  const command = `${tool.bin} ${tool.args.join(' ')} ${dir}`;
  const output = stderr.trim() || '(no output on stderr)';
  if (timedOut) {
    return new KustomizeError(
      'E_KUSTOMIZE_TIMEOUT',
      `${command} did not finish within ${Math.round(timeoutMs / 1000)} s:\n${output}`,
      'Remote bases are the usual cause: check network access to them, or vendor them into the repository.',
      { dir, stderr },
    );
  }
  return new KustomizeError(
    'E_KUSTOMIZE_FAILED',
    `${command} failed:\n${output}`,
    `Run \`${command}\` locally to reproduce; fix the kustomization it names.`,
    { dir, stderr },
  );
}

async function assertNoEscapingSymlinks(dir: string, realRoot: string, rootDir = dir): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const absolute = join(dir, entry.name);
    if (entry.isSymbolicLink()) await realTargetInside(absolute, realRoot, rootDir);
    else if (entry.isDirectory() && entry.name !== '.git')
      await assertNoEscapingSymlinks(absolute, realRoot, rootDir);
  }
}

// --- plain files ----------------------------------------------------------------------------

interface FoundFile {
  absolute: string;
  display: string;
  /** Where the file really is, so one reached through a symlink is read once. */
  real: string;
}

interface Walk {
  rootDir: string;
  realRoot: string;
  files: FoundFile[];
  notes: string[];
  nestedKustomizations: string[];
  visitedDirs: Map<string, string>;
}

async function renderFiles(rootDir: string, realRoot: string, source: Source): Promise<RenderResult> {
  const walk: Walk = {
    rootDir,
    realRoot,
    files: [],
    notes: [],
    nestedKustomizations: [],
    visitedDirs: new Map(),
  };
  if (source.isDirectory) await walkDirectory(walk, source.absolute, true);
  else
    walk.files.push({
      absolute: source.absolute,
      display: source.display,
      real: await realpath(source.absolute),
    });
  if (walk.nestedKustomizations.length > 0)
    throw nestedKustomizationError(source.display, walk.nestedKustomizations);

  const files = uniqueByRealPath(walk);
  const texts = await readAll(files);
  const documents: RenderedDocument[] = [];
  files.forEach((file, index) => {
    const { objects } = parseManifestStream(texts[index] ?? '', file.display);
    if (!looksLikeKubernetes(objects)) {
      walk.notes.push(`skipped ${file.display}: not a Kubernetes manifest (no apiVersion or kind)`);
      return;
    }
    for (const { object, line } of objects) documents.push({ object, source: { file: file.display, line } });
  });
  return { manifests: toValidManifests(documents), notes: walk.notes, renderer: 'files' };
}

async function walkDirectory(walk: Walk, dir: string, isSource: boolean): Promise<void> {
  const display = displayPath(walk.rootDir, dir);
  const real = await realpath(dir);
  const seenAs = walk.visitedDirs.get(real);
  if (seenAs !== undefined) {
    walk.notes.push(`skipped ${display}/: the same directory as ${seenAs}/, read once`);
    return;
  }
  walk.visitedDirs.set(real, display);
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => compare(a.name, b.name));
  const names = new Set(entries.map((entry) => entry.name));
  if (names.has('Chart.yaml')) {
    walk.notes.push(`skipped ${display}/: a Helm chart (Chart.yaml); render it with helm template first`);
    return;
  }
  if (!isSource && KUSTOMIZATION_FILES.some((name) => names.has(name))) {
    walk.nestedKustomizations.push(display);
    return;
  }
  for (const entry of entries) await visitEntry(walk, dir, real, entry);
}

async function visitEntry(walk: Walk, dir: string, realDir: string, entry: Dirent): Promise<void> {
  const absolute = join(dir, entry.name);
  let real = join(realDir, entry.name);
  let info: { isDirectory(): boolean; isFile(): boolean } = entry;
  if (entry.isSymbolicLink()) {
    real = await realTargetInside(absolute, walk.realRoot, walk.rootDir);
    info = await stat(real);
  }
  if (info.isDirectory()) {
    // Hidden directories (.git, .github) hold tooling, never manifests.
    if (!entry.name.startsWith('.')) await walkDirectory(walk, absolute, false);
  } else if (info.isFile() && MANIFEST_FILE.test(entry.name) && !KPUSH_CONFIG_FILES.has(entry.name)) {
    walk.files.push({ absolute, display: displayPath(walk.rootDir, absolute), real });
  }
}

/** The symlink's real target; an error naming the link when that lies outside the root. */
async function realTargetInside(link: string, realRoot: string, rootDir: string): Promise<string> {
  const display = displayPath(rootDir, link);
  const real = await realpath(link).catch(() => null);
  if (real === null) {
    throw new ManifestSourceError(
      'E_SYMLINK_ESCAPE',
      display,
      `${display} is a symlink to ${await readlink(link)}, which does not exist`,
      'Remove the dangling symlink or make it point at a file inside the repository.',
    );
  }
  if (isInside(realRoot, real)) return real;
  throw new ManifestSourceError(
    'E_SYMLINK_ESCAPE',
    display,
    `${display} is a symlink to ${real}, outside the repository (${realRoot})`,
    'Deploy input must live inside the repository: copy the file in or remove the symlink.',
  );
}

function nestedKustomizationError(source: string, dirs: readonly string[]): ManifestSourceError {
  return new ManifestSourceError(
    'E_NESTED_KUSTOMIZATION',
    source,
    `${source} has no kustomization of its own but contains some below it: ${dirs.join(', ')}`,
    'Point --path at the kustomization to deploy (one per deploy), or add a kustomization.yaml to ' +
      `${source} that lists them as resources.`,
  );
}

function uniqueByRealPath(walk: Walk): FoundFile[] {
  const firstByReal = new Map<string, FoundFile>();
  for (const file of [...walk.files].sort((a, b) => compare(a.display, b.display))) {
    const first = firstByReal.get(file.real);
    if (first) walk.notes.push(`skipped ${file.display}: the same file as ${first.display}, read once`);
    else firstByReal.set(file.real, file);
  }
  return [...firstByReal.values()];
}

/**
 * Reads every file in path order, the first failure thrown. Synchronously, one at a time: one
 * descriptor open at most, and for a directory of small manifests several times faster than
 * fs.promises, whose every read is several thread pool round trips.
 */
async function readAll(files: readonly FoundFile[]): Promise<string[]> {
  return files.map(readManifestText);
}

function readManifestText(file: FoundFile): string {
  const tooLarge = () =>
    new ManifestSourceError(
      'E_MANIFEST_TOO_LARGE',
      file.display,
      `${file.display} is larger than ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB`,
      'Split the file, or move whatever it is out of the deployed directory.',
    );
  if (statSync(file.absolute).size > MAX_MANIFEST_BYTES) throw tooLarge();
  const bytes = readFileSync(file.absolute);
  if (bytes.length > MAX_MANIFEST_BYTES) throw tooLarge();
  return decodeUtf8(bytes, file.display);
}

/** UTF-8 text without its byte order mark; UTF-16 and invalid bytes are refused, never garbled. */
function decodeUtf8(bytes: Uint8Array, file: string): string {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  if (utf16 || bytes.includes(0)) {
    throw encodingError(
      file,
      utf16
        ? `${file} is UTF-16; manifests must be UTF-8`
        : `${file} contains NUL bytes: UTF-16 without a byte order mark, or not text at all`,
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw encodingError(file, `${file}:${firstInvalidUtf8Line(bytes)}: not valid UTF-8`);
  }
}

function encodingError(file: string, message: string): ManifestSourceError {
  return new ManifestSourceError(
    'E_MANIFEST_ENCODING',
    file,
    message,
    `Convert it to UTF-8 (e.g. iconv -f <encoding> -t UTF-8 ${file}) and commit it.`,
  );
}

/** 0x0A never occurs inside a multi-byte UTF-8 sequence, so each line can be checked alone. */
function firstInvalidUtf8Line(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline;
    try {
      decoder.decode(bytes.subarray(start, end));
    } catch {
      return line;
    }
    start = end + 1;
  }
  return 1;
}

// --- paths ----------------------------------------------------------------------------------

function displayPath(rootDir: string, absolute: string): string {
  return relative(rootDir, absolute).split(sep).join(posix.sep) || '.';
}

function isInside(base: string, target: string): boolean {
  const path = relative(base, target);
  return path === '' || (!isAbsolute(path) && path.split(sep)[0] !== '..');
}

/** Code-unit order, so the render order does not depend on the machine's locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

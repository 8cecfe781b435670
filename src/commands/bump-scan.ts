import type { Git } from '../adapters/git.js';
import { signalCheckpoint } from '../adapters/interrupt.js';
import { HeadFiles, writeManifest } from '../adapters/manifest-files.js';
import { assertNothingLeftBehind, type BumpPlan, planBump } from '../core/bump/plan.js';
import { type DecodedManifest, type FileScan, scanManifest } from '../manifests/index.js';
import type { BumpRequest } from './bump-manifest.js';

export { prepareScanner } from '../manifests/warm-up.js';

// bump-manifest's scanning half: the YAML code (the `yaml` package, the line certifier, the
// conventions), imported while git clones rather than before (bench/argocd.mjs).

/**
 * Scans by path, kept across attempts: after a rejected push only the files whose text the new
 * tip changed are parsed again, which keeps the window between fetch and push short in a
 * large env repo (bench/bump.mjs).
 */
export type ScanCache = Map<string, { source: DecodedManifest; scan: FileScan }>;

/** Reads HEAD's tree (see HeadFiles); bump-manifest starts it while it asks git other questions. */
export function readHead(git: Git): Promise<HeadFiles> {
  return HeadFiles.read(git);
}

/** Ends a read of HEAD that no plan will use (its git process must not outlive the clone). */
export async function discardHead(headRead: Promise<HeadFiles> | undefined): Promise<void> {
  await headRead?.then((head) => head.close()).catch(() => {});
}

/**
 * Scans HEAD's files, checks every image matched something, and writes the edited files into
 * the clone's work tree (which holds nothing else: see HeadFiles). `base` is the commit planned on.
 */
export async function planOnHead(
  git: Git,
  request: Pick<BumpRequest, 'paths' | 'targets' | 'includeCiFiles' | 'allowNoMatch'>,
  cache: ScanCache,
  headRead: Promise<HeadFiles> = HeadFiles.read(git),
): Promise<{ plan: BumpPlan; base: string }> {
  const head = await headRead;
  const [files, sources] = await readManifests(head, request);
  // Parsing is synchronous: between files, let a SIGTERM (a cancelled job) be acted on.
  const checkpoint = signalCheckpoint();
  const scans: { path: string; scan: FileScan }[] = [];
  for (const [index, path] of files.entries()) {
    const source = sources[index] as DecodedManifest;
    const cached = cache.get(path);
    const unchanged = cached?.source.text === source.text && cached.source.encoding === source.encoding;
    const scan = unchanged ? cached.scan : scanManifest(path, source.text, request.targets);
    cache.set(path, { source, scan });
    scans.push({ path, scan });
    await checkpoint();
  }
  const plan = planBump(scans, request.targets);
  assertNothingLeftBehind(plan, {
    paths: request.paths,
    filesScanned: files.length,
    allowNoMatch: request.allowNoMatch,
  });
  for (const { path, edits } of plan.files) {
    writeManifest(git.cwd, path, (cache.get(path) as { source: DecodedManifest }).source, edits);
  }
  return { plan, base: head.commit };
}

async function readManifests(
  head: HeadFiles,
  request: Pick<BumpRequest, 'paths' | 'includeCiFiles'>,
): Promise<[string[], DecodedManifest[]]> {
  try {
    const files = await head.manifestPaths(request.paths, { includeCiFiles: request.includeCiFiles });
    return [files, await head.read(files)];
  } finally {
    await head.close();
  }
}

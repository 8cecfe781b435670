import { statSync } from 'node:fs';
import type { EnvCommit } from '../core/bump/provenance.js';
import { GitError, UsageError } from '../errors.js';
import { PassThrough } from 'node:stream';
import { exec, type ExecOptions, type ExecResult } from './exec.js';

/**
 * The environment every git call gets: never prompt, never hang, stable (English) messages to
 * interpret. SSH runs in batch mode (no passphrase or host-key prompt) unless the user chose an
 * SSH command; an HTTP transfer slower than 1 KB/s for a minute is abandoned.
 */
export function gitEnv(env: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const ssh = env.GIT_SSH_COMMAND || env.GIT_SSH ? {} : { GIT_SSH_COMMAND: NON_INTERACTIVE_SSH };
  return {
    GIT_HTTP_LOW_SPEED_LIMIT: '1000',
    GIT_HTTP_LOW_SPEED_TIME: '60',
    GIT_ALLOW_PROTOCOL: SAFE_PROTOCOLS,
    ...withoutRepositorySelection(env),
    ...ssh,
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
    LC_ALL: 'C',
    ...extra,
  };
}

/**
 * Variables that choose which repository, index, objects, refs or paths git works on. Git hooks
 * and linked worktrees export some of them; inherited, they would point kpush's git at the
 * caller's repository instead of the clone or --cwd. Everything else (GIT_SSH_COMMAND,
 * GIT_AUTHOR_*, GIT_SSL_CAINFO, GIT_CONFIG_*, GIT_TRACE*) is the user's to set and is kept.
 */
const REPOSITORY_SELECTING = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_COMMON_DIR',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_QUARANTINE_PATH',
  'GIT_NAMESPACE',
  'GIT_CEILING_DIRECTORIES',
  'GIT_DISCOVERY_ACROSS_FILESYSTEM',
  'GIT_PREFIX',
  'GIT_INTERNAL_SUPER_PREFIX',
  'GIT_SHALLOW_FILE',
  'GIT_GRAFT_FILE',
  'GIT_REPLACE_REF_BASE',
  'GIT_NO_REPLACE_OBJECTS',
  'GIT_LITERAL_PATHSPECS',
  'GIT_GLOB_PATHSPECS',
  'GIT_NOGLOB_PATHSPECS',
  'GIT_ICASE_PATHSPECS',
  // These change the dry-run diff kpush prints (it must stay a patch that applies).
  'GIT_DIFF_OPTS',
  'GIT_EXTERNAL_DIFF',
];

function withoutRepositorySelection(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept = { ...env };
  for (const name of REPOSITORY_SELECTING) delete kept[name];
  return kept;
}

/**
 * Transports git may use unless the user chose otherwise with GIT_ALLOW_PROTOCOL: no remote
 * helpers such as `ext::` (runs a command) or `fd::` (reads a descriptor, waits forever).
 */
const SAFE_PROTOCOLS = 'file:git:http:https:ssh';

const NON_INTERACTIVE_SSH =
  'ssh -o BatchMode=yes -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=4';

/**
 * Commands that touch only the local repository and run no hooks (read-tree writes its index;
 * commit writes kpush's throwaway clone, with hooks off): nothing they could still do after a
 * SIGKILL of kpush matters, so they run without the lifeline's shell.
 */
const LOCAL_ONLY = new Set([
  'cat-file',
  'commit',
  'config',
  'diff',
  'for-each-ref',
  'log',
  'ls-tree',
  'merge-base',
  'read-tree',
  'rev-parse',
  'show',
  'status',
  'symbolic-ref',
]);

export type PushOutcome = { kind: 'pushed' } | { kind: 'rejected'; reason: string };

/**
 * The one place kpush talks to git: a child process per command, argument arrays only.
 * Methods return facts or throw GitError; "no" (e.g. detached HEAD) is never confused with
 * "git broke".
 */
export class Git {
  private readonly timeoutMs: number;

  constructor(
    readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.timeoutMs = gitTimeoutMs(env);
  }

  /** Runs git and returns stdout; throws GitError with git's own words on failure. */
  async run(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
    const result = await this.exec(args, extraEnv);
    if (result.exitCode !== 0) throw gitFailure(args, result);
    return result.stdout;
  }

  exec(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}, input?: string): Promise<ExecResult> {
    return this.spawn(args, extraEnv, { cwd: this.cwd, input });
  }

  /** A reader of this repository's objects, open until closed (see ObjectReader). */
  objectReader(): ObjectReader {
    return new ObjectReader((input, onStdout) =>
      this.spawn(['cat-file', '--batch'], {}, { cwd: this.cwd, input, onStdout }),
    );
  }

  /**
   * Every git process: bounded in time (a stalled remote or an inherited GIT_ASKPASS that
   * prompts must not hang the job) and, unless it only reads the local repository, killed with
   * kpush however kpush dies (the lifeline costs a shell per call: ~3 ms).
   */
  private async spawn(
    args: readonly string[],
    extraEnv: NodeJS.ProcessEnv,
    options: Pick<ExecOptions, 'cwd' | 'input' | 'onStdout'>,
  ): Promise<ExecResult> {
    const result = await exec('git', args, {
      ...options,
      env: gitEnv(this.env, extraEnv),
      timeoutMs: this.timeoutMs,
      dieWithParent: !LOCAL_ONLY.has(subcommand(args)),
    }).catch((error: unknown) => {
      throw spawnFailure(error, options.cwd);
    });
    if (result.timedOut) {
      throw new GitError(
        'E_GIT_TIMEOUT',
        `git ${subcommand(args)} did not finish within ${this.timeoutMs / 1000} s and was stopped`,
        {
          hint: 'The remote stalled, or git waited for input (GIT_ASKPASS, a credential helper, an SSH prompt): check the remote and your credentials, or raise KPUSH_GIT_TIMEOUT (seconds).',
          details: { gitStderr: result.stderr.trim() },
        },
      );
    }
    return result;
  }

  async toplevel(): Promise<string> {
    const result = await this.exec(['rev-parse', '--show-toplevel']);
    if (result.exitCode !== 0) {
      if (/not a git repository/i.test(result.stderr)) {
        throw new GitError('E_NOT_A_REPO', `${this.cwd} is not inside a git repository`, {
          hint: 'Run kpush from your app repository checkout, or pass --cwd <dir>.',
        });
      }
      throw gitFailure(['rev-parse', '--show-toplevel'], result);
    }
    return result.stdout.trim();
  }

  async headSha(): Promise<string> {
    const result = await this.exec(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
    if (result.exitCode === 1 && result.stdout.trim() === '') {
      throw new GitError('E_NO_COMMITS', `the repository at ${this.cwd} has no commits yet`, {
        hint: 'Commit something first: a tag is derived from a commit.',
      });
    }
    if (result.exitCode !== 0) throw gitFailure(['rev-parse', 'HEAD'], result);
    return result.stdout.trim();
  }

  /** The checked-out branch, or null on a detached HEAD. */
  async currentBranch(): Promise<string | null> {
    const result = await this.exec(['symbolic-ref', '--quiet', '--short', 'HEAD']);
    if (result.exitCode === 0) return result.stdout.trim();
    if (result.exitCode === 1) return null;
    throw gitFailure(['symbolic-ref', 'HEAD'], result);
  }

  /** Local and remote-tracking branches whose tip is `sha` (for a detached HEAD). */
  async branchesAt(sha: string): Promise<string[]> {
    const out = await this.run([
      'for-each-ref',
      '--format=%(refname)',
      `--points-at=${sha}`,
      'refs/heads',
      'refs/remotes',
    ]);
    return lines(out)
      .filter((ref) => !ref.endsWith('/HEAD'))
      .map((ref) => ref.replace(/^refs\/heads\//, '').replace(/^refs\/remotes\/[^/]+\//, ''));
  }

  async tagsAt(sha: string): Promise<string[]> {
    return lines(await this.run(['tag', '--points-at', sha]));
  }

  /** Committer time of `sha`, or null when the object is not in this (shallow) clone. */
  async commitTime(sha: string): Promise<Date | null> {
    const result = await this.exec(['show', '-s', '--format=%ct', `${sha}^{commit}`]);
    if (result.exitCode !== 0) {
      if (/bad object|unknown revision|ambiguous argument|invalid object/i.test(result.stderr)) return null;
      throw gitFailure(['show', sha], result);
    }
    return new Date(Number(result.stdout.trim()) * 1000);
  }

  /** Whether tracked files differ from HEAD (untracked files do not count, as in `git describe --dirty`). */
  async isDirty(paths: readonly string[] = []): Promise<boolean> {
    const out = await this.run(['status', '--porcelain', '--untracked-files=no', '--', ...paths]);
    return out.trim() !== '';
  }

  /** The object id of `path` (relative to the top level) in HEAD, or null when HEAD has no such path. */
  async treeHash(path: string): Promise<string | null> {
    const result = await this.exec(['rev-parse', '--verify', '--quiet', `HEAD:${path}`]);
    if (result.exitCode === 0) return result.stdout.trim();
    if (result.exitCode === 1) return null;
    throw gitFailure(['rev-parse', `HEAD:${path}`], result);
  }

  /** A remote's URL, or null when there is no such remote. */
  async remoteUrl(name = 'origin'): Promise<string | null> {
    const result = await this.exec(['remote', 'get-url', name]);
    if (result.exitCode === 0) return result.stdout.trim();
    if (/no such remote/i.test(result.stderr)) return null;
    throw gitFailure(['remote', 'get-url', name], result);
  }

  /**
   * Shallow single-branch clone of `url` into this adapter's cwd (which must not exist yet or be
   * empty). `checkout: false` leaves the work tree empty, for callers that read HEAD's tree.
   */
  async clone(
    url: string,
    branch: string | undefined,
    extraEnv: NodeJS.ProcessEnv = {},
    { checkout = true }: { checkout?: boolean } = {},
  ): Promise<void> {
    const args = [
      'clone',
      // No template (hooks, info/exclude): none from the caller's init.templateDir runs in
      // kpush's clone, and there are 18 fewer files to create and remove.
      '--template=',
      // The clone is thrown away: no reflogs (8 files and directories fewer), no `git
      // maintenance run --auto` after a commit or fetch, and loose objects left uncompressed
      // (written once, read once by the push, which compresses what it sends; a 1.9 MB
      // commit: 19 -> 15 ms).
      ...['--config', 'core.logAllRefUpdates=false', '--config', 'maintenance.auto=false'],
      ...['--config', 'core.looseCompression=0'],
      '--depth',
      '1',
      '--single-branch',
      '--no-tags',
      ...(checkout ? [] : ['--no-checkout']),
      ...(branch ? ['--branch', branch] : []),
    ];
    const result = await this.spawn([...args, '--', url, this.cwd], extraEnv, {});
    if (result.exitCode !== 0) throw gitFailure(args, result);
    if (/cloned an empty repository/i.test(result.stderr)) {
      // A remote whose HEAD names a missing branch looks empty to a single-branch clone.
      const heads = await this.exec(['ls-remote', '--heads', 'origin'], extraEnv);
      if (heads.exitCode === 0 && heads.stdout.trim() !== '') {
        throw new GitError('E_GIT_BRANCH', "the remote's HEAD points at a branch that does not exist", {
          hint: 'Pass --branch <name> with the branch to update.',
        });
      }
      throw new GitError('E_GIT_EMPTY_REMOTE', 'the environment repository has no commits yet', {
        hint: 'Push an initial commit with your manifests to the environment repository first.',
      });
    }
  }

  /** The remote tip of `branch`, or null when the remote has no such branch. */
  async remoteBranchTip(branch: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<string | null> {
    const out = await this.run(['ls-remote', '--heads', 'origin', `refs/heads/${branch}`], extraEnv);
    return /^([0-9a-f]{40,64})\trefs\/heads\//m.exec(out)?.[1] ?? null;
  }

  /**
   * Moves HEAD to the remote tip of `branch` (after a rejected push). Only HEAD: a bump reads
   * the tree of HEAD and commits the paths it wrote, never the rest of the work tree.
   */
  async resetToRemote(branch: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<void> {
    await this.run(
      ['fetch', '--depth', '1', '--no-tags', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`],
      extraEnv,
    );
    await this.run(['reset', '--soft', '--quiet', `refs/remotes/origin/${branch}`]);
  }

  /**
   * Commits exactly `paths` as they are in the work tree on top of HEAD's tree (`--only`: the
   * index and the rest of the work tree play no part); identity from `identityEnv`.
   */
  async commit(paths: readonly string[], message: string, identityEnv: NodeJS.ProcessEnv): Promise<void> {
    const result = await this.exec(
      [
        // The clone is kpush's own: no hooks from the caller's git config (core.hooksPath) run.
        ...['-c', 'core.hooksPath=/dev/null'],
        'commit',
        '--quiet',
        '--no-verify',
        '--only',
        '--file=-',
        '--',
        ...paths,
      ],
      identityEnv,
      message,
    );
    if (result.exitCode !== 0) throw gitFailure(['commit'], result);
  }

  /**
   * `git diff` of the work tree against HEAD for `paths`. The index is read from HEAD first: a
   * clone without a checkout has none, and git would show the files as new.
   */
  async diff(paths: readonly string[]): Promise<string> {
    await this.run(['read-tree', 'HEAD']);
    return this.run(['diff', '--no-color', '--no-ext-diff', '--', ...paths]);
  }

  /** A git config value, or null when unset. */
  async configValue(key: string): Promise<string | null> {
    const result = await this.exec(['config', '--get', key]);
    if (result.exitCode === 0) return result.stdout.trim();
    if (result.exitCode === 1) return null;
    throw gitFailure(['config', key], result);
  }

  /**
   * The newest commit in the history of `from` that changed how often `needle` occurs in `paths`
   * (git's pickaxe): the one that wrote a value there, or null. In a shallow clone the oldest
   * commit present (no parents) seems to add everything: the caller deepens and asks again.
   */
  async lastCommitChanging(
    needle: string,
    paths: readonly string[],
    from: string,
  ): Promise<EnvCommit | null> {
    const format = '--format=%H%x1f%P%x1f%s%x1f%(trailers:only,unfold)';
    const out = await this.run(['log', '--max-count=1', `-S${needle}`, format, from, '--', ...paths]);
    if (out.trim() === '') return null;
    const [sha = '', parents = '', subject = '', trailers = ''] = out.split('\x1f');
    return { sha, parents: parents.split(' ').filter(Boolean), subject, trailers: parseTrailers(trailers) };
  }

  async isShallow(): Promise<boolean> {
    return (await this.run(['rev-parse', '--is-shallow-repository'])).trim() === 'true';
  }

  /** Whether the commit `sha` is in this repository (a shallow clone may lack it). */
  async hasCommit(sha: string): Promise<boolean> {
    const result = await this.exec(['cat-file', '-e', `${sha}^{commit}`]);
    if (result.exitCode === 0) return true;
    if (/not a valid object name|bad object|unknown revision/i.test(result.stderr)) return false;
    throw gitFailure(['cat-file', '-e', sha], result);
  }

  /**
   * Fetches commits by id from origin without touching refs or FETCH_HEAD: `{ depth }` commits of
   * history for commits not here yet, `{ deepen }` more behind a shallow boundary, or all of it.
   * Never shortens a history already present (`--depth` would, for commits already here).
   */
  async fetchCommits(
    shas: readonly string[],
    limit: { depth: number } | { deepen: number } | 'all',
    extraEnv: NodeJS.ProcessEnv = {},
  ): Promise<void> {
    const bound =
      limit === 'all' ? [] : 'depth' in limit ? [`--depth=${limit.depth}`] : [`--deepen=${limit.deepen}`];
    await this.run(
      ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', ...bound, 'origin', ...shas],
      extraEnv,
    );
  }

  /** Whether `ancestor` is `descendant` or one of its ancestors, as far as this history reaches. */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const result = await this.exec(['merge-base', '--is-ancestor', ancestor, descendant]);
    if (result.exitCode === 0) return true;
    if (result.exitCode === 1) return false;
    throw gitFailure(['merge-base', '--is-ancestor'], result);
  }

  /**
   * Pushes HEAD to `branch`; a rejection because the remote moved is an outcome, not an error.
   * `lease` replaces the branch only if its remote tip is still `expected` (null: absent), for
   * pull-request mode's own branch; a moved tip is then a rejection like any other.
   */
  async push(
    branch: string,
    extraEnv: NodeJS.ProcessEnv = {},
    lease?: { expected: string | null },
  ): Promise<PushOutcome> {
    const leaseArgs = lease ? [`--force-with-lease=refs/heads/${branch}:${lease.expected ?? ''}`] : [];
    const args = ['push', '--porcelain', ...leaseArgs, 'origin', `HEAD:refs/heads/${branch}`];
    const result = await this.exec(args, extraEnv);
    const reason = pushRejectionReason(result);
    if (reason !== null) return { kind: 'rejected', reason };
    if (result.exitCode !== 0) throw refusal(branch, result) ?? gitFailure(args, result);
    return { kind: 'pushed' };
  }
}

export interface GitObject {
  oid: string;
  type: string;
  content: Buffer;
}

/**
 * One `git cat-file --batch` for a series of reads, as a bump learns what it needs (HEAD, then
 * the blobs of the files its tree lists): one process instead of one per step, started before
 * the first answer is needed. Must be closed.
 */
export class ObjectReader {
  private readonly requests = new PassThrough();
  private readonly pending: {
    names: readonly string[];
    objects: GitObject[];
    failure: string | null;
    resolve: (objects: GitObject[]) => void;
    reject: (error: Error) => void;
  }[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The header of the object being received: `<oid> <type> <size>` and its length with LF. */
  private header: { oid: string; type: string; size: number; length: number } | null = null;
  private readonly finished: Promise<ExecResult>;
  private closed: Promise<void> | undefined;

  constructor(start: (input: PassThrough, onStdout: (chunk: Buffer) => void) => Promise<ExecResult>) {
    this.finished = start(this.requests, (chunk) => this.receive(chunk));
    // An early exit (or a failure to start) answers every read still waiting.
    this.finished.then(
      (result) => {
        if (this.pending.length === 0) return;
        this.failPending(
          result.exitCode === 0
            ? new GitError('E_GIT', 'git cat-file ended before it answered')
            : gitFailure(['cat-file', '--batch'], result),
        );
      },
      (error: Error) => this.failPending(error),
    );
  }

  /** The objects `names` (object ids, or names such as HEAD) stand for, in order. */
  read(names: readonly string[]): Promise<GitObject[]> {
    if (names.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.pending.push({ names, objects: [], failure: null, resolve, reject });
      this.requests.write(`${names.join('\n')}\n`);
    });
  }

  /**
   * Every regular file, symlink and submodule below the tree `oid`, by path (what `git ls-tree
   * -r` lists), read a directory level at a time: no process of its own to wait for.
   */
  async files(oid: string): Promise<Map<string, { mode: string; oid: string }>> {
    const files = new Map<string, { mode: string; oid: string }>();
    for (let level = [{ path: '', oid }]; level.length > 0; ) {
      const trees = await this.read(level.map((tree) => tree.oid));
      const next: { path: string; oid: string }[] = [];
      for (const [index, tree] of trees.entries()) {
        if (tree.type !== 'tree')
          throw new GitError('E_GIT', `git cat-file: ${tree.oid} is a ${tree.type}, not a tree`);
        const dir = level[index]?.path ?? '';
        for (const entry of treeEntries(tree.content, oid.length / 2)) {
          const path = dir + entry.name;
          if (entry.mode === TREE_MODE) next.push({ path: `${path}/`, oid: entry.oid });
          else files.set(path, { mode: entry.mode, oid: entry.oid });
        }
      }
      level = next;
    }
    return files;
  }

  /** Ends git's input and waits for it to exit (again: the same answer). */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.requests.end();
      const result = await this.finished;
      if (result.exitCode !== 0) throw gitFailure(['cat-file', '--batch'], result);
    })();
    return this.closed;
  }

  private receive(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.pending.length > 0 && this.takeObject());
  }

  /** Takes the next whole answer off the output, if it is all there. */
  private takeObject(): boolean {
    const request = this.pending[0];
    if (request === undefined) return false;
    if (this.header === null) {
      const start = this.chunks.length > 1 && !this.chunks[0]?.includes(10) ? this.joined() : this.chunks[0];
      const eol = start?.indexOf(10) ?? -1;
      if (start === undefined || eol < 0) return false;
      // `<oid> <type> <size>`, or `<name> missing` / `<name> ambiguous`.
      const [oid = '', type = '', size = ''] = start.toString('latin1', 0, eol).split(' ');
      this.header = { oid, type, size: size === '' ? -1 : Number(size), length: eol + 1 };
    }
    const { oid, type, size, length } = this.header;
    const end = size < 0 ? length : length + size + 1;
    if (this.buffered < end) return false;
    const all = this.joined();
    const name = request.names[request.objects.length] ?? oid;
    if (size < 0) request.failure ??= `${name} ${type}`;
    request.objects.push({ oid, type, content: all.subarray(length, Math.max(length, end - 1)) });
    this.chunks = end < all.length ? [all.subarray(end)] : [];
    this.buffered = all.length - end;
    this.header = null;
    if (request.objects.length === request.names.length) {
      this.pending.shift();
      if (request.failure === null) request.resolve(request.objects);
      else request.reject(new GitError('E_GIT', `git cat-file: cannot read ${request.failure}`));
    }
    return true;
  }

  private joined(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private failPending(error: Error): void {
    for (const request of this.pending.splice(0)) request.reject(error);
  }
}

const TREE_MODE = '40000';

/**
 * A tree object's entries: `<mode> SP <name> NUL <oid, raw>`, repeated. Modes as git stores
 * them (`40000` for a directory, not `ls-tree`'s `040000`); names are UTF-8, as ls-tree shows.
 */
export function treeEntries(
  content: Buffer,
  oidBytes: number,
): { mode: string; name: string; oid: string }[] {
  const entries: { mode: string; name: string; oid: string }[] = [];
  for (let at = 0; at < content.length; ) {
    const space = content.indexOf(32, at);
    const nul = content.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 1 + oidBytes > content.length)
      throw new GitError('E_GIT', 'git cat-file: a tree object that does not parse');
    entries.push({
      mode: content.toString('latin1', at, space),
      name: content.toString('utf8', space + 1, nul),
      oid: content.toString('hex', nul + 1, nul + 1 + oidBytes),
    });
    at = nul + 1 + oidBytes;
  }
  return entries;
}

/**
 * Why a push was refused because the branch moved, or null for any other outcome. Besides the
 * usual `[rejected] (fetch first)`, two pushes racing for the same instant make the server's
 * ref update fail with `cannot lock ref … is at X but expected Y`: the same situation.
 */
function pushRejectionReason(result: ExecResult): string | null {
  const line = /^!\t[^\t]*\t\[(rejected|remote rejected)\] \(([^)]*)\)/m.exec(result.stdout);
  if (!line) return null;
  const [, kind, reason = ''] = line;
  if (kind === 'rejected' && /fetch first|non-fast-forward|stale info/.test(reason)) return reason;
  if (/cannot lock ref .*(but expected|reference already exists)|incorrect old value/.test(result.stderr)) {
    return 'ref changed during push';
  }
  return null;
}

/** Default bound for one git command; generous, since a first clone of a big repo takes time. */
const DEFAULT_GIT_TIMEOUT_S = 600;

function gitTimeoutMs(env: NodeJS.ProcessEnv): number {
  const text = env.KPUSH_GIT_TIMEOUT;
  if (text === undefined || text === '') return DEFAULT_GIT_TIMEOUT_S * 1000;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`KPUSH_GIT_TIMEOUT=${text} is not a positive number of seconds`, {
      hint: `Unset it for the default (${DEFAULT_GIT_TIMEOUT_S} s), or give seconds, e.g. KPUSH_GIT_TIMEOUT=900.`,
    });
  }
  return seconds * 1000;
}

/** git could not be started: a missing git, or a working directory that is not one. */
function spawnFailure(error: unknown, cwd: string | undefined): GitError {
  const info = cwd === undefined ? undefined : statSync(cwd, { throwIfNoEntry: false });
  if (cwd !== undefined && !info?.isDirectory()) {
    return new GitError('E_NOT_A_DIRECTORY', `${cwd} is ${info ? 'not a directory' : 'missing'}`, {
      hint: 'Point --cwd at the directory of your repository checkout.',
      cause: error,
    });
  }
  return new GitError('E_GIT_MISSING', `could not run git: ${(error as Error).message}`, {
    hint: 'Install git and make sure it is on PATH.',
    cause: error,
  });
}

/**
 * A push the remote refused for a reason other than a moved branch (a pre-receive hook, branch
 * protection, a size limit): final, so not retried, and the remote's own words are the message.
 * `--porcelain` puts the verdict on stdout (`!\t<ref>\t[remote rejected] (<why>)`); what the
 * hook printed comes on stderr as `remote: …` lines.
 */
function refusal(branch: string, result: ExecResult): GitError | null {
  const verdicts = lines(result.stdout)
    .filter((line) => line.startsWith('!'))
    .map((line) => line.split('\t').at(-1) ?? line);
  if (verdicts.length === 0) return null;
  const remoteSaid = result.stderr
    .split('\n')
    .map((line) => /^remote: ?(.*)$/.exec(line.trimEnd())?.[1]?.trim())
    .filter((line): line is string => Boolean(line));
  const said = remoteSaid.length ? `; the remote said: ${remoteSaid.join(' | ')}` : '';
  return new GitError('E_PUSH_REJECTED', `git push to ${branch} was refused: ${verdicts.join(', ')}${said}`, {
    hint: 'A hook or branch protection on the remote refused the commit; kpush did not retry. Fix the rule or the permissions it names, or push to another branch.',
    details: { gitStderr: result.stderr.trim() },
  });
}

/** `Key: value` lines of `%(trailers:only,unfold)`. */
function parseTrailers(text: string): Array<[string, string]> {
  return text.split('\n').flatMap((line): Array<[string, string]> => {
    const match = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line.trim());
    return match ? [[match[1] as string, (match[2] as string).trim()]] : [];
  });
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** The git command `args` run, after any `-c name=value` options. */
function subcommand(args: readonly string[]): string {
  let at = 0;
  while (args[at] === '-c') at += 2;
  return args[at] ?? '';
}

/** Interprets git's stderr once, here, into an error that says what to do. */
export function gitFailure(args: readonly string[], result: ExecResult): GitError {
  const stderr = result.stderr.trim();
  const said = essentialLines(stderr) || `exit code ${result.exitCode}`;
  const command = `git ${subcommand(args)}`;
  const details = { gitStderr: stderr };
  if (
    /Authentication failed|could not read Username|Permission denied \(publickey|HTTP Basic: Access denied|(?:error|returned error): 40[13]\b/i.test(
      stderr,
    )
  ) {
    return new GitError('E_GIT_AUTH', `${command}: the remote rejected the credentials (${said})`, {
      hint: 'Set KPUSH_GIT_TOKEN (or GITHUB_TOKEN / CI_JOB_TOKEN) with write access, or load an SSH key into your agent.',
      details,
    });
  }
  const redirect = /returned error: (30[12378])\b/.exec(stderr);
  if (redirect) {
    return new GitError(
      'E_GIT_REDIRECT',
      `${command}: the remote redirected (HTTP ${redirect[1]}); kpush does not follow redirects when it sends a token (${said})`,
      {
        hint: 'Pass the URL the remote redirects to as --repo (after a rename or a move, the new one), so the token goes only where you said.',
        details,
      },
    );
  }
  if (
    /does not appear to be a git repository|repository .* not found|Could not resolve host|unable to access|Connection refused|timed out/i.test(
      stderr,
    )
  ) {
    return new GitError('E_GIT_REMOTE', `${command}: cannot reach the repository (${said})`, {
      hint: 'Check the --repo URL or path and your network access.',
      details,
    });
  }
  if (/Remote branch .* not found|couldn't find remote ref/i.test(stderr)) {
    return new GitError('E_GIT_BRANCH', `${command}: the branch does not exist on the remote (${said})`, {
      hint: 'Check --branch, or omit it to use the remote default branch.',
      details,
    });
  }
  return new GitError('E_GIT', `${command} failed: ${said}`, {
    hint: "Check the repository state; --json shows git's full output under error.gitStderr.",
    details,
  });
}

/** git's own verdict: its fatal/error/rejection lines, not the advice around them. */
function essentialLines(stderr: string): string {
  const all = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const verdicts = all.filter((line) =>
    /^(fatal|error|remote: error|! \[)|\[(remote )?rejected\]/.test(line),
  );
  return (verdicts.length ? verdicts : all.slice(-3)).join(' | ');
}

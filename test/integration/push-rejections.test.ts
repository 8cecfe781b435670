import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kpush } from '../helpers/cli.js';
import { git, makeBareRemote, tempDir } from '../helpers/git.js';

const APP = `kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: sidecar
          image: ghcr.io/acme/sidecar:1.0
        - name: api
          image: ghcr.io/acme/api:1.0
          resources: {}
`;

/** What another pipeline pushed while kpush was pushing: the same file, every offset moved. */
const APP_BY_OTHER_PIPELINE = `# managed by the platform team
kind: Deployment
metadata:
  annotations:
    rollout: "2026-11-24"
spec:
  template:
    spec:
      containers:
        - name: sidecar
          image: ghcr.io/acme/sidecar:1.0.1-hotfix.7
        - name: api
          image: ghcr.io/acme/api:1.0
          resources: {}
`;

/** A server-side hook, as the remote runs it: executable, `#!/bin/sh`. */
function installHook(remotePath: string, name: string, lines: string[]): void {
  const hook = join(remotePath, 'hooks', name);
  writeFileSync(hook, ['#!/bin/sh', ...lines, ''].join('\n'));
  chmodSync(hook, 0o755);
}

/**
 * During kpush's first push only, another pipeline's commit setting `apps/app.yaml` to `content`
 * lands (plumbing in the bare repo), so kpush's ref update finds main moved: a race.
 */
function otherPipelineLandsDuringFirstPush(remotePath: string, content: string): void {
  const scratch = tempDir('kpush-hook-');
  writeFileSync(join(scratch, 'app.yaml'), content);
  installHook(remotePath, 'pre-receive', [
    `[ -e ${scratch}/landed ] && exit 0`,
    `touch ${scratch}/landed`,
    'unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES',
    `export GIT_INDEX_FILE=${scratch}/index`,
    'tip=$(git rev-parse refs/heads/main)',
    `blob=$(git hash-object -w ${scratch}/app.yaml)`,
    'git read-tree "$tip"',
    'git update-index --cacheinfo 100644,"$blob",apps/app.yaml',
    'new=$(echo "other pipeline" | git commit-tree "$(git write-tree)" -p "$tip")',
    'git update-ref refs/heads/main "$new" "$tip"',
  ]);
}

describe('a push rejected because another pipeline changed the same file', () => {
  it('re-scans the file on the new tip and pushes the request applied to it, nothing else', async () => {
    const remote = makeBareRemote({ 'apps/app.yaml': APP, 'README.md': 'env\n' });
    otherPipelineLandsDuringFirstPush(remote.path, APP_BY_OTHER_PIPELINE);

    const run = await kpush(['--json', 'bump-manifest', '--repo', remote.url, '-i', 'ghcr.io/acme/api:2.0']);

    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/main moved on the remote .*re-applying on the new tip/);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'pushed',
      attempts: 2,
      commit: git(remote.path, ['rev-parse', 'main']),
      changes: [
        { file: 'apps/app.yaml', line: 13, old: 'ghcr.io/acme/api:1.0', new: 'ghcr.io/acme/api:2.0' },
      ],
    });
    expect(git(remote.path, ['log', '--format=%s', 'main']).split('\n').slice(1)).toEqual([
      'other pipeline',
      'initial commit',
    ]);
    // Exactly the other pipeline's file with the one value replaced: its edits kept, no bytes
    // from the first scan's offsets.
    expect(`${git(remote.path, ['show', 'main:apps/app.yaml'])}\n`).toBe(
      APP_BY_OTHER_PIPELINE.replace('ghcr.io/acme/api:1.0', 'ghcr.io/acme/api:2.0'),
    );
    expect(git(remote.path, ['diff', '--name-only', 'main~1', 'main'])).toBe('apps/app.yaml');
  });

  it('reports up to date when the other pipeline already pushed the same value', async () => {
    const remote = makeBareRemote({ 'apps/app.yaml': APP });
    otherPipelineLandsDuringFirstPush(remote.path, APP.replace('api:1.0', 'api:2.0'));

    const run = await kpush(['--json', 'bump-manifest', '--repo', remote.url, '-i', 'ghcr.io/acme/api:2.0']);

    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'up-to-date', commit: null, attempts: 2 });
    expect(git(remote.path, ['log', '--format=%s', 'main']).split('\n')).toEqual([
      'other pipeline',
      'initial commit',
    ]);
  });
});

describe('a push refused for a reason other than a race', () => {
  it('fails at once on a protected branch, without a second attempt', async () => {
    const remote = makeBareRemote({ 'apps/app.yaml': APP });
    const before = git(remote.path, ['rev-parse', 'main']);
    const attempts = join(tempDir('kpush-hook-'), 'attempts');
    writeFileSync(attempts, '');
    // GitHub's and GitLab's branch protection answer from a per-ref hook like this one.
    installHook(remote.path, 'update', [
      `echo "$1" >> ${attempts}`,
      'echo "GH006: Protected branch update failed for $1."',
      'exit 1',
    ]);

    const run = await kpush(['--json', 'bump-manifest', '--repo', remote.url, '-i', 'ghcr.io/acme/api:2.0']);

    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'E_PUSH_REJECTED' } });
    expect(run.stderr).toMatch(/\[remote rejected\] \(hook declined\)/);
    expect(run.stderr).toContain('GH006: Protected branch update failed for refs/heads/main.');
    expect(run.stderr).not.toMatch(/re-applying/);
    expect(readFileSync(attempts, 'utf8')).toBe('refs/heads/main\n');
    expect(git(remote.path, ['rev-parse', 'main'])).toBe(before);
  });
});

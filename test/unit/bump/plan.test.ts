import { describe, expect, it } from 'vitest';
import {
  assertNothingLeftBehind,
  type BumpPlan,
  conflictingTargets,
  describeChange,
  planBump,
} from '../../../src/core/bump/plan.js';
import { parseImageReference } from '../../../src/core/image-ref.js';
import { KpushError } from '../../../src/errors.js';
import { scanManifest } from '../../../src/manifests/index.js';

/** Plans a bump of `images` over real scans of `files` (path → YAML), in the given order. */
function plan(files: Record<string, string>, images: string[]) {
  const targets = images.map(parseImageReference);
  const scans = Object.entries(files).map(([path, text]) => ({
    path,
    scan: scanManifest(path, text, targets),
  }));
  return planBump(scans, targets);
}

function thrown(action: () => void): KpushError {
  try {
    action();
  } catch (error) {
    if (error instanceof KpushError) return error;
    throw error;
  }
  throw new Error('expected a KpushError');
}

const API = 'containers:\n  - image: ghcr.io/acme/api:1.0\n';
const WEB = 'images:\n  - name: ghcr.io/acme/web\n    newTag: "1.0"\n';
const SCOPE = { paths: [], filesScanned: 3, allowNoMatch: false };

describe('planBump', () => {
  it('lists every change with its file and line, and only the files that change', () => {
    const result = plan(
      {
        'apps/api.yaml': API,
        'apps/untouched.yaml': 'containers:\n  - image: nginx:1.27\n',
        'apps/web/kustomization.yaml': WEB,
      },
      ['ghcr.io/acme/api:2.0', 'ghcr.io/acme/web:2.0'],
    );
    expect(result.files.map((file) => file.path)).toEqual(['apps/api.yaml', 'apps/web/kustomization.yaml']);
    expect(result.changes).toEqual([
      {
        file: 'apps/api.yaml',
        line: 2,
        kind: 'image',
        repository: 'ghcr.io/acme/api',
        old: 'ghcr.io/acme/api:1.0',
        new: 'ghcr.io/acme/api:2.0',
      },
      {
        file: 'apps/web/kustomization.yaml',
        line: 3,
        kind: 'kustomize',
        repository: 'ghcr.io/acme/web',
        old: '1.0',
        new: '2.0',
      },
    ]);
    expect(result.unmatched).toEqual([]);
    expect(result.declined).toEqual([]);
    expect(() => assertNothingLeftBehind(result, SCOPE)).not.toThrow();
  });

  it('counts a reference already at the requested value as matched, with nothing to change', () => {
    const result = plan({ 'apps/api.yaml': API }, ['ghcr.io/acme/api:1.0']);
    expect(result).toMatchObject({ files: [], changes: [], unmatched: [], declined: [] });
  });

  it('names the requested repositories nothing references, in request order', () => {
    const result = plan({ 'apps/api.yaml': API }, [
      'ghcr.io/acme/zeta:1',
      'ghcr.io/acme/api:2.0',
      'nginx:1.28',
    ]);
    expect(result.unmatched).toEqual(['ghcr.io/acme/zeta', 'docker.io/library/nginx']);
    expect(result.changes).toHaveLength(1);
  });

  it('prefixes each warning with its file', () => {
    const result = plan(
      {
        'k/kustomization.yaml':
          'images:\n  - name: ghcr.io/acme/web\n    newTag: "1.0"\n    tagSuffix: -debian\n',
      },
      ['ghcr.io/acme/web:2.0'],
    );
    expect(result.warnings.length).toBeGreaterThan(0);
    for (const warning of result.warnings) expect(warning).toMatch(/^k\/kustomization\.yaml: line \d+: /);
  });
});

describe('assertNothingLeftBehind', () => {
  it('fails naming every place left behind, with its reason, even with --allow-no-match', () => {
    const aliased = 'versions:\n  api: &ver "1.0"\napp:\n  tag: *ver # kpush:tag ghcr.io/acme/api\n';
    const result = plan({ 'a.yaml': aliased, 'b.yaml': aliased }, ['ghcr.io/acme/api:2.0']);
    const error = thrown(() => assertNothingLeftBehind(result, { ...SCOPE, allowNoMatch: true }));
    expect(error.code).toBe('E_NOT_BUMPED');
    expect(error.message).toMatch(
      /^2 references to ghcr\.io\/acme\/api would be left as they are: a\.yaml:4: .*alias \*ver.*; b\.yaml:4: .*alias \*ver/,
    );
    expect(error.details).toMatchObject({
      declined: [
        { file: 'a.yaml', line: 4 },
        { file: 'b.yaml', line: 4 },
      ],
    });
  });

  it('speaks of one reference in the singular', () => {
    const aliased = 'versions:\n  api: &ver "1.0"\napp:\n  tag: *ver # kpush:tag ghcr.io/acme/api\n';
    const result = plan({ 'a.yaml': aliased, 'b.yaml': API }, ['ghcr.io/acme/api:2.0']);
    const error = thrown(() => assertNothingLeftBehind(result, SCOPE));
    expect(error.message).toMatch(/^1 reference to ghcr\.io\/acme\/api would be left as it is: a\.yaml:4: /);
  });

  it('fails on a repository referenced nowhere, naming where it looked, unless --allow-no-match', () => {
    const result = plan({ 'apps/api.yaml': API }, ['ghcr.io/acme/api:2.0', 'ghcr.io/acme/zeta:1']);
    const whole = thrown(() => assertNothingLeftBehind(result, SCOPE));
    expect(whole.code).toBe('E_NO_MATCH');
    expect(whole.message).toBe(
      'no reference to ghcr.io/acme/zeta found in the whole repository (3 YAML files)',
    );
    const narrowed = thrown(() =>
      assertNothingLeftBehind(result, { paths: ['apps', 'base'], filesScanned: 1, allowNoMatch: false }),
    );
    expect(narrowed.message).toBe('no reference to ghcr.io/acme/zeta found in apps, base (1 YAML files)');
    expect(() => assertNothingLeftBehind(result, { ...SCOPE, allowNoMatch: true })).not.toThrow();
  });
});

describe('assertNothingLeftBehind, messages', () => {
  const empty: BumpPlan = { files: [], changes: [], unmatched: [], declined: [], warnings: [] };

  it('names every repository left behind, and says what to do', () => {
    const declined = [
      { file: 'a.yaml', line: 4, repository: 'ghcr.io/acme/api', reason: 'r1' },
      { file: 'b.yaml', line: 7, repository: 'ghcr.io/acme/web', reason: 'r2' },
      { file: 'c.yaml', line: 9, repository: 'ghcr.io/acme/api', reason: 'r3' },
    ];
    const error = thrown(() => assertNothingLeftBehind({ ...empty, declined, unmatched: ['x.io/y'] }, SCOPE));
    expect(error.message).toBe(
      '3 references to ghcr.io/acme/api, ghcr.io/acme/web would be left as they are: a.yaml:4: r1; b.yaml:7: r2; c.yaml:9: r3',
    );
    expect(error.hint).toBe(
      'Change those places so kpush can rewrite them (see the reasons), or leave them out with --path; nothing was committed.',
    );
    expect(error.details).toEqual({ declined, unmatched: ['x.io/y'] });
  });

  it('names every repository referenced nowhere, with the scope in the details', () => {
    const scope = { paths: ['apps'], filesScanned: 2, allowNoMatch: false };
    const error = thrown(() => assertNothingLeftBehind({ ...empty, unmatched: ['x.io/a', 'x.io/b'] }, scope));
    expect(error.code).toBe('E_NO_MATCH');
    expect(error.message).toBe('no reference to x.io/a, x.io/b found in apps (2 YAML files)');
    expect(error.hint).toBe(
      'Check the image repository spelling and --path, or pass --allow-no-match when this is expected.',
    );
    expect(error.details).toEqual({ unmatched: ['x.io/a', 'x.io/b'], paths: ['apps'], filesScanned: 2 });
  });
});

describe('describeChange', () => {
  const base = { file: 'f.yaml', line: 2, kind: 'image' as const, repository: 'ghcr.io/acme/api' };
  it('names the repository unless either value is a whole reference, and marks empty values', () => {
    expect(describeChange({ ...base, old: 'ghcr.io/acme/api:1', new: '' })).toBe(
      'f.yaml:2 ghcr.io/acme/api:1 -> (removed)',
    );
    expect(describeChange({ ...base, old: '', new: 'ghcr.io/acme/api:2' })).toBe(
      'f.yaml:2 (none) -> ghcr.io/acme/api:2',
    );
    expect(describeChange({ ...base, old: '', new: '2' })).toBe('f.yaml:2 ghcr.io/acme/api (none) -> 2');
  });
});

describe('conflictingTargets', () => {
  const targets = (...refs: string[]) => refs.map(parseImageReference);
  const DIGEST = `sha256:${'d'.repeat(64)}`;

  it('names each repository asked for with different values, once', () => {
    expect(
      conflictingTargets(
        targets('ghcr.io/acme/api:1', 'ghcr.io/acme/web:1', 'ghcr.io/acme/api:2', 'ghcr.io/acme/api:3'),
      ),
    ).toEqual(['ghcr.io/acme/api']);
    expect(conflictingTargets(targets('nginx:1.27', `docker.io/library/nginx:1.27@${DIGEST}`))).toEqual([
      'docker.io/library/nginx',
    ]);
  });

  it('accepts the same value twice, and different repositories', () => {
    expect(
      conflictingTargets(targets('ghcr.io/acme/api:1', 'ghcr.io/acme/api:1', 'ghcr.io/acme/web:2')),
    ).toEqual([]);
    expect(conflictingTargets(targets(`nginx@${DIGEST}`, `docker.io/library/nginx@${DIGEST}`))).toEqual([]);
    expect(conflictingTargets([])).toEqual([]);
  });
});

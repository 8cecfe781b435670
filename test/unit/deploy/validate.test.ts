import { describe, expect, it } from 'vitest';
import {
  looksLikeKubernetes,
  objectIdOf,
  parseManifestStream,
  type RenderedDocument,
  toValidManifests,
  validateManifests,
} from '../../../src/core/deploy/validate.js';
import { ManifestValidationError, YamlSyntaxError } from '../../../src/errors.js';

function syntaxError(text: string, file = 'apps/web.yaml'): YamlSyntaxError {
  try {
    parseManifestStream(text, file);
  } catch (error) {
    if (error instanceof YamlSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a YamlSyntaxError');
}

function validationError(documents: RenderedDocument[]): ManifestValidationError {
  try {
    toValidManifests(documents);
  } catch (error) {
    if (error instanceof ManifestValidationError) return error;
    throw error;
  }
  throw new Error('expected a ManifestValidationError');
}

const at = (object: unknown, line = 1, file = 'a.yaml'): RenderedDocument => ({
  object,
  source: { file, line },
});
const configMap = (name: string, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...metadata },
});

describe('parseManifestStream', () => {
  it('returns each document with the line its content starts on, dropping empty ones', () => {
    const text = [
      '# leading comment',
      'apiVersion: v1',
      'kind: ConfigMap',
      '---',
      '---',
      '# only a comment',
      '---',
      '',
      '# about b',
      'apiVersion: v1',
      'kind: Secret',
      '...',
      '---',
      'kind: Service',
      '',
    ].join('\n');
    const { objects } = parseManifestStream(text, 'a.yaml');
    expect(objects.map(({ object, line }) => [(object as { kind: string }).kind, line])).toEqual([
      ['ConfigMap', 2],
      ['Secret', 10],
      ['Service', 14],
    ]);
  });

  it('counts lines the same with CRLF line ends and a byte order mark', () => {
    const { objects } = parseManifestStream('\uFEFFkind: A\r\n---\r\nkind: B\r\n', 'a.yaml');
    expect(objects).toEqual([
      { object: { kind: 'A' }, line: 1 },
      { object: { kind: 'B' }, line: 3 },
    ]);
  });

  it('flattens List and typed *List kinds, each item at its own line, recursively', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: v1',
      '    kind: ConfigMap',
      '    metadata: {name: a}',
      '  - apiVersion: v1',
      '    kind: ServiceList',
      '    items:',
      '      - {apiVersion: v1, kind: Service, metadata: {name: b}}',
      '---',
      'kind: ConfigMapList',
      'items: []',
      '',
    ].join('\n');
    const { objects } = parseManifestStream(text, 'list.yaml');
    expect(objects.map(({ object, line }) => [(object as { kind: string }).kind, line])).toEqual([
      ['ConfigMap', 4],
      ['Service', 10],
    ]);
  });

  it('keeps a kind ending in List that has no items list as the object it is', () => {
    const { objects } = parseManifestStream('apiVersion: x/v1\nkind: AllowList\nspec: {}\n', 'a.yaml');
    expect(objects).toEqual([{ object: { apiVersion: 'x/v1', kind: 'AllowList', spec: {} }, line: 1 }]);
  });

  it('reads scalars as kubectl does: 1.1 octal and booleans, but times stay strings', () => {
    const text = 'mode: 0644\nenabled: yes\nport: 22:22\ndate: 2024-01-01\nquoted: "0644"\nhex: 0x1F\n';
    expect(parseManifestStream(text, 'a.yaml').objects[0]?.object).toEqual({
      mode: 420,
      enabled: true,
      port: '22:22',
      date: '2024-01-01',
      quoted: '0644',
      hex: 31,
    });
  });

  it('resolves anchors, aliases and merge keys', () => {
    const text = 'base: &labels {app: web}\nmetadata:\n  labels:\n    <<: *labels\n    tier: front\n';
    expect(parseManifestStream(text, 'a.yaml').objects[0]?.object).toEqual({
      base: { app: 'web' },
      metadata: { labels: { app: 'web', tier: 'front' } },
    });
  });

  it('reads JSON', () => {
    const text = '{\n\t"apiVersion": "v1",\n\t"kind": "ConfigMap",\n\t"metadata": {"name": "a"}\n}\n';
    expect(parseManifestStream(text, 'a.json').objects).toEqual([{ object: configMap('a'), line: 1 }]);
  });

  it('reports malformed YAML as file:line:col', () => {
    const error = syntaxError('kind: A\n---\nkind: B\nmetadata:\n  name: x\n bad: 1\n');
    expect(error).toMatchObject({
      file: 'apps/web.yaml',
      line: 6,
      column: 1,
      code: 'E_YAML_SYNTAX',
      exitCode: 1,
    });
    expect(error.message).toMatch(/^apps\/web\.yaml:6:1: /);
  });

  it('drops a byte order mark before a top-level list too', () => {
    expect(parseManifestStream('\uFEFF- a\n', 'a.yaml').objects).toEqual([{ object: ['a'], line: 1 }]);
  });

  it('reports columns after a byte order mark as the editor shows them', () => {
    expect(syntaxError('\uFEFFa: b: c\n')).toMatchObject({ line: 1, column: 4 });
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      levels.push(
        `${String.fromCharCode(97 + level)}: &${String.fromCharCode(97 + level)} [${Array(9).fill(`*${previous}`).join(', ')}]`,
      );
    }
    const error = syntaxError(`kind: A\n---\n${levels.join('\n')}\n`);
    expect(error).toMatchObject({ line: 3, column: 1 });
    expect(error.message).toContain('alias count');
  });

  it('rejects duplicate keys, as kubectl does', () => {
    expect(syntaxError('kind: A\nmetadata: {name: a}\nkind: B\n')).toMatchObject({ line: 3, column: 1 });
  });
});

describe('looksLikeKubernetes', () => {
  it('is true when any document names an apiVersion or kind', () => {
    expect(looksLikeKubernetes(parseManifestStream('replicas: 2\n---\nkind: X\n', 'a').objects)).toBe(true);
    expect(looksLikeKubernetes(parseManifestStream('apiVersion: v1\n', 'a').objects)).toBe(true);
  });

  it('is false for Helm values, empty files and bare scalars', () => {
    for (const text of [
      'image:\n  tag: 1.0\nkindness: 1\n',
      '',
      '# comment\n',
      'just text\n',
      '- a\n- b\n',
    ]) {
      expect(looksLikeKubernetes(parseManifestStream(text, 'a').objects)).toBe(false);
    }
  });
});

describe('validateManifests', () => {
  it('accepts valid objects', () => {
    expect(validateManifests([at(configMap('a')), at(configMap('b'))])).toEqual([]);
  });

  it('reports each missing or mistyped required field at file:line', () => {
    const problems = validateManifests([
      at({ kind: 'ConfigMap', metadata: { name: 'a' } }, 3, 'x.yaml'),
      at({ apiVersion: 'v1', metadata: { name: 'b' } }, 7, 'x.yaml'),
      at({ apiVersion: 'v1', kind: 'ConfigMap' }, 1, 'y.yaml'),
      at({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'n' } }, 2, 'y.yaml'),
      at({ apiVersion: 1, kind: ['ConfigMap'], metadata: { name: 5 } }, 9, 'y.yaml'),
      at({ apiVersion: 'v1', kind: 'ConfigMap', metadata: 'x' }, 12, 'y.yaml'),
      at({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 3 } }, 14, 'y.yaml'),
    ]);
    expect(problems.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`)).toEqual([
      'x.yaml:3: missing apiVersion',
      'x.yaml:7: missing kind',
      'y.yaml:1: missing metadata.name',
      'y.yaml:2: missing metadata.name',
      'y.yaml:9: apiVersion must be a string, found number 1',
      'y.yaml:9: kind must be a string, found a list',
      'y.yaml:9: metadata.name must be a string, found number 5',
      'y.yaml:12: metadata must be a mapping',
      'y.yaml:14: metadata.namespace must be a string, found number 3',
    ]);
  });

  it('rejects a document that is not a mapping', () => {
    expect(validateManifests([at(['a'], 4), at('text', 5)]).map((problem) => problem.message)).toEqual([
      'expected a Kubernetes object (a mapping), found a list',
      'expected a Kubernetes object (a mapping), found string "text"',
    ]);
  });

  it('rejects generateName without a name: server-side apply needs a name', () => {
    const problems = validateManifests([
      at({ apiVersion: 'batch/v1', kind: 'Job', metadata: { generateName: 'migrate-' } }, 2),
    ]);
    expect(problems).toEqual([
      {
        file: 'a.yaml',
        line: 2,
        message: 'metadata.generateName without metadata.name: server-side apply needs a fixed name',
      },
    ]);
  });

  it('reports an object defined twice with both locations', () => {
    const problems = validateManifests([
      at(
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } },
        3,
        'a.yaml',
      ),
      at(configMap('web'), 1, 'b.yaml'),
      at(
        { apiVersion: 'apps/v1beta2', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } },
        8,
        'c.yaml',
      ),
    ]);
    expect(problems).toEqual([
      {
        file: 'c.yaml',
        line: 8,
        message: 'Deployment.apps shop/web is also defined at a.yaml:3',
        related: { file: 'a.yaml', line: 3 },
      },
    ]);
  });

  it('tells objects apart by group, kind, namespace and name', () => {
    const problems = validateManifests([
      at(configMap('a')),
      at(configMap('a', { namespace: 'other' })),
      at({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a' } }),
      at({ apiVersion: 'example.com/v1', kind: 'ConfigMap', metadata: { name: 'a' } }),
      at(configMap('b')),
    ]);
    expect(problems).toEqual([]);
  });

  it("rejects an object that already belongs to another tool's ApplySet", () => {
    const labels = { app: 'web', 'applyset.kubernetes.io/part-of': 'applyset-abc-v1' };
    const [problem] = validateManifests([at(configMap('a', { labels }), 6)]);
    expect(problem).toMatchObject({ file: 'a.yaml', line: 6 });
    expect(problem?.message).toContain('applyset.kubernetes.io/part-of=applyset-abc-v1');
  });
});

describe('toValidManifests', () => {
  it('returns manifests with their identity; an unset namespace is left empty for the caller', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
    };
    expect(toValidManifests([at(configMap('a'), 2), at(deployment, 9, 'b.yaml')])).toEqual([
      {
        id: { group: '', version: 'v1', kind: 'ConfigMap', namespace: '', name: 'a' },
        object: configMap('a'),
        source: { file: 'a.yaml', line: 2 },
      },
      {
        id: { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
        object: deployment,
        source: { file: 'b.yaml', line: 9 },
      },
    ]);
  });

  it('collects every problem and fails once, listing each as file:line', () => {
    const error = validationError([
      at({ kind: 'ConfigMap', metadata: { name: 'a' } }, 1, 'a.yaml'),
      at(configMap('b'), 4, 'a.yaml'),
      at(configMap('b'), 2, 'b.yaml'),
      at({ apiVersion: 'v1', kind: 'Pod', metadata: {} }, 7, 'b.yaml'),
    ]);
    expect(error).toMatchObject({ code: 'E_MANIFEST_INVALID', exitCode: 1 });
    expect(error.message).toBe(
      [
        '3 problems in the manifests:',
        '  a.yaml:1: missing apiVersion',
        '  b.yaml:2: ConfigMap b is also defined at a.yaml:4',
        '  b.yaml:7: missing metadata.name',
      ].join('\n'),
    );
    expect(error.hint).toContain('nothing was applied');
    expect(error.details).toEqual({ problems: error.problems });
    expect(error.problems).toHaveLength(3);
  });
});

describe('parseManifestStream: edge cases', () => {
  it('gives the syntax error as the parser words it, without a code excerpt', () => {
    expect(syntaxError('kind: A\nname: "x\n').message).toBe('apps/web.yaml:3:1: Missing closing "quote');
  });

  it('reports the earliest of several syntax errors in a document', () => {
    expect(syntaxError('kind: A\ndata: !!{\n')).toMatchObject({ line: 2, column: 7 });
    expect(syntaxError('kind: A\ndata: !!{\n').message).toBe('apps/web.yaml:2:7: The !! tag has no suffix');
  });

  it('expands more than a hundred aliases, as real manifests with shared anchors use', () => {
    const text = `kind: A\nbase: &a x\nlist: [${Array(120).fill('*a').join(', ')}]\n`;
    const { objects } = parseManifestStream(text, 'a.yaml');
    expect((objects[0]!.object as { list: string[] }).list).toHaveLength(120);
  });

  it('reports an error in a stream that has no document, such as a bad directive', () => {
    const error = syntaxError('%TAG !\n');
    expect(error).toMatchObject({ line: 1, column: 1 });
    expect(error.message).toBe('apps/web.yaml:1:1: %TAG directive should contain exactly two parts');
  });

  it('reads YAML 1.1 floats as numbers', () => {
    expect(parseManifestStream('ratio: 0.5\nbig: 1e3\nneg: -2.25\n', 'a.yaml').objects[0]?.object).toEqual({
      ratio: 0.5,
      big: 1000,
      neg: -2.25,
    });
  });

  it('does not flatten an object that has items but is not a List', () => {
    const { objects } = parseManifestStream('kind: Queue\nitems:\n  - {kind: A}\n  - {kind: B}\n', 'a.yaml');
    expect(objects).toEqual([{ object: { kind: 'Queue', items: [{ kind: 'A' }, { kind: 'B' }] }, line: 1 }]);
  });
});

describe('validateManifests: empty and mistyped values', () => {
  const messages = (object: unknown) => validateManifests([at(object)]).map((problem) => problem.message);

  it('counts null and empty strings as missing', () => {
    expect(messages({ apiVersion: null, kind: '', metadata: { name: 'a' } })).toEqual([
      'missing apiVersion',
      'missing kind',
    ]);
    expect(messages(configMap(''))).toEqual(['missing metadata.name']);
    expect(messages({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: null } })).toEqual([
      'missing metadata.name',
    ]);
  });

  it('describes what was found instead', () => {
    expect(messages(null)).toEqual(['expected a Kubernetes object (a mapping), found nothing']);
    expect(messages(undefined)).toEqual(['expected a Kubernetes object (a mapping), found nothing']);
    expect(messages(7)).toEqual(['expected a Kubernetes object (a mapping), found number 7']);
    expect(messages({ apiVersion: 'v1', kind: { a: 1 }, metadata: { name: true } })).toEqual([
      'kind must be a string, found a mapping',
      'metadata.name must be a string, found boolean true',
    ]);
    expect(messages(configMap('a', { namespace: null }))).toEqual([
      'metadata.namespace must be a string, found nothing',
    ]);
  });

  it('rejects metadata that is a list', () => {
    expect(messages({ apiVersion: 'v1', kind: 'ConfigMap', metadata: [{ name: 'a' }] })).toEqual([
      'metadata must be a mapping',
    ]);
  });
});

describe('objectIdOf', () => {
  it('leaves an unnamed object without a name rather than failing', () => {
    expect(objectIdOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} })).toEqual({
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      namespace: '',
      name: '',
    });
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/cli/config-schema.js';
import { configurableOptions } from '../../src/cli/option-layers.js';
import { buildProgram, OPTION_PARSERS } from '../../src/cli/program.js';
import { kpush } from '../helpers/cli.js';
import { git, makeBareRemote, makeRepo, tempDir, writeFiles } from '../helpers/git.js';

const SCHEMA_PATH = new URL('../../schema/kpush.schema.json', import.meta.url);

function registeredCommands() {
  const program = buildProgram(
    {
      stdout: { write: () => true },
      stderr: { write: () => true },
      env: {},
      cwd: '/',
      now: () => new Date(0),
    },
    () => {
      throw new Error('not run');
    },
  );
  return program.commands.map((command) => ({
    name: command.name(),
    description: command.description(),
    options: configurableOptions(command, OPTION_PARSERS),
  }));
}

/** An app repository whose HEAD build-tag tags as `sha-<7>` by default. */
function appRepo(config?: string): { dir: string; sha7: string } {
  const dir = makeRepo({ 'README.md': 'app\n', ...(config === undefined ? {} : { 'kpush.yaml': config }) });
  return { dir, sha7: git(dir, ['rev-parse', '--short=7', 'HEAD']) };
}

const STRATEGY_FILE =
  '# yaml-language-server: $schema=./schema/kpush.schema.json\nbuild-tag:\n  strategy: branch-sha\n';

describe('kpush.yaml, KPUSH_* variables and flags', () => {
  it('layers defaults < kpush.yaml < environment < flags', async () => {
    const bare = appRepo();
    expect((await kpush(['build-tag'], { cwd: bare.dir })).stdout).toBe(`sha-${bare.sha7}\n`);

    const app = appRepo(STRATEGY_FILE);
    expect((await kpush(['build-tag'], { cwd: app.dir })).stdout).toBe(`main-${app.sha7}\n`);
    const fromEnv = await kpush(['build-tag'], { cwd: app.dir, env: { KPUSH_STRATEGY: 'timestamp' } });
    expect(fromEnv.stdout).toBe(`main-20261124093000-${app.sha7}\n`);
    const fromFlag = await kpush(['build-tag', '--strategy', 'sha'], {
      cwd: app.dir,
      env: { KPUSH_STRATEGY: 'timestamp' },
    });
    expect(fromFlag.stdout).toBe(`sha-${app.sha7}\n`);
    // An empty variable is an unset protected CI variable: the file's value stays.
    const empty = await kpush(['build-tag'], { cwd: app.dir, env: { KPUSH_STRATEGY: '' } });
    expect(empty.stdout).toBe(`main-${app.sha7}\n`);
  });

  it('reads kpush.yaml from --cwd, and from parents up to the repository root only', async () => {
    const app = appRepo(STRATEGY_FILE);
    const elsewhere = tempDir();
    expect((await kpush(['build-tag', '--cwd', app.dir], { cwd: elsewhere })).stdout).toBe(
      `main-${app.sha7}\n`,
    );
    expect((await kpush(['build-tag', `-C${app.dir}`], { cwd: elsewhere })).stdout).toBe(
      `main-${app.sha7}\n`,
    );

    writeFiles(app.dir, { 'services/api/.keep': '' });
    const nested = await kpush(['build-tag'], { cwd: join(app.dir, 'services/api') });
    expect(nested.stdout).toBe(`main-${app.sha7}\n`);

    const outer = tempDir();
    writeFiles(outer, { 'kpush.yaml': 'build-tag:\n  strategy: timestamp\n' });
    const inner = join(outer, 'app');
    git(outer, ['init', '--quiet', '--initial-branch=main', inner]);
    writeFiles(inner, { 'a.txt': 'a\n' });
    git(inner, ['add', '-A']);
    git(inner, ['commit', '--quiet', '-m', 'x']);
    const sha7 = git(inner, ['rev-parse', '--short=7', 'HEAD']);
    expect((await kpush(['build-tag'], { cwd: inner })).stdout).toBe(`sha-${sha7}\n`);
  });

  it('supplies required options; a flag replaces a repeatable value instead of adding to it', async () => {
    const remote = makeBareRemote({
      'apps/api.yaml':
        'kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - image: ghcr.io/acme/api:1.0\n',
      'apps/web.yaml':
        'kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - image: ghcr.io/acme/web:1.0\n',
    });
    const app = appRepo(
      `bump-manifest:\n  repo: ${remote.path}\n  path:\n    - apps/web.yaml\n  max-attempts: 3\n`,
    );
    const fromFile = await kpush(['--json', 'bump-manifest', '-i', 'ghcr.io/acme/web:2.0'], { cwd: app.dir });
    expect(fromFile.exitCode, fromFile.stderr).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ status: 'pushed' });

    const flagged = await kpush(
      ['--json', '--verbose', 'bump-manifest', '-i', 'ghcr.io/acme/api:2.0', '-p', 'apps/api.yaml'],
      { cwd: app.dir },
    );
    expect(flagged.exitCode, flagged.stderr).toBe(0);
    expect(flagged.stderr).toContain('option path = ["apps/api.yaml"] (flag)');
    expect(flagged.stderr).toContain('option max-attempts = 3 (kpush.yaml:5)');
    expect(JSON.parse(flagged.stdout).changes).toEqual([expect.objectContaining({ file: 'apps/api.yaml' })]);

    const missing = await kpush(['bump-manifest', '-i', 'ghcr.io/acme/api:3.0'], { cwd: tempDir() });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/required option '-r, --repo <url-or-path>' not specified/);
  });

  it('names the file and line of every unknown key and wrong value, exit 2', async () => {
    const app = appRepo(
      [
        'build-tag:',
        '  strategy: nope',
        'bump-manifest:',
        '  max-attemts: 3',
        '  retry-timeout: lots',
        '  dry-run: "yes"',
        '  path: {a: 1}',
        'deploi:',
        '  app: shop',
        '',
      ].join('\n'),
    );
    const run = await kpush(['--json', 'build-tag'], { cwd: app.dir });
    expect(run.exitCode).toBe(2);
    const { error } = JSON.parse(run.stdout);
    expect(error).toMatchObject({ code: 'E_CONFIG', file: 'kpush.yaml' });
    expect(error.problems).toEqual([
      'kpush.yaml:2: build-tag.strategy: "nope": Allowed choices are sha, branch-sha, semver, timestamp, content.',
      'kpush.yaml:4: unknown key "max-attemts" in bump-manifest (did you mean "max-attempts"?)',
      'kpush.yaml:5: bump-manifest.retry-timeout: expected a whole number, got string "lots"',
      'kpush.yaml:6: bump-manifest.dry-run: expected true or false, got string "yes"',
      'kpush.yaml:7: bump-manifest.path: expected a string, or a list of them, got a mapping',
      expect.stringMatching(
        /^kpush\.yaml:8: unknown key "deploi" \(did you mean "deploy"\?\); the top level names commands: build-tag, bump-manifest, deploy/,
      ),
    ]);
    expect(run.stderr).toMatch(/^error: kpush\.yaml:2: build-tag\.strategy/m);
  });

  it('refuses YAML that does not parse, and a bad KPUSH_* value, naming where', async () => {
    const broken = appRepo('build-tag:\n  strategy: [sha\n');
    const run = await kpush(['build-tag'], { cwd: broken.dir });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^error: kpush\.yaml:\d+: /m);

    const app = appRepo();
    const variable = await kpush(['bump-manifest', '-r', '../env', '-i', 'a/b:1'], {
      cwd: app.dir,
      env: { KPUSH_MAX_ATTEMPTS: 'many' },
    });
    expect(variable.exitCode).toBe(2);
    expect(variable.stderr).toContain('error: KPUSH_MAX_ATTEMPTS=many: expected a positive whole number.');
  });

  it('shows with --verbose where each value came from', async () => {
    const app = appRepo(`${STRATEGY_FILE}  require-clean: true\n  dotenv: build.env\n`);
    const run = await kpush(['--verbose', 'build-tag', '--dotenv', 'other.env'], {
      cwd: app.dir,
      env: { KPUSH_STRATEGY: 'timestamp' },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('option strategy = "timestamp" (env KPUSH_STRATEGY)');
    expect(run.stderr).toContain('option require-clean = true (kpush.yaml:4)');
    expect(run.stderr).toContain('option dotenv = "other.env" (flag)');
    expect(run.stderr).not.toContain('option dotenv = "build.env"');
    const quiet = await kpush(['build-tag'], { cwd: app.dir });
    expect(quiet.stderr).not.toContain('option ');
  });
});

describe('schema/kpush.schema.json', () => {
  it('lists every registered option of every command', async () => {
    const schema = configSchema(registeredCommands());
    // `npx vitest run --project unit test/integration/config.test.ts -u` rewrites it after a flag changes.
    await expect(`${JSON.stringify(schema, null, 2)}\n`).toMatchFileSnapshot(
      '../../schema/kpush.schema.json',
    );
    const committed = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
    for (const command of registeredCommands()) {
      expect(Object.keys(committed.properties[command.name].properties)).toEqual(
        command.options.map((option) => option.key),
      );
    }
  });

  it('is a valid JSON Schema that agrees with kpush on what a kpush.yaml may hold', () => {
    const validate = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true }).compile(
      JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')),
    );
    const accepts = (text: string) => validate(parse(text));
    expect(accepts(STRATEGY_FILE)).toBe(true);
    expect(
      accepts(
        'bump-manifest:\n  repo: ../env\n  path: [a, b]\n  max-attempts: 3\ndeploy:\n  timeout: 5m\n  wait: false\n',
      ),
    ).toBe(true);
    expect(accepts('bump-manifest:\n  path: a\n')).toBe(true);
    expect(accepts('bump-manifest:\n  max-attemts: 3\n')).toBe(false);
    expect(accepts('bump-manifest:\n  dry-run: "yes"\n')).toBe(false);
    expect(accepts('build-tag:\n  strategy: nope\n')).toBe(false);
    expect(accepts('deploi: {}\n')).toBe(false);
  });
});

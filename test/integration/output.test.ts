import { describe, expect, it } from 'vitest';
import { shouldUseColor } from '../../src/output/style.js';
import { kpush } from '../helpers/cli.js';
import { makeBareRemote, tempDir } from '../helpers/git.js';

const ESC = '\u001b[';
const FILES = { 'app.yaml': 'containers:\n  - image: ghcr.io/acme/api:1.0\n' };

describe('colour', () => {
  it('is used only on a terminal, and never with NO_COLOR, --no-color or TERM=dumb', () => {
    const env = { TERM: 'xterm-256color' };
    expect(shouldUseColor({ isTTY: true, env, noColorFlag: false })).toBe(true);
    expect(shouldUseColor({ isTTY: false, env, noColorFlag: false })).toBe(false);
    expect(shouldUseColor({ isTTY: true, env: { ...env, NO_COLOR: '1' }, noColorFlag: false })).toBe(false);
    expect(shouldUseColor({ isTTY: true, env, noColorFlag: true })).toBe(false);
    expect(shouldUseColor({ isTTY: true, env: { TERM: 'dumb' }, noColorFlag: false })).toBe(false);
    expect(shouldUseColor({ isTTY: false, env: { FORCE_COLOR: '1' }, noColorFlag: false })).toBe(true);
  });

  it('colours the dry-run diff on a terminal and leaves pipes plain', async () => {
    const remote = makeBareRemote(FILES);
    const args = ['bump-manifest', '--repo', remote.url, '-i', 'ghcr.io/acme/api:2.0', '--dry-run'];
    const terminal = await kpush(args, { tty: true, env: { TERM: 'xterm' } });
    expect(terminal.stdout).toContain(`${ESC}32m+  - image: ghcr.io/acme/api:2.0`);
    const noColor = await kpush(args, { tty: true, env: { TERM: 'xterm', NO_COLOR: '1' } });
    expect(noColor.stdout).not.toContain(ESC);
    expect(noColor.stdout).toContain('+  - image: ghcr.io/acme/api:2.0');
    const flag = await kpush(['--no-color', ...args], { tty: true, env: { TERM: 'xterm' } });
    expect(flag.stdout).not.toContain(ESC);
  });

  it('writes errors in red on a terminal only', async () => {
    const onTerminal = await kpush(['build-tag'], { cwd: tempDir(), tty: true, env: { TERM: 'xterm' } });
    expect(onTerminal.stderr.startsWith(`${ESC}31merror: `)).toBe(true);
    const piped = await kpush(['build-tag'], { cwd: tempDir() });
    expect(piped.stderr.startsWith('error: ')).toBe(true);
  });
});

describe('help and version', () => {
  it('shows examples and exit codes, and exits 0', async () => {
    const help = await kpush(['bump-manifest', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/Examples:\n\s+\$ kpush bump-manifest --repo/);
    const top = await kpush(['--help']);
    expect(top.stdout).toMatch(/Exit codes:\n\s+0 +success/);
    expect((await kpush(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('treats a missing subcommand or an unknown one as a usage error', async () => {
    expect((await kpush([])).exitCode).toBe(2);
    const unknown = await kpush(['bump-manifests']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'bump-manifests'.*Did you mean bump-manifest\?/s);
  });
});

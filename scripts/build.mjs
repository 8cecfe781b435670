// Bundles src/ into dist/ with esbuild: one small entry chunk (commander + wiring) and one chunk
// per lazily imported command, so `kpush --help` parses only what it needs.

import { readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import {
  builtinsThroughRequire,
  lazyNodeFetchInClientNode,
  lazyProxyAgentsInClientNode,
  treeShakeClientNode,
} from './esbuild-plugins.mjs';

/**
 * commander loads node:child_process (and with it net and dgram) at start-up only to run
 * "executable subcommands", which kpush does not use: defer that require until a spawn.
 * Measured with bench/startup.mjs: about 3 ms of every start.
 */
const lazyChildProcessInCommander = {
  name: 'lazy-child-process-in-commander',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /commander[\\/]lib[\\/]command\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!source.includes(eager))
        throw new Error(`${path}: commander changed; revisit the lazy child_process patch`);
      const lazy =
        "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };";
      return { contents: source.replace(eager, lazy), loader: 'js' };
    });
  },
};

// dist/action/ is the GitHub Action's committed bundle (scripts/build-action.mjs): keep it.
const dist = new URL('../dist/', import.meta.url);
for (const entry of await readdir(dist).catch(() => [])) {
  if (entry !== 'action') await rm(new URL(entry, dist), { recursive: true, force: true });
}
await build({
  entryPoints: { main: 'src/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  minify: true,
  keepNames: true, // error classes report their own names
  // Dependencies are bundled too: importing CommonJS commander from ESM made Node lex it on
  // every start (bench/startup.mjs). Lazily imported ones (ora) land in chunks of their own.
  // esbuild turns CommonJS dependencies into ESM that may call require(): give it one.
  banner: {
    js: "import { createRequire as __kpushRequire } from 'node:module'; const require = __kpushRequire(import.meta.url);",
  },
  // src/globals.d.ts: the version as a constant, not package.json as a chunk of its own.
  define: { __KPUSH_VERSION__: JSON.stringify(createRequire(import.meta.url)('../package.json').version) },
  plugins: [
    lazyChildProcessInCommander,
    treeShakeClientNode,
    lazyNodeFetchInClientNode,
    lazyProxyAgentsInClientNode,
    builtinsThroughRequire,
  ],
  logLevel: 'warning',
});

// Bundles the GitHub Action (src/action/index.ts) into one file, dist/action/index.js, which is
// committed: `uses: <owner>/kpush@v1` runs it with no npm install. `.ci/run` rebuilds it into a
// temporary file and fails when the committed one differs (`node scripts/build-action.mjs <file>`).
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import {
  builtinsThroughRequire,
  lazyNodeFetchInClientNode,
  lazyProxyAgentsInClientNode,
  treeShakeClientNode,
} from './esbuild-plugins.mjs';

const outfile = process.argv[2] ?? 'dist/action/index.js';
await build({
  entryPoints: ['src/action/index.ts'],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  keepNames: true, // error classes report their own names
  // CommonJS dependencies (commander) call require(): give the ES module one.
  banner: {
    js: "import { createRequire as __kpushRequire } from 'node:module'; const require = __kpushRequire(import.meta.url);",
  },
  define: { __KPUSH_VERSION__: JSON.stringify(createRequire(import.meta.url)('../package.json').version) },
  plugins: [
    treeShakeClientNode,
    lazyNodeFetchInClientNode,
    lazyProxyAgentsInClientNode,
    builtinsThroughRequire,
  ],
  logLevel: 'warning',
});

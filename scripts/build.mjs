// Bundles src/ into dist/ with esbuild: one small entry chunk (commander + wiring) and one chunk
// per lazily imported command, so `kpush --help` parses only what it needs.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
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
  logLevel: 'warning',
});

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
  // Runtime dependencies stay in node_modules: ora and the Kubernetes client load on demand.
  packages: 'external',
  logLevel: 'warning',
});

// Scan time of one YAML mapping with 10k, 20k, 40k and 80k keys: it must grow linearly (yaml's own
// duplicate-key check made it quadratic: 40k keys took 12 s, 80k 53 s).
// Run: node bench/parse-scaling.mjs
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = await build({
  stdin: {
    contents:
      "export { scanManifest } from './src/manifests/index.ts'; export { parseImageReference } from './src/core/image-ref.ts';",
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  write: false,
  outdir: root,
});
const { mkdirSync, writeFileSync } = await import('node:fs');
mkdirSync(`${root}.cache/bench`, { recursive: true });
const file = `${root}.cache/bench/scan.mjs`;
writeFileSync(file, bundle.outputFiles[0].text);
const { scanManifest, parseImageReference } = await import(file);
const targets = [parseImageReference('ghcr.io/acme/api:2')];
let previous = null;
for (const keys of [10_000, 20_000, 40_000, 80_000]) {
  let text = '';
  for (let index = 0; index < keys; index++) text += `key${index}: ghcr.io/acme/other:${index}\n`;
  const started = performance.now();
  scanManifest('big.yaml', text, targets);
  const ms = performance.now() - started;
  console.log(
    `${keys} keys in one mapping: ${ms.toFixed(0)} ms${previous ? ` (${(ms / previous).toFixed(1)}x the half size)` : ''}`,
  );
  previous = ms;
}

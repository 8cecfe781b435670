// Start-up cost of the CLI against Node's own start (issue target: within 2x of `node -e 0`).
// NODE_EXTRA_CA_CERTS is unset: on these machines it adds ~30 ms to every Node start and would
// hide the CLI's own cost. Run: npm run build && node bench/startup.mjs [runs]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 30);
const bin = fileURLToPath(new URL('../bin/kpush.js', import.meta.url));
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

const cases = [
  ['node -e 0', ['-e', '0']],
  ['kpush --version', [bin, '--version']],
  ['kpush --help', [bin, '--help']],
  ['kpush bump-manifest --help', [bin, 'bump-manifest', '--help']],
  ['kpush build-tag --help', [bin, 'build-tag', '--help']],
];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const results = {};
for (const [name, args] of cases) {
  spawnSync(process.execPath, args, { env }); // warm the file cache
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const child = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (child.status !== 0) throw new Error(`${name} exited ${child.status}: ${child.stderr}`);
  }
  results[name] = median(times);
}
const baseline = results['node -e 0'];
console.log(`node ${process.version}, ${runs} runs each, median wall time`);
for (const [name, ms] of Object.entries(results)) {
  console.log(`${name.padEnd(30)} ${ms.toFixed(1).padStart(7)} ms   ${(ms / baseline).toFixed(2)}x`);
}

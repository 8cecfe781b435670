// `npm run bench`: every benchmark in bench/, one after the other, printing their numbers.
// Each script is also runnable alone (see its header). Keep runs short: the build machine has 2 cores.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const benches = [['startup.mjs'], ['parse-scaling.mjs'], ['argocd.mjs', '5'], ['bump.mjs']];
let failed = 0;
for (const [script, ...args] of benches) {
  console.log(`\n# ${script}`);
  const run = spawnSync(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], {
    stdio: 'inherit',
  });
  if (run.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;

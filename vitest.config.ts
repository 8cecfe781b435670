import { defineConfig } from 'vitest/config';
import pkg from './package.json' with { type: 'json' };

/** src/globals.d.ts's constant, as scripts/build.mjs defines it (a new object each: vitest consumes it). */
const define = () => ({ __KPUSH_VERSION__: JSON.stringify(pkg.version) });

// Projects: `unit` (pure modules and real temp git repos, fast), `e2e` (a real Kubernetes
// control plane, started once per run by the global setup) and `forge` (a real Gitea).
export default defineConfig({
  test: {
    projects: [
      {
        define: define(),
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        define: define(),
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/cluster-global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        define: define(),
        // A real Gitea (built from Go modules by test/gitea/setup.sh): pull requests, token
        // pushes and branch protection against a real forge.
        test: {
          name: 'forge',
          include: ['test/forge/**/*.test.ts'],
          globalSetup: ['test/support/gitea-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 1_800_000,
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';
import pkg from './package.json' with { type: 'json' };

// The fast, pure tests that exercise src/core and src/manifests: what StrykerJS runs against
// every mutant (`npm run mutation`, see stryker.config.mjs). No git remote, no cluster, no
// kubectl: render.test.ts (src/adapters, needs kubectl) and the action's tests are left out.
export default defineConfig({
  // src/globals.d.ts's constant, as scripts/build.mjs defines it.
  define: { __KPUSH_VERSION__: JSON.stringify(pkg.version) },
  test: {
    include: ['test/unit/**/*.test.ts'],
    exclude: ['test/unit/deploy/render.test.ts', 'test/unit/action/**'],
    // Left out: a wall-clock bound (meaningless on instrumented code, where every branch checks
    // the active mutant) and the tests that read megabytes of the real corpus for every
    // mutant they cover (the unit run keeps them).
    testNamePattern:
      /^(?!.*(rewritten end to end, quickly|certifies real files|argo-cd install\.yaml|of the real corpus))/,
    testTimeout: 30_000,
    // Property tests run once per mutant they cover: fewer random cases than the default 800.
    env: { KPUSH_FUZZ_RUNS: '100' },
    setupFiles: ['test/support/stryker-setup.ts'],
  },
});

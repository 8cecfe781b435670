import { defineConfig } from 'vitest/config';

// The fast, pure tests that exercise src/core and src/manifests: what StrykerJS runs against
// every mutant (`npm run mutation`, see stryker.config.mjs). No git remote, no cluster, no
// kubectl: render.test.ts (src/adapters, needs kubectl) and the action's tests are left out.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    exclude: ['test/unit/deploy/render.test.ts', 'test/unit/action/**'],
    // A wall-clock bound means nothing on instrumented code (every branch checks the active mutant).
    testNamePattern: /^(?!.*rewritten end to end, quickly$)/,
    testTimeout: 30_000,
    // The property test runs once per mutant it covers: fewer random cases than the default 800.
    env: { KPUSH_FUZZ_RUNS: '150' },
    setupFiles: ['test/support/stryker-setup.ts'],
  },
});

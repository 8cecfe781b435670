import { defineConfig } from 'vitest/config';

// kpush in pipelines, run for real (scripts/test-pipelines.sh, from .ci/run after `npm test`): the
// GitHub Action, the GitLab component, the examples and the npm package. Not part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/action/**/*.test.ts'],
    // The env-repo example deploys to the real control plane, as the e2e tests do.
    globalSetup: ['test/support/cluster-global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
  },
});

import { defineConfig } from 'vitest/config';

// kpush in pipelines, run for real (scripts/test-pipelines.sh, from .ci/run after `npm test`): the
// GitHub Action, the GitLab component, the examples and the npm package. Not part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/action/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});

// Mutation testing of the pure modules (`npm run mutation`): StrykerJS mutates src/core and
// src/manifests and runs the unit tests that cover each mutant (vitest.stryker.config.ts).
// StrykerJS 10 needs Node >= 22: scripts/mutation.sh runs it on the Node 24 that compat.sh fetches.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts' },
  coverageAnalysis: 'perTest',
  mutate: ['src/core/**/*.ts', 'src/manifests/**/*.ts'],
  // The sandbox gets only what the unit tests read.
  ignorePatterns: [
    '/*',
    '!/src',
    '!/test',
    '!/package.json',
    '!/tsconfig.json',
    '!/vitest.stryker.config.ts',
  ],
  // Two cores, shared: one mutant at a time unless STRYKER_CONCURRENCY says otherwise.
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 1),
  timeoutMS: 3000,
  // Static mutants (module-level constants) are active from import on, so each runs the whole
  // suite: about half the run time for a fifth of the mutants. `npm run mutation --
  // --ignoreStatic false` counts them too.
  ignoreStatic: true,
  tempDirName: '.cache/stryker/tmp',
  incrementalFile: '.cache/stryker/incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: '.cache/stryker/mutation.html' },
  jsonReporter: { fileName: '.cache/stryker/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, skipFull: false },
  thresholds: { high: 90, low: 85, break: null },
};

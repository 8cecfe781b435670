/**
 * kpush's version, a constant the bundler puts in (scripts/build.mjs `define`, and the vitest
 * configs for tests). Importing package.json instead made esbuild split it into a chunk of its
 * own that every start loaded (bench/startup.mjs).
 */
declare const __KPUSH_VERSION__: string;

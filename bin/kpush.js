#!/usr/bin/env node
import module from 'node:module';

// Node >= 22.1 keeps compiled code on disk between runs; a no-op on Node 20.
module.enableCompileCache?.();

const { main } = await import('../dist/main.js');
await main();

// The bundle's entry (dist/action/index.js, what action.yml runs): the logic is in main.ts,
// which @github/local-action runs directly.
import { run } from './main.js';

await run();

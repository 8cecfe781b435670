export { applyEdits } from './apply.js';
export { scanManifest } from './scan.js';
export type { EditKind, FileScan, ImageTargets, ScalarEdit } from './types.js';

export { applyEdits } from './apply.js';
export { scanManifest } from './scan.js';
export type { DeclinedReference, EditKind, FileScan, ImageTargets, ScalarEdit } from './types.js';
export {
  type DecodedManifest,
  decodeManifest,
  encodeEdited,
  encodeManifest,
  type ManifestEncoding,
} from './encoding.js';

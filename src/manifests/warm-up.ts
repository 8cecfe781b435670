import { parseImageReference } from '../core/image-ref.js';
import { decodeManifest, encodeEdited } from './encoding.js';
import { scanManifest } from './scan.js';
import type { FileScan } from './types.js';

/** A Deployment and Helm values: each rule, the certifier and the node builder have work in it. */
const SAMPLE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  labels:
    app.kubernetes.io/name: app
spec:
  template:
    spec:
      containers:
        - name: app
          image: registry.example/warm-up/app:1.0.0
          args: ["--port", "8080"]
          env:
            - name: MODE
              value: "fast"
---
image:
  repository: registry.example/warm-up/app
  tag: 1.0.0 # kpush:tag registry.example/warm-up/app
`;

/**
 * Documents without the image, for the line certifier alone: the shapes of a real manifest
 * (several documents, root keys, nested mappings and sequences, quoted, flow, folded and block
 * values, comments). V8 optimizes the certifier while it reads the first large file; code
 * optimized before a path of it ever ran is thrown away when that path runs (argo-cd's
 * install.yaml: 3-5 deoptimizations, none after this). Read 20 times: ~1 ms, not enough to make
 * V8 optimize during the clone.
 */
const CERTIFIER_SAMPLE = `---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: "default"
  annotations:
    note: 'single ''quoted'''
data:
  # a comment
  mode: fast
  list: [a, "b", 'c']
  map: { cpu: 500m, memory: 1Gi }
  description: A long text that goes on
    over a second line
  script: |
    echo one

    echo two
  empty:
items:
  - name: first
    value: 1
  - plain
  -
    nested: true
`.repeat(20);

/** What prepareScanner reads. */
export const WARM_UP_MANIFEST = SAMPLE + CERTIFIER_SAMPLE;

/**
 * Scans a made-up manifest once. The first scan in a process pays for compiling the scanner's
 * functions, `yaml`'s node classes and the schema's patterns, whatever the file: measured on
 * argo-cd's install.yaml, a first scan took ~50 ms, one after this ~37 ms, and this ~5 ms.
 * bump-manifest runs it while git clones, when the process would only wait.
 */
export function prepareScanner(): FileScan {
  // The calls bump-manifest makes for each file: decode, scan, write the edited bytes.
  const manifest = decodeManifest('kpush-warm-up.yaml', Buffer.from(WARM_UP_MANIFEST));
  const scan = scanManifest('kpush-warm-up.yaml', manifest.text, [
    parseImageReference('registry.example/warm-up/app:2.0.0'),
  ]);
  encodeEdited(manifest, scan.edits);
  return scan;
}

import type { ImageReference } from '../core/image-ref.js';
import { type Convention, Findings, targetFor } from './findings.js';
import { forEachEditableMap } from './walk.js';
import {
  asEditableScalar,
  dereference,
  type FoundPair,
  insertPairAfter,
  lookupPair,
  lookupString,
  type ManifestSource,
  needsQuotes,
  type ParsedMap,
  scalarString,
} from './yaml-source.js';

/**
 * Rule 3: a Helm values mapping that describes an image — `tag` beside `repository` (or a bare
 * `image: repo`, as ingress-nginx writes it), optionally `registry` (prefixed when non-empty)
 * and `digest` — at any depth, keys inherited through merge keys included. Pins that would keep
 * the old image running follow the request too: `sha` (kube-prometheus-stack: bare sha256 hex)
 * takes the requested digest or is emptied, `digestChroot` (ingress-nginx) is emptied.
 */
export const scanHelmValues: Convention = (source, targets) => {
  const findings = new Findings(source, 'helm-values');
  for (const document of source.documents) {
    forEachEditableMap(document, (map) => {
      const tag = lookupPair(source, map, 'tag');
      const repository = lookupString(source, map, 'repository') ?? bareImage(source, map);
      if (!tag || repository === null) return;
      const target = targetFor(targets, withRegistry(lookupString(source, map, 'registry'), repository));
      if (!target) return;
      findings.match(target);
      updateImageMap({ source, findings, map, target }, tag);
    });
  }
  return findings.result();
};

/** `image: ingress-nginx/controller` without tag or digest: the repository of a chart's image map. */
function bareImage(source: ManifestSource, map: ParsedMap): string | null {
  const image = lookupString(source, map, 'image');
  return image !== null && !/[:@]/.test(image.slice(image.lastIndexOf('/') + 1)) ? image : null;
}

function withRegistry(registry: string | null, repository: string): string {
  return registry ? `${registry.replace(/\/+$/, '')}/${repository}` : repository;
}

interface ImageMap {
  source: ManifestSource;
  findings: Findings;
  map: ParsedMap;
  target: ImageReference;
}

/** The tag takes the requested tag (left alone for a digest-only request); the digest follows the request. */
function updateImageMap(image: ImageMap, tag: FoundPair): void {
  const { source, findings, map, target } = image;
  const changesBefore = findings.valueChanges;
  // A plain tag that a YAML reader does not take as a string (`1e3`, `1.10`; and `On`, `yes`,
  // `2024-01-01` under YAML 1.1, which Helm reads) is quoted even when its text stays: what a
  // template renders changes, so it counts as a change for the pins below.
  const tagNode = asEditableScalar(dereference(source, tag.pair.value));
  const retyped =
    target.tag !== null &&
    tagNode?.type === 'PLAIN' &&
    tagNode.value !== null &&
    (typeof tagNode.value !== 'string' || needsQuotes(scalarString(tagNode)));
  if (target.tag !== null) findings.setFound(target, tag, target.tag);
  const sha = lookupPair(source, map, 'sha');
  const digest = lookupPair(source, map, 'digest');
  if (digest) setOrEmpty(image, digest, target.digest);
  // kube-prometheus-stack pins through `sha` alone: no `digest` key is added beside it.
  else if (!sha) insertDigest(image, tag);
  if (sha) setSha(image, sha);
  // The chroot variant's digest pins the old release once anything else here changed.
  const chroot = lookupPair(source, map, 'digestChroot');
  if (chroot && (findings.valueChanges > changesBefore || retyped)) setOrEmpty(image, chroot, null);
}

function insertDigest({ source, findings, map, target }: ImageMap, tag: FoundPair): void {
  if (target.digest === null) return;
  if (tag.mergedAt !== null) {
    findings.decline(target, map.range[0], `this mapping has no "digest" key for ${target.digest}; add one`);
    return;
  }
  findings.edit(target, insertPairAfter(source, map, tag.pair, 'digest', target.digest), '', target.digest);
}

/** Sets a pin to the requested value, or empties a stale one when nothing is requested. */
function setOrEmpty({ source, findings, target }: ImageMap, pin: FoundPair, value: string | null): void {
  const node = asEditableScalar(dereference(source, pin.pair.value));
  const alreadyEmpty = node !== null && (node.value === null || node.value === '');
  if (value !== null) findings.setFound(target, pin, value);
  else if (!alreadyEmpty) findings.setFound(target, pin, '');
}

/** kube-prometheus-stack renders `@sha256:{{ sha }}`: it holds the bare hex of a sha256 digest. */
function setSha(image: ImageMap, sha: FoundPair): void {
  const { findings, target } = image;
  if (target.digest?.startsWith('sha512:')) {
    findings.decline(
      target,
      sha.pair.key.range[0],
      '"sha" holds a sha256 digest; a sha512 digest cannot go there',
    );
    return;
  }
  setOrEmpty(image, sha, target.digest === null ? null : target.digest.slice('sha256:'.length));
}

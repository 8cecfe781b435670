import { UsageError } from '../errors.js';
import { isValidTag } from './oci-tag.js';

/**
 * Image references per the OCI distribution reference grammar (the one docker and containerd
 * use): `[domain[:port]/]path[:tag][@digest]`, with docker.io defaults (`nginx` is
 * `docker.io/library/nginx`).
 */
export interface ImageReference {
  /** The name as written, e.g. `nginx` or `ghcr.io/acme/api`. */
  name: string;
  /** The canonical repository used for matching, e.g. `docker.io/library/nginx`. */
  repository: string;
  tag: string | null;
  digest: string | null;
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^(?:(${DOMAIN})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)$`);
/** The OCI grammar's `algorithm:encoded`; only the two registered algorithms are accepted below. */
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };
const LOWER_HEX = /^[0-9a-f]+$/;
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const NAME_MAX_LENGTH = 255;

/** Parses a reference, or returns a reason it is not one (for scanning YAML values). */
export function tryParseImageReference(text: string): ImageReference | string {
  let rest = text;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const problem = digestProblem(digest);
    if (problem) return problem;
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isValidTag(tag)) return `"${tag}" is not a valid tag (allowed: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127})`;
  }
  const match = NAME.exec(rest);
  if (!match) return `"${rest}" is not a valid repository name`;
  if (rest.length > NAME_MAX_LENGTH) return `repository name is longer than ${NAME_MAX_LENGTH} characters`;
  let [, domain, path] = match as unknown as [string, string | undefined, string];
  if (domain && !isDomain(domain)) {
    path = `${domain}/${path}`;
    domain = undefined;
    if (!NAME.test(path) || /[A-Z]/.test(path)) return `"${rest}" is not a valid repository name`;
  }
  return { name: rest, repository: canonicalRepository(domain, path), tag, digest };
}

/** Parses a reference given by the user; an invalid one is a usage error (exit 2). */
export function parseImageReference(text: string): ImageReference {
  const parsed = tryParseImageReference(text.trim());
  if (typeof parsed === 'string') {
    throw new UsageError(`invalid image reference "${text}": ${parsed}`, {
      hint: 'Use repo:tag, repo@sha256:<64 hex> or repo:tag@sha256:<64 hex>, e.g. ghcr.io/acme/api:1.4.2.',
    });
  }
  return parsed;
}

/** The reference text with a new tag/digest, keeping the repository spelled as it was. */
export function formatImageReference(name: string, tag: string | null, digest: string | null): string {
  return `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
}

/** Canonical form of a bare repository name (no tag), for matching `images:` names etc. */
export function canonicalRepositoryOf(name: string): string | null {
  const parsed = tryParseImageReference(name);
  if (typeof parsed === 'string' || parsed.tag || parsed.digest) return null;
  return parsed.repository;
}

/** docker's rule: the first component is a registry when it has a `.` or `:`, or is localhost. */
function isDomain(component: string): boolean {
  return (
    component.includes('.') ||
    component.includes(':') ||
    component === 'localhost' ||
    component.startsWith('[')
  );
}

function canonicalRepository(domain: string | undefined, path: string): string {
  const host = domain?.toLowerCase();
  if (!host || DOCKER_HUB_ALIASES.has(host)) {
    return `docker.io/${path.includes('/') ? path : `library/${path}`}`;
  }
  return `${host}/${path}`;
}

/** Only lowercase-hex sha256 (64) and sha512 (128), as registries and the OCI spec accept them. */
function digestProblem(digest: string): string | null {
  if (!DIGEST.test(digest))
    return `"${digest}" is not a valid digest (expected algorithm:hex, e.g. sha256:<64 hex>)`;
  const [algorithm, hex] = digest.split(':') as [string, string];
  const expected = DIGEST_HEX_LENGTH[algorithm];
  if (expected === undefined) return `"${algorithm}" digests are not supported (use sha256 or sha512)`;
  if (!LOWER_HEX.test(hex)) return `"${digest}" must be lowercase hex`;
  if (hex.length !== expected) {
    return `a ${algorithm} digest has ${expected} hex characters, "${digest}" has ${hex.length}`;
  }
  return null;
}

/**
 * The repository part of a value that is not a valid reference only because of its tag or
 * digest (`nginx@sha256:1111`, `api:{GENERATED_TAG}`), or null. Such a value still references
 * the repository, so it is rewritten rather than left behind.
 */
export function repositoryNameBeforeBadSuffix(text: string): ImageReference | null {
  const at = text.indexOf('@');
  const withoutDigest = at === -1 ? text : text.slice(0, at);
  const colon = withoutDigest.lastIndexOf(':');
  const name = colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
  if (name === text) return null;
  const parsed = tryParseImageReference(name);
  return typeof parsed === 'string' ? null : parsed;
}

/**
 * The one module that talks to a Kubernetes API server. @kubernetes/client-node's KubeConfig
 * loads kubeconfigs (several KUBECONFIG paths merged, contexts, in-cluster service accounts,
 * exec credential plugins, proxies) and supplies TLS material and credentials; requests go over
 * one keep-alive HTTPS agent as raw JSON. Why not its typed API clients: they deserialise into
 * generated model classes, which drop fields the models do not know and turn timestamps into
 * Dates, so live objects could not be compared or diffed faithfully; and they build a new TLS
 * agent per request (measured in bench/deploy.mjs).
 *
 * This file is imported only by the commands that talk to a cluster (lazily), so build-tag and
 * bump-manifest never load client-node.
 */
import { existsSync } from 'node:fs';
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import {
  type AgentOptions,
  Agent as HttpsAgent,
  type RequestOptions,
  request as httpsRequest,
} from 'node:https';
import { homedir } from 'node:os';
import { createSecureContext } from 'node:tls';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { type KubeObject, type ObjectId, splitApiVersion } from '../core/deploy/types.js';
import { KpushError } from '../errors.js';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
/** A single request that takes longer than this is abandoned (watches have their own bound). */
const REQUEST_TIMEOUT_MS = 60_000;
/** How long an exec credential plugin may take (client-node runs it without a bound). */
const CREDENTIALS_TIMEOUT_MS = 60_000;
/** Parallel requests per cluster; the API server's default max-requests-inflight is 400. */
const MAX_SOCKETS = 32;

export interface ConnectOptions {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  env: NodeJS.ProcessEnv;
}

/** Where kpush deploys: for records and one-line errors. Never a credential. */
export interface ClusterTarget {
  server: string;
  context: string;
  /** The context's namespace, or `default`. */
  namespace: string;
  user: string;
}

export interface ApiResource {
  /** Plural resource name used in URLs, e.g. `deployments`. */
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

export interface ApplyOptions {
  fieldManager: string;
  force: boolean;
  dryRun: boolean;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject;
}

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** A non-2xx answer of the API server: its Status object, parsed. */
export class KubeApiError extends KpushError {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly causes: StatusCause[],
    hint?: string,
  ) {
    super(`E_KUBE_${reason.toUpperCase() || status}`, message, hint === undefined ? {} : { hint });
  }
}

/** Loads kubeconfig the way kubectl does, without client-node's silent localhost:8080 fallback. */
export function loadKubeConfig(options: ConnectOptions): { kc: KubeConfig; target: ClusterTarget } {
  const kc = new KubeConfig();
  const files = options.kubeconfig
    ? [options.kubeconfig]
    : (options.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  const home = options.env.HOME || homedir();
  const defaultFile = join(home, '.kube', 'config');
  try {
    if (files.length > 0) loadMerged(kc, files);
    else if (existsSync(defaultFile)) kc.loadFromFile(defaultFile);
    else if (existsSync(SERVICE_ACCOUNT_TOKEN) && options.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else {
      throw new KpushError(
        'E_KUBECONFIG',
        'no kubeconfig: KUBECONFIG is not set and ~/.kube/config does not exist',
        {
          hint: 'Pass --kubeconfig <file>, set KUBECONFIG, or run inside a cluster with a service account.',
        },
      );
    }
  } catch (error) {
    if (error instanceof KpushError) throw error;
    throw new KpushError(
      'E_KUBECONFIG',
      `cannot load kubeconfig ${files.join(delimiter) || defaultFile}: ${firstLine(error)}`,
      {
        hint: 'Check the file is a valid kubeconfig (kubectl config view --kubeconfig <file>).',
        cause: error,
      },
    );
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      const known = kc.getContexts().map((context) => context.name);
      throw new KpushError('E_KUBE_CONTEXT', `no context ${options.context} in the kubeconfig`, {
        hint: known.length ? `Known contexts: ${known.join(', ')}.` : 'The kubeconfig defines no contexts.',
      });
    }
    kc.setCurrentContext(options.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw new KpushError(
      'E_KUBECONFIG',
      `the kubeconfig's current context (${kc.getCurrentContext() || 'none'}) names no cluster server`,
      {
        hint: 'Pass --context <name>, or fix current-context in the kubeconfig.',
      },
    );
  }
  const context = kc.getContextObject(kc.getCurrentContext());
  return {
    kc,
    target: {
      server: cluster.server,
      context: kc.getCurrentContext() || 'in-cluster',
      namespace: context?.namespace || 'default',
      user: kc.getCurrentUser()?.name ?? '',
    },
  };
}

function loadMerged(kc: KubeConfig, files: string[]): void {
  const [first, ...rest] = files;
  kc.loadFromFile(first as string);
  for (const file of rest) {
    if (!existsSync(file)) continue; // kubectl ignores missing entries of a KUBECONFIG list
    const next = new KubeConfig();
    next.loadFromFile(file);
    kc.mergeConfig(next, true);
  }
}

/** A cluster connection: discovery cache, raw JSON requests, apply, list, watch, delete. */
/** The server answers a list with each item's metadata only (falls back to the full list). */
const METADATA_LIST =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1,application/json';

export class KubeClient {
  private readonly resources = new Map<string, Promise<Map<string, ApiResource>>>();
  private authHeaders: { value: Promise<Record<string, string>>; at: number } | undefined;

  private constructor(
    private readonly kc: KubeConfig,
    readonly target: ClusterTarget,
    private readonly tls: AgentOptions,
    private readonly agent: HttpAgent,
    private readonly redact: (secret: string) => void,
  ) {}

  static async connect(options: ConnectOptions & { redact: (secret: string) => void }): Promise<KubeClient> {
    const { kc, target } = loadKubeConfig(options);
    const probe: RequestOptions = {};
    await kc.applyToHTTPSOptions(probe);
    // client-node makes a new agent per call; keep its TLS material and reuse one keep-alive agent,
    // unless the kubeconfig names a proxy (then client-node's proxy agent is what must carry it).
    // One TLS context for every connection: building it (parsing the CA and key) per socket
    // cost ~15 ms of CPU each (bench/deploy.mjs profile).
    const secureContext = createSecureContext({ ca: probe.ca, cert: probe.cert, key: probe.key });
    const tls: AgentOptions = {
      secureContext,
      ...(probe.servername === undefined ? {} : { servername: probe.servername }),
      ...(probe.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: probe.rejectUnauthorized }),
    };
    const proxied = Boolean(kc.getCurrentCluster()?.proxyUrl);
    const agent = proxied
      ? (probe.agent as HttpAgent)
      : target.server.startsWith('http:')
        ? new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS })
        : new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS, ...tls });
    const client = new KubeClient(kc, target, tls, agent, options.redact);
    client.rememberSecrets(probe.headers as Record<string, string> | undefined);
    return client;
  }

  close(): void {
    this.agent.destroy();
  }

  /** The version string of the server (`/version`), which also proves we can reach it. */
  async serverVersion(): Promise<string> {
    const version = await this.request<{ gitVersion?: string }>('GET', '/version');
    return version.gitVersion ?? 'unknown';
  }

  /** The resource for a kind, from discovery (cached per group-version); undefined when unknown. */
  async resourceFor(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    return (await this.discover(apiVersion)).get(kind);
  }

  /** The preferred `group/version` (or `v1` for the core group) the server serves, or null. */
  async preferredVersion(group: string): Promise<string | null> {
    if (group === '') return 'v1';
    try {
      const info = await this.request<{ preferredVersion?: { groupVersion?: string } }>(
        'GET',
        `/apis/${group}`,
      );
      return info.preferredVersion?.groupVersion ?? null;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return null;
      throw error;
    }
  }

  /** Forgets discovery, e.g. after CRDs became Established. */
  refreshDiscovery(): void {
    this.resources.clear();
  }

  /** Server-side apply. Returns the object as the server stored it (or would, in a dry run). */
  async apply(object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    const path = await this.objectPath(object);
    const query: Record<string, string> = { fieldManager: options.fieldManager };
    if (options.force) query.force = 'true';
    if (options.dryRun) query.dryRun = 'All';
    return this.request<KubeObject>('PATCH', path, {
      query,
      body: JSON.stringify(object),
      contentType: 'application/apply-patch+yaml',
    });
  }

  /** A JSON patch (RFC 6902), e.g. to move managedFields to kpush's manager. */
  async jsonPatch(object: KubeObject, operations: unknown[]): Promise<KubeObject> {
    return this.request<KubeObject>('PATCH', await this.objectPath(object), {
      body: JSON.stringify(operations),
      contentType: 'application/json-patch+json',
    });
  }

  async get(id: ObjectId): Promise<KubeObject | null> {
    try {
      return await this.request<KubeObject>('GET', await this.objectPath(idToObject(id)));
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return null;
      throw error;
    }
  }

  /**
   * Lists a kind, in one namespace or (namespace '') in all / cluster-scoped. `metadataOnly`
   * asks the server for each item's metadata alone (PartialObjectMetadataList), e.g. to find
   * the records to trim without downloading every one.
   */
  async list(
    apiVersion: string,
    kind: string,
    namespace: string,
    query: { labelSelector?: string; fieldSelector?: string } = {},
    options: { metadataOnly?: boolean } = {},
  ): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const path = await this.collectionPath(apiVersion, kind, namespace);
    const items: KubeObject[] = [];
    let resourceVersion = '';
    let continueToken: string | undefined;
    do {
      const page = await this.request<{
        items?: KubeObject[];
        metadata?: { continue?: string; resourceVersion?: string };
      }>('GET', path, {
        query: { ...cleanQuery(query), limit: '500', ...(continueToken ? { continue: continueToken } : {}) },
        ...(options.metadataOnly ? { accept: METADATA_LIST } : {}),
      });
      // A list's items carry no apiVersion/kind: put them back so they read as objects.
      for (const item of page.items ?? []) items.push({ ...item, apiVersion, kind });
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
    return { items, resourceVersion };
  }

  async delete(id: ObjectId, options: { dryRun: boolean }): Promise<'deleted' | 'gone'> {
    try {
      // With a body, the API server reads DeleteOptions only from it and ignores the query:
      // dryRun must be in the body, or a dry run deletes for real.
      const deleteOptions = { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' };
      await this.request('DELETE', await this.objectPath(idToObject(id)), {
        body: JSON.stringify(options.dryRun ? { ...deleteOptions, dryRun: ['All'] } : deleteOptions),
        contentType: 'application/json',
      });
      return 'deleted';
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return 'gone';
      throw error;
    }
  }

  /**
   * Watches a collection from `resourceVersion` until `signal` aborts or the server ends the
   * stream (the caller lists and watches again). Resolves when the stream ends.
   */
  async watch(
    apiVersion: string,
    kind: string,
    namespace: string,
    query: { labelSelector?: string; fieldSelector?: string; resourceVersion: string },
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const path = await this.collectionPath(apiVersion, kind, namespace);
    const response = await this.send('GET', path, {
      query: { ...cleanQuery(query), watch: 'true', allowWatchBookmarks: 'true', timeoutSeconds: '290' },
      signal,
      timeoutMs: 0,
    });
    if ((response.statusCode ?? 0) >= 300) {
      throw this.apiError(response.statusCode ?? 0, await readBody(response), 'GET', path);
    }
    await new Promise<void>((resolve) => {
      let buffered = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffered += chunk;
        for (let newline = buffered.indexOf('\n'); newline !== -1; newline = buffered.indexOf('\n')) {
          const event = parseWatchLine(buffered.slice(0, newline).trim());
          buffered = buffered.slice(newline + 1);
          if (!event) continue;
          if (event.type !== 'ERROR' && event.type !== 'BOOKMARK')
            event.object = { ...event.object, apiVersion, kind };
          onEvent(event);
        }
      });
      response.on('end', resolve);
      response.on('error', () => resolve());
      response.on('close', resolve);
    });
  }

  async request<T = unknown>(
    method: string,
    path: string,
    options: { query?: Record<string, string>; body?: string; contentType?: string; accept?: string } = {},
  ): Promise<T> {
    const response = await this.send(method, path, { ...options, timeoutMs: REQUEST_TIMEOUT_MS });
    const body = await readBody(response);
    if ((response.statusCode ?? 0) >= 300) throw this.apiError(response.statusCode ?? 0, body, method, path);
    return (body ? JSON.parse(body) : {}) as T;
  }

  private async send(
    method: string,
    path: string,
    options: {
      query?: Record<string, string>;
      body?: string;
      contentType?: string;
      accept?: string;
      signal?: AbortSignal;
      timeoutMs: number;
    },
  ): Promise<IncomingMessage> {
    const url = new URL(this.target.server.replace(/\/+$/, '') + path);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    const headers: Record<string, string> = {
      accept: options.accept ?? 'application/json',
      'user-agent': 'kpush',
      ...(await this.credentials()),
    };
    if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(options.body));
    }
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        { ...this.tls, method, headers, agent: this.agent, signal: options.signal },
        resolve,
      );
      if (options.timeoutMs > 0) {
        req.setTimeout(options.timeoutMs, () =>
          req.destroy(
            Object.assign(new Error(`no answer within ${options.timeoutMs / 1000}s`), { code: 'ETIMEDOUT' }),
          ),
        );
      }
      req.on('error', (error) => reject(this.transportError(error)));
      req.end(options.body);
    });
  }

  /**
   * Credentials for one request. Exec plugins and token files may rotate, so they are asked
   * again every 30 s rather than once; client-node caches exec results until they expire.
   */
  private credentials(): Promise<Record<string, string>> {
    const now = Date.now();
    if (!this.authHeaders || now - this.authHeaders.at > 30_000) {
      const value = (async () => {
        const options: RequestOptions = { headers: {} };
        // An exec plugin that waits for a login prompt would wait forever: bound it.
        await withDeadline(
          this.kc.applyToHTTPSOptions(options),
          CREDENTIALS_TIMEOUT_MS,
          'the credential plugin did not answer',
        );
        const headers = { ...(options.headers as Record<string, string>) };
        if (options.auth) headers.authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
        this.rememberSecrets(headers);
        return headers;
      })();
      this.authHeaders = { value, at: now };
      value.catch(() => {
        this.authHeaders = undefined;
      });
    }
    return this.authHeaders.value.catch((error: unknown) => {
      throw new KpushError(
        'E_KUBE_CREDENTIALS',
        `cannot get credentials for ${this.where()}: ${firstLine(error)}`,
        {
          hint: 'Check the kubeconfig user (exec plugin on PATH, token file readable).',
          cause: error,
        },
      );
    });
  }

  /** Every credential goes to the redactor before any request, so no output can carry it. */
  private rememberSecrets(headers: Record<string, string> | undefined): void {
    for (const [name, value] of Object.entries(headers ?? {})) {
      if (/^(authorization|impersonate-)/i.test(name) && typeof value === 'string') {
        this.redact(value);
        this.redact(value.replace(/^(Bearer|Basic)\s+/i, ''));
      }
    }
  }

  private where(): string {
    return `${this.target.server} (context ${this.target.context})`;
  }

  private transportError(error: Error & { code?: string }): KpushError {
    if (error.name === 'AbortError') return new KpushError('E_ABORTED', 'request aborted', { cause: error });
    return new KpushError(
      'E_KUBE_UNREACHABLE',
      `cannot reach the cluster at ${this.where()}: ${error.code ?? firstLine(error)}`,
      {
        hint: 'Check the server address, network and VPN, and that the cluster is up (kubectl cluster-info).',
        cause: error,
      },
    );
  }

  private apiError(status: number, body: string, method: string, path: string): KubeApiError {
    let parsed: { reason?: string; message?: string; details?: { causes?: StatusCause[] } } = {};
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = { message: body.slice(0, 300) };
    }
    const reason = parsed.reason ?? '';
    const message = parsed.message || `HTTP ${status}`;
    const error = new KubeApiError(status, reason, message, parsed.details?.causes ?? []);
    if (status === 401) {
      return new KubeApiError(
        status,
        'Unauthorized',
        `the cluster at ${this.where()} rejected kpush's credentials (401 Unauthorized)`,
        [],
        'The token or client certificate is invalid or expired: refresh the kubeconfig or the CI secret.',
      );
    }
    if (status === 403) {
      return new KubeApiError(
        status,
        'Forbidden',
        `${this.where()}: ${message}`,
        [],
        `Grant the deploying identity (user ${this.target.user || 'unknown'}) the RBAC verbs it needs (${method} ${path}).`,
      );
    }
    return error;
  }

  private discover(apiVersion: string): Promise<Map<string, ApiResource>> {
    let cached = this.resources.get(apiVersion);
    if (!cached) {
      const { group, version } = splitApiVersion(apiVersion);
      const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
      cached = this.request<{ resources?: (ApiResource & { name: string; kind: string })[] }>('GET', path)
        .then((list) => {
          const byKind = new Map<string, ApiResource>();
          for (const resource of list.resources ?? []) {
            if (resource.name.includes('/')) continue; // subresources such as deployments/scale
            byKind.set(resource.kind, {
              plural: resource.name,
              namespaced: resource.namespaced,
              verbs: resource.verbs,
            });
          }
          return byKind;
        })
        .catch((error: unknown) => {
          if (error instanceof KubeApiError && error.status === 404) return new Map<string, ApiResource>();
          this.resources.delete(apiVersion);
          throw error;
        });
      this.resources.set(apiVersion, cached);
    }
    return cached;
  }

  private async collectionPath(apiVersion: string, kind: string, namespace: string): Promise<string> {
    const resource = await this.requireResource(apiVersion, kind);
    const { group, version } = splitApiVersion(apiVersion);
    const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const scope = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${base}${scope}/${resource.plural}`;
  }

  private async objectPath(object: KubeObject): Promise<string> {
    const resource = await this.requireResource(object.apiVersion, object.kind);
    const namespace = resource.namespaced ? (object.metadata.namespace ?? '') : '';
    const collection = await this.collectionPath(object.apiVersion, object.kind, namespace);
    return `${collection}/${encodeURIComponent(object.metadata.name ?? '')}`;
  }

  private async requireResource(apiVersion: string, kind: string): Promise<ApiResource> {
    const resource = await this.resourceFor(apiVersion, kind);
    if (!resource) {
      throw new KpushError(
        'E_KUBE_UNKNOWN_KIND',
        `the cluster at ${this.where()} does not know ${kind} (${apiVersion})`,
        {
          hint: 'Install its CustomResourceDefinition first (or include it in this deploy), or fix apiVersion/kind.',
        },
      );
    }
    return resource;
  }
}

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000}s`)), ms);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function idToObject(id: ObjectId): KubeObject {
  const apiVersion = id.group ? `${id.group}/${id.version}` : id.version;
  return { apiVersion, kind: id.kind, metadata: { name: id.name, namespace: id.namespace } };
}

function cleanQuery(query: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(query).filter((entry): entry is [string, string] => Boolean(entry[1])),
  );
}

/** One line of a watch stream; a line that is not JSON is dropped rather than crash the wait. */
function parseWatchLine(line: string): WatchEvent | null {
  try {
    const event = JSON.parse(line) as WatchEvent;
    return event && typeof event === 'object' && event.object ? event : null;
  } catch {
    return null;
  }
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

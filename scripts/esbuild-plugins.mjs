// esbuild plugins shared by scripts/build.mjs (dist/) and scripts/build-action.mjs (dist/action/).
import { builtinModules } from 'node:module';

/**
 * kpush uses one class of @kubernetes/client-node, KubeConfig (config.js: kubeconfig files,
 * contexts, auth plugins, proxies), yet its index re-exports the generated client for every
 * API. The package does not declare its modules free of side effects, so esbuild kept all of
 * them: a 972 KB chunk to compile and run on every deploy. Declared here (they only define
 * classes and functions), esbuild keeps what KubeConfig uses: 524 KB.
 */
export const treeShakeClientNode = {
  name: 'tree-shake-client-node',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'resolving' || !/client-node/.test(`${args.importer}${args.path}`)) return;
      const resolved = await pluginBuild.resolve(args.path, {
        resolveDir: args.resolveDir,
        kind: args.kind,
        importer: args.importer,
        pluginData: 'resolving',
      });
      if (resolved.errors.length > 0 || !/@kubernetes[\\/]client-node[\\/]dist[\\/]/.test(resolved.path))
        return;
      return { path: resolved.path, sideEffects: false };
    });
  },
};

/**
 * client-node imports node-fetch (with whatwg-url and tr46's 260 KB Unicode table) at load time
 * for what kpush never calls (fetch options for its generated clients). Within client-node,
 * `node-fetch` becomes a module that loads the real one on first use: about 15 ms less before
 * a deploy's first request on Node 20.
 */
export const lazyNodeFetchInClientNode = {
  name: 'lazy-node-fetch-in-client-node',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^node-fetch$/ }, (args) =>
      /@kubernetes[\\/]client-node[\\/]/.test(args.importer)
        ? { path: 'lazy-node-fetch', namespace: 'kpush-lazy', pluginData: args.resolveDir }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /^lazy-node-fetch$/, namespace: 'kpush-lazy' }, (args) => ({
      resolveDir: args.pluginData,
      loader: 'js',
      contents: `
        const real = () => require('node-fetch');
        export default function fetch(...args) { return real()(...args); }
        export class Headers { constructor(init) { return new (real().Headers)(init); } }
        export class AbortError { constructor(...args) { return new (real().AbortError)(...args); } }
        export class FetchError { constructor(...args) { return new (real().FetchError)(...args); } }
      `,
    }));
  },
};

/**
 * client-node's config.js imports the proxy agents (socks-proxy-agent with `socks`, hpagent) at
 * load time; they are only constructed for a kubeconfig cluster with `proxy-url`. Within
 * client-node each becomes a module whose classes load the real one on first use: ~7 ms of a
 * deploy's start on Node 20 (bench/deploy.mjs profile).
 */
const LAZY_PROXY_AGENTS = {
  'socks-proxy-agent': ['SocksProxyAgent'],
  hpagent: ['HttpProxyAgent', 'HttpsProxyAgent'],
};

export const lazyProxyAgentsInClientNode = {
  name: 'lazy-proxy-agents-in-client-node',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^(socks-proxy-agent|hpagent)$/ }, (args) =>
      /@kubernetes[\\/]client-node[\\/]/.test(args.importer)
        ? { path: args.path, namespace: 'kpush-lazy-agent', pluginData: args.resolveDir }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'kpush-lazy-agent' }, (args) => ({
      resolveDir: args.pluginData,
      loader: 'js',
      contents: [
        `const real = () => require(${JSON.stringify(args.path)});`,
        ...LAZY_PROXY_AGENTS[args.path].map(
          (name) => `export class ${name} { constructor(...args) { return new (real().${name})(...args); } }`,
        ),
      ].join('\n'),
    }));
  },
};

/**
 * Node's built-in modules through `require` (the banner's), not ES `import`: for an ES import
 * Node first builds a module facade of the built-in (all its exports, kept in sync), which cost
 * ~6 ms of loading the deploy chunk alone (node:https, tls, http, net, child_process, …; profile
 * of `import()` on Node 20), and some of every other command. Each built-in becomes a one-line
 * CommonJS module that esbuild's interop reads like the real import.
 */
export const builtinsThroughRequire = {
  name: 'builtins-through-require',
  setup(pluginBuild) {
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    // One module per importer: shared, each built-in would become a chunk of its own (a
    // one-line file: ~0.3 ms each for Node's ES module loader, 5 of them before bump-manifest
    // starts cloning); this way it is written into the importer's chunk.
    pluginBuild.onResolve({ filter: /^[a-z_:/]+$/ }, (args) =>
      builtins.has(args.path) && args.kind === 'import-statement'
        ? { path: args.path, namespace: 'kpush-builtin', suffix: `?${args.importer}` }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'kpush-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

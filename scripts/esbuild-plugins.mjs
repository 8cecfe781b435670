// esbuild plugins shared by scripts/build.mjs (dist/) and scripts/build-action.mjs (dist/action/).

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

/** The forges `--pull-request` speaks to. Apart from pull-request.ts so the CLI's flag wiring loads nothing else. */
export const FORGE_KINDS = ['github', 'gitlab', 'gitea'] as const;
export type ForgeKind = (typeof FORGE_KINDS)[number];

/** The names `--strategy` accepts: a leaf module, so the CLI's start-up does not load the strategies. */
export const TAG_STRATEGIES = ['sha', 'branch-sha', 'semver', 'timestamp', 'content'] as const;
export type TagStrategy = (typeof TAG_STRATEGIES)[number];

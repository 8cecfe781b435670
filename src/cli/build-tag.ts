import { resolve } from 'node:path';
import { appendGithubOutput, writeDotenv } from '../adapters/ci.js';
import { type BuildTagResult, buildTag } from '../commands/build-tag.js';
import type { TagStrategy } from '../core/tag/strategies.js';
import type { CommandContext } from './context.js';

export interface BuildTagOptions {
  strategy: TagStrategy;
  template?: string;
  fallback?: TagStrategy;
  context?: string;
  cwd?: string;
  requireClean: boolean;
  dotenv?: string;
}

export async function buildTagCommand(options: BuildTagOptions, context: CommandContext): Promise<void> {
  const { reporter, env } = context;
  const result = await buildTag(
    {
      cwd: resolve(context.cwd, options.cwd ?? '.'),
      strategy: options.strategy,
      template: options.template,
      fallback: options.fallback,
      context: options.context,
      requireClean: options.requireClean,
    },
    { env, now: context.now, warn: (message) => reporter.warn(message) },
  );
  if (result.dirty) reporter.warn(`the work tree has uncommitted changes: tagged ${result.tag}`);
  reporter.debug(`strategy ${result.strategy}, sha ${result.sha}, branch ${result.branch ?? '(none)'}`);

  if (env.GITHUB_OUTPUT) await appendGithubOutput(env.GITHUB_OUTPUT, pipelineOutputs(result, ''));
  if (options.dotenv)
    await writeDotenv(resolve(context.cwd, options.dotenv), pipelineOutputs(result, 'KPUSH_'));

  if (context.globals.json) reporter.json(result);
  else reporter.result(result.tag);
}

/** tag/sha/branch for GITHUB_OUTPUT (`tag=…`) and GitLab dotenv reports (`KPUSH_TAG=…`). */
function pipelineOutputs(result: BuildTagResult, prefix: '' | 'KPUSH_'): Record<string, string> {
  const key = (name: string) => (prefix ? `${prefix}${name.toUpperCase()}` : name);
  return { [key('tag')]: result.tag, [key('sha')]: result.sha, [key('branch')]: result.branch ?? '' };
}

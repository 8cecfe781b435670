import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { ExitCode, KpushError, UsageError } from '../errors.js';
import type { BuildTagOptions } from './build-tag.js';
import type { BumpManifestOptions } from './bump-manifest.js';
import { type CliIO, type CommandContext, createContext, type GlobalOptions } from './context.js';
import { DEFAULT_RETRY } from '../core/bump/retry.js';
import { TAG_STRATEGIES } from '../core/tag/strategies.js';

/**
 * Commander wiring only: flags, help and examples. Each subcommand's module is imported when it
 * runs, so `kpush --help` and `kpush bump-manifest --help` never load YAML, git or Kubernetes code.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<ExitCode> {
  let context: CommandContext | undefined;
  const contextFor = (command: Command): CommandContext => {
    context = createContext(io, command.optsWithGlobals<GlobalOptions>());
    return context;
  };
  const program = buildProgram(io, contextFor);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.Success;
  } catch (error) {
    return reportFailure(error, context ?? createContext(io, globalsFromArgv(argv)));
  }
}

function buildProgram(io: CliIO, contextFor: (command: Command) => CommandContext): Command {
  const program = new Command('kpush')
    .description('Push-based GitOps for CI pipelines: tag images, bump manifests, deploy.')
    .version(pkg.version, '-V, --version')
    .option('--json', 'print one JSON document on stdout instead of text', false)
    .option('-v, --verbose', 'log each step on stderr', false)
    .option('--no-color', 'disable colour (NO_COLOR is honoured too)')
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Errors are rendered once, by reportFailure, with a hint and the right exit code.
      outputError: () => {},
    })
    .addHelpText('after', EXIT_CODES_HELP);

  program
    .command('build-tag')
    .description('Compute the image tag from git state and hand it to the pipeline.')
    .addOption(
      new Option('-s, --strategy <name>', 'how to derive the tag').choices(TAG_STRATEGIES).default('sha'),
    )
    .option('-t, --template <template>', 'tag template, e.g. "{{branch}}-{{sha7}}" (overrides --strategy)')
    .addOption(
      new Option('--fallback <name>', 'strategy to use when --strategy semver finds no tag on HEAD').choices(
        TAG_STRATEGIES.filter((name) => name !== 'semver'),
      ),
    )
    .option('--context <path>', 'build context for --strategy content (and {{content}})')
    .option('-C, --cwd <dir>', 'git repository to read (default: current directory)')
    .option('--require-clean', 'fail instead of appending -dirty when the work tree has changes', false)
    .option('--dotenv <file>', 'also write KPUSH_TAG, KPUSH_SHA, KPUSH_BRANCH to this dotenv file')
    .addHelpText('after', BUILD_TAG_EXAMPLES)
    .action(async (options: BuildTagOptions, command: Command) => {
      const { buildTagCommand } = await import('./build-tag.js');
      await buildTagCommand(options, contextFor(command));
    });

  program
    .command('bump-manifest')
    .description('Rewrite image references in an environment repo, commit and push.')
    .requiredOption('-r, --repo <url-or-path>', 'environment repository (git URL or local path)')
    .requiredOption('-i, --image <ref>', 'new image reference, repeatable: repo:tag, repo@digest', collect)
    .option('-p, --path <path>', 'limit the scan to this file or directory, repeatable', collect, [])
    .option('-b, --branch <name>', "branch to update (default: the remote's default branch)")
    .option('-m, --message <template>', 'commit message template ({{summary}}, {{changes}}, {{images}}, ...)')
    .option('--author <name <email>>', 'commit author (default: CI actor, else "kpush <kpush@localhost>")')
    .option('--dry-run', 'print the diff that would be pushed; change nothing', false)
    .option('--allow-no-match', 'exit 0 when an --image matches nothing', false)
    .option(
      '--max-attempts <n>',
      'push attempts when other pipelines move the branch',
      positiveInt,
      DEFAULT_RETRY.maxAttempts,
    )
    .option(
      '--retry-timeout <seconds>',
      'give up retrying after this long',
      positiveInt,
      DEFAULT_RETRY.deadlineMs / 1000,
    )
    .addHelpText('after', BUMP_MANIFEST_EXAMPLES)
    .action(async (options: BumpManifestOptions, command: Command) => {
      const { bumpManifestCommand } = await import('./bump-manifest.js');
      await bumpManifestCommand(options, contextFor(command));
    });

  return program;
}

function reportFailure(error: unknown, context: CommandContext): ExitCode {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return ExitCode.Success; // --help, --version
    if (error.code === 'commander.help' || error.code === 'commander.helpDisplayed') return ExitCode.Usage;
    error = new UsageError(error.message.replace(/^error: /, ''), {
      hint: 'Run `kpush --help` or `kpush <command> --help` for usage.',
    });
  }
  const failure =
    error instanceof KpushError
      ? error
      : new KpushError('E_INTERNAL', error instanceof Error ? error.message : String(error), {
          hint: 'This is a bug in kpush; rerun with --verbose and report it.',
          cause: error,
        });
  context.reporter.error(failure.message, failure.hint);
  if (failure.code === 'E_INTERNAL' && failure.cause instanceof Error && failure.cause.stack) {
    context.reporter.debug(failure.cause.stack);
  }
  if (context.globals.json) {
    context.reporter.json({
      error: { code: failure.code, message: failure.message, hint: failure.hint, ...failure.details },
    });
  }
  return failure.exitCode;
}

/** Globals for rendering an error raised before commander reached an action. */
function globalsFromArgv(argv: readonly string[]): GlobalOptions {
  return {
    json: argv.includes('--json'),
    verbose: argv.includes('--verbose'),
    color: !argv.includes('--no-color'),
  };
}

/** Repeatable options. No default for required ones: commander checks only `undefined`. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError('expected a positive whole number.');
  }
  return parsed;
}

const EXIT_CODES_HELP = `
Exit codes:
  0  success (also: nothing to change)
  1  runtime failure: git, network, cluster, bad YAML content, no match
  2  usage error: unknown flag, missing or invalid argument, invalid image reference or tag
`;

const BUILD_TAG_EXAMPLES = `
Examples:
  $ kpush build-tag                                   # sha-3f1c2a9
  $ kpush build-tag --strategy branch-sha             # feature-login-3f1c2a9
  $ kpush build-tag --strategy semver --fallback sha  # 1.4.2 on a tagged commit
  $ kpush build-tag --strategy timestamp              # main-20261124093000-3f1c2a9
  $ kpush build-tag --strategy content --context services/api
  $ kpush build-tag --template '{{branch}}-{{run}}-{{sha7}}'
  $ kpush build-tag --json | jq -r .tag
  $ kpush build-tag --dotenv build.env                # GitLab artifacts:reports:dotenv
`;

const BUMP_MANIFEST_EXAMPLES = `
Examples:
  $ kpush bump-manifest --repo https://github.com/acme/env.git --image ghcr.io/acme/api:sha-3f1c2a9
  $ kpush bump-manifest --repo ../env --path overlays/prod --image ghcr.io/acme/api:1.4.2 --dry-run
  $ kpush bump-manifest --repo git@github.com:acme/env.git \\
      --image ghcr.io/acme/api@sha256:<64 hex> --image ghcr.io/acme/worker:1.4.2

Credentials: KPUSH_GIT_TOKEN, GITHUB_TOKEN or CI_JOB_TOKEN for HTTPS; your SSH agent for SSH.
`;

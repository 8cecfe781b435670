import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ExitCode, KpushError, UsageError } from '../errors.js';
import type { BuildTagOptions } from './build-tag.js';
import type { BumpManifestOptions } from './bump-manifest.js';
import type { DeployOptions } from './deploy.js';
import type { HistoryOptions } from './history.js';
import type { DriftOptions } from './drift.js';
import type { RollbackOptions } from './rollback.js';
import { parseDuration } from '../core/duration.js';
import { type CliIO, type CommandContext, createContext, type GlobalOptions } from './context.js';
import { type OptionParsers, optionLayers, reportOptionSources } from './option-layers.js';
import { DEFAULT_RETRY } from '../core/bump/retry.js';
import { TAG_STRATEGIES } from '../core/tag/strategy-names.js';
import { FORGE_KINDS } from '../core/bump/forge-kinds.js';

/**
 * Commander wiring only: flags, help and examples. Each subcommand's module is imported when it
 * runs, so `kpush --help` and `kpush bump-manifest --help` never load YAML, git or Kubernetes code.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<ExitCode> {
  let context: CommandContext | undefined;
  const contextFor = (command: Command): CommandContext => {
    context = createContext(io, command.optsWithGlobals<GlobalOptions>());
    reportOptionSources(command, context.reporter, OPTION_PARSERS);
    return context;
  };
  const program = buildProgram(io, contextFor, invokedCommand(argv) ?? '');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.Success;
  } catch (error) {
    return reportFailure(error, context ?? createContext(io, globalsFromArgv(argv)));
  }
}

/** The CLI; `only` builds just that subcommand's flags ('' none), the rest are listed by name. */
export function buildProgram(
  io: CliIO,
  contextFor: (command: Command) => CommandContext,
  only?: string,
): Command {
  const program = new Command('kpush')
    .description('Push-based GitOps for CI pipelines: tag images, bump manifests, deploy.')
    .version(__KPUSH_VERSION__, '-V, --version')
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
    .addHelpText('after', EXIT_CODES_HELP)
    // kpush.yaml and KPUSH_* variables, before the subcommand parses its flags.
    .hook(
      'preSubcommand',
      optionLayers(io.cwd, io.env, OPTION_PARSERS, () =>
        only === undefined ? program.commands : buildProgram(io, contextFor).commands,
      ),
    );

  // Only the invoked subcommand gets its options built: the others are listed by name and
  // description, so `kpush --version` and `kpush bump-manifest --help` build one command or none.
  for (const { name, description, define } of COMMANDS) {
    const command = program.command(name).description(description);
    if (only === undefined || only === name) define(command, contextFor);
  }

  return program;
}

/** Each subcommand: its name, what it does, and its flags and action, built only when it runs. */
const COMMANDS: {
  name: string;
  description: string;
  define: (command: Command, contextFor: (command: Command) => CommandContext) => void;
}[] = [
  {
    name: 'build-tag',
    description: 'Compute the image tag from git state and hand it to the pipeline.',
    define: (command, contextFor) => {
      command
        .addOption(
          new Option('-s, --strategy <name>', 'how to derive the tag').choices(TAG_STRATEGIES).default('sha'),
        )
        .option(
          '-t, --template <template>',
          'tag template, e.g. "{{branch}}-{{sha7}}" (overrides --strategy)',
          nonEmpty,
        )
        .addOption(
          new Option(
            '--fallback <name>',
            'strategy to use when --strategy semver finds no tag on HEAD',
          ).choices(TAG_STRATEGIES.filter((name) => name !== 'semver')),
        )
        .option('--context <path>', 'build context for --strategy content (and {{content}})', nonEmpty)
        .option('-C, --cwd <dir>', 'git repository to read (default: current directory)', nonEmpty)
        .option('--require-clean', 'fail instead of appending -dirty when the work tree has changes', false)
        .option(
          '--dotenv <file>',
          'also write KPUSH_TAG, KPUSH_SHA, KPUSH_BRANCH to this dotenv file',
          nonEmpty,
        )
        .addHelpText('after', BUILD_TAG_EXAMPLES)
        .action(async (options: BuildTagOptions, command: Command) => {
          const { buildTagCommand } = await import('./build-tag.js');
          await buildTagCommand(options, contextFor(command));
        });
    },
  },
  {
    name: 'bump-manifest',
    description: 'Rewrite image references in an environment repo, commit and push.',
    define: (command, contextFor) => {
      command
        .requiredOption(
          '-r, --repo <url-or-path>',
          'environment repository (git URL or local path)',
          nonEmpty,
        )
        .requiredOption(
          '-i, --image <ref>',
          'new image reference, repeatable: repo:tag, repo@digest',
          collect,
        )
        .option(
          '-p, --path <path>',
          'limit the scan to this file or directory, repeatable',
          collectNonEmpty,
          [],
        )
        .option('-b, --branch <name>', "branch to update (default: the remote's default branch)", nonEmpty)
        .option(
          '-m, --message <template>',
          'commit message template ({{summary}}, {{changes}}, {{images}}, ...)',
          nonEmpty,
        )
        .option(
          '--author <name <email>>',
          'commit author (default: CI actor, else "kpush <kpush@localhost>")',
          nonEmpty,
        )
        .option('--dry-run', 'print the diff that would be pushed; change nothing', false)
        .option('--allow-no-match', 'exit 0 when an --image matches nothing', false)
        .option('--include-ci-files', 'also rewrite CI configuration (.github/, .gitlab-ci.yml, …)', false)
        .option('--allow-older', 'replace a value even when a newer source build wrote it', false)
        .option('--pull-request', 'push to a branch of its own and open or update a pull request', false)
        .option(
          '--pr-branch <name>',
          'with --pull-request: the branch (default: kpush/<image>-<env>)',
          nonEmpty,
        )
        .option('--pr-label <label>', 'with --pull-request: a label, repeatable', collectNonEmpty, [])
        .option(
          '--pr-reviewer <user>',
          'with --pull-request: a reviewer (org/team for a team), repeatable',
          collectNonEmpty,
          [],
        )
        .option('--auto-merge', 'with --pull-request: merge once required checks pass', false)
        .addOption(
          new Option('--forge <kind>', 'with --pull-request: the forge, when --repo does not tell').choices(
            FORGE_KINDS,
          ),
        )
        .option(
          '--api-url <url>',
          'with --pull-request: API base URL (GitHub Enterprise, self-managed GitLab, Gitea)',
          nonEmpty,
        )
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
    },
  },
  {
    name: 'deploy',
    description: 'Apply the env repo to a cluster with server-side apply, wait for rollout, record it.',
    define: (command, contextFor) => {
      command
        .argument('[dir]', 'directory to deploy (default: current directory)')
        .option(
          '-r, --repo <url-or-path>',
          'clone this environment repository instead of reading a directory',
        )
        .option('--ref <rev>', 'branch, tag or commit of --repo (default: its default branch)')
        .option('-p, --path <subdir>', 'directory inside the source to render')
        .option(
          '-a, --app <name>',
          'name of this deploy unit: scopes prune, records and history (required; with --helm: the release name)',
        )
        .option('-n, --namespace <ns>', "namespace for objects that name none (default: the context's)")
        .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)')
        .option(
          '--context <name>',
          'kubeconfig context; repeat to deploy to several clusters in parallel',
          collect,
          [],
        )
        .option(
          '--dry-run',
          'server-side dry run of the whole plan: print diffs and a summary, change nothing',
          false,
        )
        .option('--diff', 'print the diff of each object before applying it', false)
        .option(
          '--prune',
          'delete objects an earlier deploy of this --app applied that are gone from the source',
          false,
        )
        .option(
          '--allow-empty',
          'with --prune, accept a source with no objects (deletes everything of --app)',
          false,
        )
        .option(
          '--prune-namespaces-and-crds',
          'let --prune delete Namespaces and CustomResourceDefinitions',
          false,
        )
        .option('--wait', 'wait until every object is ready (default)', true)
        .option('--no-wait', 'return after applying')
        .option('--timeout <duration>', 'how long to wait for readiness, e.g. 90s, 5m', durationMs, 300_000)
        .option('--field-manager <name>', 'server-side apply field manager', 'kpush')
        .option('--force-conflicts', 'take ownership of fields another manager set', false)
        .option('--audit-file <file>', 'append the audit record (one JSON line) to this file')
        .option(
          '--helm <chart>',
          'deploy a Helm chart with helm upgrade --install: a directory, .tgz, repo/chart or oci://…',
        )
        .option('--release <name>', 'with --helm: the Helm release to install or upgrade')
        .option(
          '--values <file>',
          'with --helm: a values file, relative to the deploy directory; repeatable',
          collect,
          [],
        )
        .option('--set <key=value>', 'with --helm: a value, e.g. image.tag=1.4.2; repeatable', collect, [])
        .option('--chart-version <version>', 'with --helm: the chart version (constraint) to use')
        .option(
          '--helm-bin <path>',
          'with --helm: the helm binary (default: KPUSH_HELM_BIN, else helm on PATH)',
        )
        .addHelpText('after', DEPLOY_EXAMPLES)
        .action(async (dir: string | undefined, options: DeployOptions, command: Command) => {
          startTlsRootStore();
          const { deployCommand } = await import('./deploy.js');
          await deployCommand(dir, options, contextFor(command));
        });
    },
  },
  {
    name: 'history',
    description: 'Show the deploys of an app recorded in the cluster, newest first.',
    define: (command, contextFor) => {
      command
        .requiredOption('-a, --app <name>', 'the --app given to deploy')
        .option('-n, --namespace <ns>', "namespace of the app's records (default: the context's)")
        .option('--kubeconfig <file>', 'kubeconfig file')
        .option('--context <name>', 'kubeconfig context')
        .action(async (options: HistoryOptions, command: Command) => {
          startTlsRootStore();
          const { historyCommand } = await import('./history.js');
          await historyCommand(options, contextFor(command));
        });
    },
  },
  {
    name: 'drift',
    description:
      'Compare the cluster with the env repo: changed fields and who changed them, missing and leftover objects.',
    define: (command, contextFor) => {
      command
        .argument('[dir]', 'directory to compare (default: current directory)')
        .option(
          '-r, --repo <url-or-path>',
          'clone this environment repository instead of reading a directory',
        )
        .option('--ref <rev>', 'branch, tag or commit of --repo (default: its default branch)')
        .option('-p, --path <subdir>', 'directory inside the source to render')
        .requiredOption('-a, --app <name>', 'the --app given to deploy')
        .option('-n, --namespace <ns>', "namespace for objects that name none (default: the context's)")
        .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)')
        .option('--context <name>', 'kubeconfig context; repeat to check several clusters', collect, [])
        .option('--field-manager <name>', 'the field manager deploy uses', 'kpush')
        .option('--fix', 'after reporting, re-deploy the same source, taking back the drifted fields', false)
        .option('--prune', 'with --fix, also delete objects no longer in the repo', false)
        .option('--wait', 'with --fix, wait until every object is ready (default)', true)
        .option('--no-wait', 'with --fix, return after applying')
        .option('--timeout <duration>', 'with --fix, how long to wait for readiness', durationMs, 300_000)
        .option('--audit-file <file>', "with --fix, append the fix's deploy record to this file")
        .addHelpText('after', DRIFT_EXAMPLES)
        .action(async (dir: string | undefined, options: DriftOptions, command: Command) => {
          startTlsRootStore();
          const { driftCommand } = await import('./drift.js');
          await driftCommand(dir, options, contextFor(command));
        });
    },
  },
  {
    name: 'rollback',
    description: 'Restore an earlier env repo revision: commit, push (never force), deploy and wait.',
    define: (command, contextFor) => {
      command
        .option(
          '-r, --repo <url-or-path>',
          'environment repository (git URL or local path; not with --helm-native)',
          nonEmpty,
        )
        .requiredOption('-a, --app <name>', 'the --app given to deploy')
        .option('--to <commit>', 'env commit to restore (--helm-native: Helm revision)')
        .option('--steps <n>', 'go this many successful deploys back (default 1)', positiveInt)
        .option('--reason <text>', 'why: goes into the commit message and the deploy record')
        .option('-b, --branch <name>', "branch to commit to (default: the remote's default branch)")
        .option(
          '-p, --path <subdir>',
          'directory to restore and deploy (default: the one the last deploy used)',
        )
        .option('-n, --namespace <ns>', "the app's namespace (default: where its deploy records are)")
        .option('--kubeconfig <file>', 'kubeconfig file')
        .option('--context <name>', 'kubeconfig context')
        .option('--dry-run', 'show the planned commit and a deploy dry run; push nothing', false)
        .option('--helm-native', 'for Helm releases: `helm rollback` to the earlier revision instead', false)
        .option('--helm-bin <path>', 'helm binary for --helm-native (default: helm on PATH)')
        .option('--author <name <email>>', 'commit author (default: git identity, else CI actor)', nonEmpty)
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
        .option('--wait', 'wait until every object is ready (default)', true)
        .option('--no-wait', 'return after applying')
        .option('--timeout <duration>', 'how long to wait for readiness, e.g. 90s, 5m', durationMs, 300_000)
        .option('--prune', 'delete objects the restored revision no longer has', false)
        .option('--allow-empty', 'with --prune, accept a revision with no objects', false)
        .option(
          '--prune-namespaces-and-crds',
          'let --prune delete Namespaces and CustomResourceDefinitions',
          false,
        )
        .option('--field-manager <name>', 'server-side apply field manager', 'kpush')
        .option('--force-conflicts', 'take ownership of fields another manager set', false)
        .option('--audit-file <file>', 'append the audit record (one JSON line) to this file')
        .addHelpText('after', ROLLBACK_EXAMPLES)
        .action(async (options: RollbackOptions, command: Command) => {
          startTlsRootStore();
          const { rollbackCommand } = await import('./rollback.js');
          await rollbackCommand(options, contextFor(command));
        });
    },
  },
];

/** Commands that talk to a cluster: see buildTlsRootStoreInBackground. */
function startTlsRootStore(): void {
  void import('../adapters/tls-root-store.js').then((module) => module.buildTlsRootStoreInBackground());
}

/** The subcommand argv names (`kpush [globals] <command>` or `kpush help <command>`), if any. */
function invokedCommand(argv: readonly string[]): string | undefined {
  const positional = argv.filter((arg) => !arg.startsWith('-'));
  const [first, second] = positional;
  return first === 'help' ? second : first;
}

function durationMs(value: string): number {
  const parsed = parseDuration(value);
  if (parsed === null || parsed <= 0)
    throw new InvalidArgumentError('expected a duration such as 90s, 5m or 1h30m.');
  return parsed;
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
  if (context.globals.json && !failure.resultWritten) {
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

/**
 * An empty value (`--path ""`, a CI variable that expanded to nothing) would silently mean "the
 * default" or fail late, after cloning: refuse it while parsing.
 */
function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('it is empty.');
  return value;
}

function collectNonEmpty(value: string, previous: string[] | undefined): string[] {
  return collect(nonEmpty(value), previous);
}

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError('expected a positive whole number.');
  }
  return parsed;
}

/** What each parser's values are, for kpush.yaml and its schema (cli/option-layers.ts). */
export const OPTION_PARSERS: OptionParsers = {
  repeatable: [collect, collectNonEmpty],
  integer: [positiveInt],
  duration: [durationMs],
};

const EXIT_CODES_HELP = `
Exit codes:
  0  success (also: nothing to change)
  1  runtime failure: git, network, cluster, bad YAML content, no match
  2  usage error: unknown flag, missing or invalid argument, invalid image reference or tag
  3  drift: the cluster differs from the env repo (kpush drift)
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

const DEPLOY_EXAMPLES = `
Examples:
  $ kpush deploy overlays/staging --app shop --dry-run     # server-side dry run: diffs + summary
  $ kpush deploy overlays/staging --app shop --prune       # apply, prune what was removed, wait
  $ kpush deploy --repo https://github.com/acme/env.git --path overlays/prod --app shop \\
      --context prod-eu --context prod-us --audit-file deploys.jsonl
  $ kpush deploy --helm ./chart --release shop --set image.tag=sha-3f1c2a9 -n shop   # helm mode
`;

const DRIFT_EXAMPLES = `
Examples:
  $ kpush drift overlays/prod --app shop                 # exit 0 clean, 3 drift, 1 could not check
  $ kpush drift --repo https://github.com/acme/env.git --path overlays/prod --app shop --json
  $ kpush drift overlays/prod --app shop --fix           # report, then re-deploy the repo's state
`;

const ROLLBACK_EXAMPLES = `
Examples:
  $ kpush rollback --repo https://github.com/acme/env.git --app shop --reason 'bad release'
  $ kpush rollback --repo ../env --app shop --steps 2 --dry-run
  $ kpush rollback --repo ../env --app shop --to 3f1c2a9
  $ kpush rollback --repo ../env --app shop --helm-native          # helm rollback, recorded
`;

import { createRequire } from 'node:module';
import type { Command, Option } from 'commander';
import { ConfigError } from '../errors.js';
import type { Reporter } from '../output/reporter.js';

// On every start: straight from require (commander already loaded both). An ES import would go
// through the build's builtinsThroughRequire shim, whose CommonJS interop copies every export of
// node:fs: 0.5–1 ms more per start (bench/startup.mjs-style A/B, 80 runs).
const require = createRequire(import.meta.url);
const { existsSync } = require('node:fs') as typeof import('node:fs');
const { dirname, join, relative, resolve } = require('node:path') as typeof import('node:path');

/**
 * Option values in layers: defaults < kpush.yaml < KPUSH_* variables < flags. Everything is
 * derived from the options each command registers, so a new flag is configurable at once.
 * Commander keeps the layer of each value (`getOptionValueSource`); this module only adds the
 * file:line or variable it came from. Start-up cost without a kpush.yaml: a few stat calls.
 */

export const CONFIG_FILE = 'kpush.yaml';

/** The argument parsers program.ts registers; their identity says what a value must be. */
export interface OptionParsers {
  repeatable: readonly Parser[];
  integer: readonly Parser[];
  duration: readonly Parser[];
}

export type ValueType = 'boolean' | 'string' | 'integer' | 'duration';

export interface ConfigurableOption {
  /** The flag without dashes (and without `no-`): the key in kpush.yaml. */
  key: string;
  attribute: string;
  option: Option;
  type: ValueType;
  repeatable: boolean;
  choices: readonly string[] | null;
  /** The KPUSH_* variable that sets it, if any. */
  variable: string | null;
}

/**
 * Variables for the main flags only: a variable per flag would collide with the ones kpush
 * already writes or reads (build-tag's dotenv exports KPUSH_BRANCH; KPUSH_GIT_TOKEN). `context`
 * is the kube context; build-tag's --context (a directory) has no variable.
 */
const VARIABLES: Record<string, string> = {
  repo: 'KPUSH_REPO',
  app: 'KPUSH_APP',
  namespace: 'KPUSH_NAMESPACE',
  context: 'KPUSH_CONTEXT',
  strategy: 'KPUSH_STRATEGY',
  timeout: 'KPUSH_TIMEOUT',
  'max-attempts': 'KPUSH_MAX_ATTEMPTS',
  'retry-timeout': 'KPUSH_RETRY_TIMEOUT',
  'field-manager': 'KPUSH_FIELD_MANAGER',
  'audit-file': 'KPUSH_AUDIT_FILE',
};
const NO_VARIABLE = new Set(['build-tag context']);

/** A command's options as configuration keys; `--wait`/`--no-wait` are one key, `wait`. */
export function configurableOptions(command: Command, parsers: OptionParsers): ConfigurableOption[] {
  const byAttribute = new Map<string, ConfigurableOption>();
  for (const option of command.options) {
    const attribute = option.attributeName();
    const key = option.long?.replace(/^--(no-)?/, '');
    // --cwd says where kpush.yaml is: it cannot come from there.
    if (key === undefined || key === 'cwd' || byAttribute.has(attribute)) continue;
    const parse = option.parseArg && (WRAPPED.get(option.parseArg) ?? option.parseArg);
    const takesValue = option.required || option.optional;
    const type: ValueType = !takesValue
      ? 'boolean'
      : parse && parsers.integer.includes(parse)
        ? 'integer'
        : parse && parsers.duration.includes(parse)
          ? 'duration'
          : 'string';
    const variable = NO_VARIABLE.has(`${command.name()} ${key}`) ? null : (VARIABLES[key] ?? null);
    byAttribute.set(attribute, {
      key,
      attribute,
      option,
      type,
      repeatable: parse !== undefined && parsers.repeatable.includes(parse),
      choices: option.argChoices ?? null,
      variable,
    });
  }
  return [...byAttribute.values()];
}

type Parser = (...args: never[]) => unknown;
/** flagsReplaceLowerLayers' wrappers → the parsers they wrap, whose identity says what a value is. */
const WRAPPED = new WeakMap<Parser, Parser>();

/** Where each value that did not come from a default or a flag came from, per command. */
const ORIGINS = new WeakMap<Command, Map<string, string>>();

/**
 * commander's `preSubcommand` hook: sets values from kpush.yaml, then from KPUSH_* variables,
 * before the subcommand parses its flags (so a required option may come from either).
 */
export function optionLayers(
  cwd: string,
  env: NodeJS.ProcessEnv,
  parsers: OptionParsers,
  /** Every subcommand with its flags (the CLI builds only the invoked one): checks the whole file. */
  everyCommand: (program: Command) => readonly Command[] = (program) => program.commands,
) {
  return async (program: Command, command: Command): Promise<void> => {
    const options = configurableOptions(command, parsers);
    const origins = new Map<string, string>();
    ORIGINS.set(command, origins);
    flagsReplaceLowerLayers(command, options);

    // commander keeps the argv it parses (untyped): --cwd is needed before the subcommand parses it.
    const argv = (program as Command & { rawArgs?: string[] }).rawArgs ?? [];
    const appDir = resolve(cwd, cwdFlag(argv, command) ?? '.');
    const file = findConfigFile(appDir);
    if (file) {
      const display = relative(cwd, file).startsWith('..') ? file : relative(cwd, file);
      const { readConfigFile } = await import('./config-file.js');
      const commands = new Map(
        everyCommand(program).map((each) => [each.name(), configurableOptions(each, parsers)]),
      );
      for (const { attribute, value, line } of await readConfigFile(
        file,
        display,
        commands,
        command.name(),
      )) {
        command.setOptionValueWithSource(attribute, value, 'config');
        origins.set(attribute, `${display}:${line}`);
      }
    }
    for (const option of options) {
      const text = option.variable ? env[option.variable] : undefined;
      if (!option.variable || text === undefined || text === '') continue; // '' is an unset CI variable
      command.setOptionValueWithSource(option.attribute, parseVariable(option, text), 'env');
      origins.set(option.attribute, `env ${option.variable}`);
    }
  };
}

/** With --verbose: every option's value and where it came from. */
export function reportOptionSources(command: Command, reporter: Reporter, parsers: OptionParsers): void {
  const origins = ORIGINS.get(command);
  for (const { key, attribute } of configurableOptions(command, parsers)) {
    const value = command.getOptionValue(attribute);
    if (value === undefined) continue;
    const source = command.getOptionValueSource(attribute);
    const origin = source === 'cli' ? 'flag' : (origins?.get(attribute) ?? source ?? 'default');
    reporter.debug(`option ${key} = ${JSON.stringify(value)} (${origin})`);
  }
}

/**
 * A repeatable flag collects onto the previous value; the first one on the command line must
 * start from the default instead, so flags replace what kpush.yaml or a variable said.
 */
function flagsReplaceLowerLayers(command: Command, options: readonly ConfigurableOption[]): void {
  for (const { option, attribute, repeatable } of options) {
    if (!repeatable || !option.parseArg) continue;
    const collect = option.parseArg;
    const wrapper = <T>(value: string, previous: T): T =>
      collect.call(
        option,
        value,
        command.getOptionValueSource(attribute) === 'cli' ? previous : option.defaultValue,
      ) as T;
    WRAPPED.set(wrapper, collect);
    option.parseArg = wrapper;
  }
}

function parseVariable(option: ConfigurableOption, text: string): unknown {
  try {
    return option.option.parseArg ? option.option.parseArg(text, option.option.defaultValue) : text;
  } catch (error) {
    throw new ConfigError(`${option.variable}=${text}: ${(error as Error).message}`, {
      hint: `Fix or unset ${option.variable}; it sets --${option.key}.`,
    });
  }
}

/** --cwd / -C of the command (build-tag), read before parsing: kpush.yaml lives there. */
function cwdFlag(argv: readonly string[], command: Command): string | null {
  if (!command.options.some((option) => option.long === '--cwd')) return null;
  for (const [index, arg] of argv.entries()) {
    if (arg === '--cwd' || arg === '-C') return argv[index + 1] ?? null;
    if (arg.startsWith('--cwd=')) return arg.slice('--cwd='.length);
    if (/^-C./.test(arg)) return arg.slice(2);
  }
  return null;
}

/**
 * kpush.yaml in `dir` or a parent up to the root of the git repository `dir` is in; outside a
 * repository, only in `dir` itself.
 */
export function findConfigFile(dir: string): string | null {
  const candidates: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    candidates.push(join(current, CONFIG_FILE));
    if (existsSync(join(current, '.git'))) break;
    if (dirname(current) === current)
      return existsSync(join(dir, CONFIG_FILE)) ? join(dir, CONFIG_FILE) : null;
  }
  return candidates.find((path) => existsSync(path)) ?? null;
}

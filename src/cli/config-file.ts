import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import type { ConfigurableOption } from './option-layers.js';

/** One value kpush.yaml sets, parsed as the flag would parse it. */
export interface ConfigValue {
  attribute: string;
  value: unknown;
  line: number;
}

/** Loaded only when a kpush.yaml exists: this is where the YAML parser comes in. */
export async function readConfigFile(
  path: string,
  display: string,
  commands: ReadonlyMap<string, readonly ConfigurableOption[]>,
  command: string,
): Promise<ConfigValue[]> {
  const text = await readFile(path, 'utf8');
  return parseConfig(text, display, commands).get(command) ?? [];
}

/**
 * Checks the whole file (every command's section, so a typo fails whichever command runs) and
 * returns the values per command. Every problem is collected and reported at once, each as
 * `file:line: …`. Pure.
 */
export function parseConfig(
  text: string,
  display: string,
  commands: ReadonlyMap<string, readonly ConfigurableOption[]>,
): Map<string, ConfigValue[]> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined) =>
    node?.range ? lineCounter.linePos(node.range[0]).line : 1;
  const problems: string[] = document.errors.map(
    (error) => `${display}:${error.linePos?.[0].line ?? 1}: ${error.message}`,
  );
  const result = new Map<string, ConfigValue[]>();
  const root = document.contents;
  if (problems.length === 0 && root !== null && !isMap(root)) {
    problems.push(`${display}:${lineOf(root)}: expected a mapping of command names to their options`);
  }
  if (problems.length === 0 && isMap(root)) {
    for (const pair of root.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      const line = lineOf(pair.key as Node);
      const options = commands.get(name);
      if (!options) {
        problems.push(
          `${display}:${line}: unknown key "${name}"${suggestion(name, [...commands.keys()])}; the top level names commands: ${[...commands.keys()].join(', ')}`,
        );
        continue;
      }
      if (!isMap(pair.value)) {
        problems.push(`${display}:${lineOf(pair.value as Node)}: ${name}: expected a mapping of options`);
        continue;
      }
      const values: ConfigValue[] = [];
      for (const entry of pair.value.items) {
        const key = isScalar(entry.key) ? String(entry.key.value) : '';
        const keyLine = lineOf(entry.key as Node);
        const option = options.find((candidate) => candidate.key === key);
        if (!option) {
          const keys = options.map((candidate) => candidate.key);
          problems.push(`${display}:${keyLine}: unknown key "${key}" in ${name}${suggestion(key, keys)}`);
          continue;
        }
        const valueLine = entry.value ? lineOf(entry.value as Node) : keyLine;
        const parsed = optionValue(option, entry.value as Node | null);
        if (parsed.problem !== null)
          problems.push(`${display}:${valueLine}: ${name}.${key}: ${parsed.problem}`);
        else values.push({ attribute: option.attribute, value: parsed.value, line: keyLine });
      }
      result.set(name, values);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(problems.length === 1 ? (problems[0] as string) : problems.join('; '), {
      hint: `Fix ${display} (keys are the long flags of each command, e.g. bump-manifest: { repo: …, max-attempts: 5 }); the JSON Schema in schema/kpush.schema.json lists them all.`,
      details: { file: display, problems },
    });
  }
  return result;
}

type Parsed = { value: unknown; problem: null } | { value?: undefined; problem: string };

/** A YAML node as the flag's own parser takes it: same checks, same result. */
function optionValue(option: ConfigurableOption, node: Node | null): Parsed {
  if (option.repeatable && isSeq(node)) {
    let value: unknown = option.option.defaultValue;
    for (const item of node.items) {
      const one = scalarValue(option, item as Node, value);
      if (one.problem !== null) return one;
      value = one.value;
    }
    return { value, problem: null };
  }
  return scalarValue(option, node, option.option.defaultValue);
}

function scalarValue(option: ConfigurableOption, node: Node | null, previous: unknown): Parsed {
  const raw = isScalar(node) ? node.value : undefined;
  const expected = EXPECTED[option.type] + (option.repeatable ? ', or a list of them' : '');
  const typeOk =
    option.type === 'boolean'
      ? typeof raw === 'boolean'
      : option.type === 'integer'
        ? typeof raw === 'number' && Number.isInteger(raw)
        : option.type === 'duration'
          ? typeof raw === 'string' || typeof raw === 'number'
          : typeof raw === 'string';
  if (!typeOk) return { problem: `expected ${expected}, got ${describe(node)}` };
  if (option.type === 'boolean' || !option.option.parseArg) return { value: raw, problem: null };
  try {
    return { value: option.option.parseArg(String(raw), previous), problem: null };
  } catch (error) {
    return { problem: `${JSON.stringify(raw)}: ${(error as Error).message}` };
  }
}

const EXPECTED: Record<ConfigurableOption['type'], string> = {
  boolean: 'true or false',
  string: 'a string',
  integer: 'a whole number',
  duration: 'a duration such as 90s or 5m (or seconds)',
};

function describe(node: Node | null): string {
  if (node === null || (isScalar(node) && node.value === null)) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  return isScalar(node) ? `${typeof node.value} ${JSON.stringify(node.value)}` : 'something else';
}

/** ` (did you mean "max-attempts"?)` for a key one or two edits away from a known one. */
function suggestion(key: string, known: readonly string[]): string {
  const close = known.find((candidate) => editDistance(key, candidate) <= 2);
  return close ? ` (did you mean "${close}"?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

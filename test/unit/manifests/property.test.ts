import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isScalar, parseAllDocuments, parseDocument } from 'yaml';
import { applyEdits, type ScalarEdit, scanManifest } from '../../../src/manifests/index.js';
import { diffLines, linesOf } from './line-diff.js';
import { expectedBump, renderScenario, type Scenario, scenarioArb } from './manifest-arbitraries.js';

/** KPUSH_FUZZ_RUNS=20000 for a longer hunt; the default keeps the unit run at a few seconds. */
const RUNS = Number(process.env.KPUSH_FUZZ_RUNS ?? 800);

/** YAML 1.2 as the `yaml` package reads it, and YAML 1.1 as kubectl and helm do. */
const VERSIONS = ['1.2', '1.1'] as const;

function parsedDocuments(text: string, version: (typeof VERSIONS)[number]): unknown[] {
  return parseAllDocuments(text, { version }).map((document) => {
    expect(document.errors).toEqual([]);
    return document.toJS();
  });
}

/** A replacement covers exactly one scalar token; insertions and removals only a key of their own. */
function isTight(input: string, edit: ScalarEdit): boolean {
  const slice = input.slice(edit.start, edit.end);
  if (edit.start === edit.end) {
    return /^(?:\r?\n +|, )(?:newTag|digest): \S+$/.test(edit.text) || /^ ?\S+ ?$/.test(edit.text);
  }
  if (edit.text === '') {
    return (
      /^ *(?:newTag|digest): *\S* *(?:#[^\n]*)?\r?\n?$/.test(slice) ||
      /^(?:newTag|digest): *\S*(?: *#[^\n]*)?(?:, *| *\r?\n *)$/.test(slice) ||
      /^, *(?:newTag|digest): *\S*$/.test(slice) ||
      // the last line of a file without a final line break goes with the break before it
      (edit.end === input.length && /^\r?\n *(?:newTag|digest): *\S*(?: *#[^\n]*)?$/.test(slice))
    );
  }
  const node = parseDocument(slice).contents;
  return (
    isScalar(node) && node.source === edit.oldValue && node.range[0] === 0 && node.range[1] === slice.length
  );
}

/** Lines of each text outside a longest common subsequence: independent of how a diff aligns them. */
function changedLines(input: string, output: string): { removed: number; added: number } {
  const hunks = diffLines(input, output);
  return {
    removed: hunks.reduce((sum, hunk) => sum + hunk.removed.length, 0),
    added: hunks.reduce((sum, hunk) => sum + hunk.added.length, 0),
  };
}

function blankAndCommentLines(text: string): string[] {
  return linesOf(text).filter((line) => /^\s*(?:#.*)?$/.test(line));
}

/** Input lines (0-based) that an edit replaces, removes or inserts after. */
function touchedLines(text: string, edits: readonly ScalarEdit[]): Set<number> {
  const lineAt = (offset: number) => (text.slice(0, offset).match(/\n/g) ?? []).length;
  const touched = new Set<number>();
  for (const edit of edits) {
    const last = edit.end > edit.start ? lineAt(edit.end - 1) : lineAt(edit.start);
    for (let line = lineAt(edit.start); line <= last; line++) touched.add(line);
  }
  return touched;
}

describe('bumping random manifests', () => {
  it(
    'changes exactly the requested values, only on the edited lines, and is idempotent',
    () => {
      fc.assert(
        fc.property(scenarioArb, (scenario: Scenario) => {
          const input = renderScenario(scenario);
          const kustomization = scenario.path.endsWith('kustomization.yaml');
          const scan = scanManifest(scenario.path, input, scenario.targets);
          const output = applyEdits(input, scan.edits);

          // (a) the parsed result is the input with only the target values replaced.
          for (const version of VERSIONS) {
            const expected = parsedDocuments(input, version).map((document) =>
              expectedBump(document as never, scenario.targets, kustomization),
            );
            expect(parsedDocuments(output, version)).toEqual(expected);
          }

          // (b) edits cover only their values, and only the lines holding them differ.
          expect(scan.edits.filter((edit) => !isTight(input, edit))).toEqual([]);
          const touched = touchedLines(input, scan.edits).size;
          const insertedLines = scan.edits.filter(
            (edit) => edit.start === edit.end && /^\r?\n/.test(edit.text),
          ).length;
          const { removed, added } = changedLines(input, output);
          expect(removed).toBeLessThanOrEqual(touched);
          expect(added).toBeLessThanOrEqual(touched + insertedLines);
          expect(blankAndCommentLines(output)).toEqual(blankAndCommentLines(input));

          // A file without a final line break keeps it that way.
          expect(/\n$/.test(output)).toBe(/\n$/.test(input) || (output !== '' && input === ''));

          // (c) bumping again changes nothing and finds the same images.
          const again = scanManifest(scenario.path, output, scenario.targets);
          expect(again.edits).toEqual([]);
          expect(again.matched).toEqual(scan.matched);
        }),
        {
          numRuns: RUNS,
          ...(process.env.KPUSH_FUZZ_SEED ? { seed: Number(process.env.KPUSH_FUZZ_SEED) } : {}),
        },
      );
    },
    30_000 + RUNS * 20,
  );
});

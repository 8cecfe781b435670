/**
 * Colour, only when it helps: a TTY, not NO_COLOR, not --no-color, not TERM=dumb.
 * (chalk ignores NO_COLOR on a terminal and costs start-up time; this is all kpush needs.)
 */

export interface ColorDecisionInput {
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  noColorFlag: boolean;
}

export function shouldUseColor({ isTTY, env, noColorFlag }: ColorDecisionInput): boolean {
  if (noColorFlag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return isTTY && env.TERM !== 'dumb';
}

export interface Style {
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const plain = (text: string) => text;

export function createStyle(enabled: boolean): Style {
  if (!enabled) return { red: plain, green: plain, yellow: plain, dim: plain, bold: plain };
  return { red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), dim: sgr(2, 22), bold: sgr(1, 22) };
}

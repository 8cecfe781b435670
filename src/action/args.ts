/**
 * The `args` input as an argument array, the way a POSIX shell would split it, without a shell:
 * words separated by blanks or newlines; '…' is literal; "…" is literal except that `\` escapes
 * `"`, `\`, `$` and `` ` ``; a `\` outside quotes escapes the next character (a `\` before a
 * newline joins lines). Nothing is expanded: `$HOME`, `*` and `~` stay as they are written.
 */
export function splitArgs(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quote === "'") {
      if (char === "'") quote = null;
      else word += char;
      continue;
    }
    if (quote === '"') {
      if (char === '"') quote = null;
      else if (char === '\\' && index + 1 < text.length && '"\\$`\n'.includes(text[index + 1]!)) {
        index++;
        if (text[index] !== '\n') word += text[index];
      } else word += char;
      continue;
    }
    if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\') {
      index++;
      if (index >= text.length) throw new ArgsSyntaxError('ends with a lone backslash');
      if (text[index] !== '\n') {
        word += text[index];
        inWord = true;
      }
    } else if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote !== null) throw new ArgsSyntaxError(`has an unterminated ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}

export class ArgsSyntaxError extends Error {
  constructor(problem: string) {
    super(`the args input ${problem}`);
    this.name = 'ArgsSyntaxError';
  }
}

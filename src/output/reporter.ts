import { escapeForSink } from './escape.js';
import type { Redactor } from './redact.js';
import type { Style } from './style.js';

/** The slice of a writable stream kpush needs; tests pass string collectors. */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ReporterOptions {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Colours for stderr. */
  style: Style;
  /** Colours for stdout, decided apart: stdout may be a file while stderr is a terminal. */
  resultStyle?: Style;
  redactor: Redactor;
  verbose: boolean;
  /** Spinners only on an interactive terminal (a TTY that reports its width, outside CI). */
  interactive: boolean;
}

/**
 * stdout carries results only; every log line and progress indicator goes to stderr.
 * Everything passes through the redactor; everything on stderr also through escapeForSink.
 */
export class Reporter {
  constructor(private readonly options: ReporterOptions) {}

  get style(): Style {
    return this.options.style;
  }

  get resultStyle(): Style {
    return this.options.resultStyle ?? this.options.style;
  }

  get redactor(): Redactor {
    return this.options.redactor;
  }

  info(message: string): void {
    this.writeErr(this.clean(message));
  }

  debug(message: string): void {
    if (this.options.verbose) this.writeErr(this.options.style.dim(this.clean(message)));
  }

  warn(message: string): void {
    this.writeErr(this.options.style.yellow(`warning: ${this.clean(message)}`));
  }

  /** One line: what went wrong, then what to do about it. */
  error(message: string, hint?: string): void {
    this.writeErr(
      this.options.style.red(`error: ${this.clean(message)}${hint ? ` — ${this.clean(hint)}` : ''}`),
    );
  }

  /**
   * A result on stdout, as it is: a tag, a sha, a diff that must apply with `git apply`.
   * On a terminal, control characters from the content are shown escaped instead of acting;
   * `decorate` (colour) runs after that, so its own escapes survive.
   */
  result(text: string, decorate: (text: string) => string = (same) => same): void {
    const redacted = this.options.redactor.redact(text);
    this.options.stdout.write(
      `${decorate(this.options.stdout.isTTY ? escapeForSink(redacted) : redacted)}\n`,
    );
  }

  /** The one JSON document of a --json run. */
  json(value: unknown): void {
    this.options.stdout.write(`${JSON.stringify(this.options.redactor.redactValue(value), null, 2)}\n`);
  }

  /** Runs `work` behind a spinner on a terminal, or between two plain log lines in CI. */
  async task<T>(title: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)}s`;
    if (!this.options.interactive) {
      this.debug(`${title}...`);
      try {
        const value = await work();
        this.debug(`${title}: done in ${elapsed()}`);
        return value;
      } catch (error) {
        this.debug(`${title}: failed after ${elapsed()}`);
        throw error;
      }
    }
    const { default: ora } = await import('ora');
    const spinner = ora({ text: title, stream: this.options.stderr as NodeJS.WritableStream }).start();
    try {
      const value = await work();
      spinner.succeed(`${title} (${elapsed()})`);
      return value;
    } catch (error) {
      spinner.fail(title);
      throw error;
    }
  }

  /** Masked first (a secret must match before escaping changes it), then escaped. */
  private clean(text: string): string {
    return escapeForSink(this.options.redactor.redact(text));
  }

  private writeErr(line: string): void {
    this.options.stderr.write(`${line}\n`);
  }
}

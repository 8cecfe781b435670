/**
 * Secrets never reach output. Every line kpush writes (logs, errors, --json, audit records)
 * passes through a Redactor that masks URL credentials and every secret value it was told about.
 */

const MASK = '***';
/** `scheme://user:pass@host` or `scheme://token@host` → `scheme://***@host`. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi;
/** Environment variables whose values are credentials wherever they appear. */
export const SECRET_ENV_VARS = [
  'KPUSH_GIT_TOKEN',
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'CI_JOB_TOKEN',
  'GITLAB_TOKEN',
  'KPUSH_KUBE_TOKEN',
] as const;
/** Shorter values would mask ordinary words; real tokens are long. */
const MIN_SECRET_LENGTH = 6;

export class Redactor {
  private readonly secrets = new Set<string>();

  constructor(secrets: Iterable<string | undefined> = []) {
    for (const secret of secrets) this.add(secret);
  }

  static fromEnv(env: NodeJS.ProcessEnv): Redactor {
    return new Redactor(SECRET_ENV_VARS.map((name) => env[name]));
  }

  add(secret: string | undefined): void {
    if (secret && secret.length >= MIN_SECRET_LENGTH) {
      this.secrets.add(secret);
      this.secrets.add(encodeURIComponent(secret));
    }
  }

  redact(text: string): string {
    let out = text.replace(URL_USERINFO, `$1${MASK}@`);
    // Longest first so a secret containing another is masked whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join(MASK);
    }
    return out;
  }

  /**
   * Redacts every string inside a JSON-able value (for --json output and audit records), before
   * serialising: in JSON text a secret holding `"` or `\\` is escaped and would no longer match.
   */
  redactValue<T>(value: T): T {
    return JSON.parse(JSON.stringify(value), (_key, item: unknown) =>
      typeof item === 'string' ? this.redact(item) : item,
    ) as T;
  }
}

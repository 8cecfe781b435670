import { parse } from 'yaml';

/** Fields of a kubeconfig `user` that are credentials (kubectl's names). */
const USER_SECRET_FIELDS = ['token', 'password', 'client-key-data', 'client-certificate-data'] as const;
/** auth-provider (oidc, gcp, azure) config keys that hold credentials. */
const AUTH_PROVIDER_SECRET_KEYS = ['id-token', 'refresh-token', 'access-token', 'client-secret'] as const;

export interface KubeconfigSecrets {
  /** Every value to mask before anything is printed. */
  secrets: string[];
  /** Why the content is not a usable kubeconfig, or null. Never quotes the content. */
  problem: string | null;
}

/**
 * The credentials inside a kubeconfig, so they can be masked before anything runs: user tokens,
 * passwords, client keys and certificates, auth-provider tokens and exec plugin environment
 * values. Content that does not parse is masked line by line, since it cannot be told apart.
 */
export function kubeconfigSecrets(content: string): KubeconfigSecrets {
  let document: unknown;
  try {
    document = parse(content, { prettyErrors: false });
  } catch (error) {
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    return {
      secrets: content
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== ''),
      problem: `the kubeconfig input is not valid YAML${line ? ` (line ${line})` : ''}`,
    };
  }
  if (!isRecord(document)) return { secrets: [], problem: 'the kubeconfig input is not a YAML mapping' };
  const secrets: string[] = [];
  const add = (value: unknown) => {
    if (typeof value === 'string' && value.trim() !== '') secrets.push(value.trim());
  };
  for (const entry of arrayOf(document.users)) {
    const user = isRecord(entry) && isRecord(entry.user) ? entry.user : null;
    if (!user) continue;
    for (const field of USER_SECRET_FIELDS) add(user[field]);
    const provider = isRecord(user['auth-provider']) ? user['auth-provider'] : null;
    if (provider && isRecord(provider.config)) {
      for (const key of AUTH_PROVIDER_SECRET_KEYS) add(provider.config[key]);
    }
    const exec = isRecord(user.exec) ? user.exec : null;
    for (const variable of arrayOf(exec?.env)) if (isRecord(variable)) add(variable.value);
  }
  return { secrets: [...new Set(secrets)], problem: null };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

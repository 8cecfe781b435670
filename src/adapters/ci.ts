import { appendFile, readFile, writeFile } from 'node:fs/promises';
import type { GithubEvent } from '../core/ci-env.js';
import { KpushError } from '../errors.js';

/** The GitHub event payload, or null when there is none or it cannot be read. */
export async function readGithubEvent(env: NodeJS.ProcessEnv): Promise<GithubEvent | null> {
  const path = env.GITHUB_EVENT_PATH;
  if (!path || env.GITHUB_ACTIONS !== 'true') return null;
  try {
    return JSON.parse(await readFile(path, 'utf8')) as GithubEvent;
  } catch {
    return null; // Payload only refines a PR's head sha; GITHUB_SHA still applies.
  }
}

/** `key=value` lines, as GITHUB_OUTPUT and GitLab's dotenv reports read them. */
export function formatKeyValues(entries: Record<string, string>): string {
  return Object.entries(entries)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}

export async function appendGithubOutput(path: string, entries: Record<string, string>): Promise<void> {
  await writeOrExplain(() => appendFile(path, formatKeyValues(entries)), path, 'GITHUB_OUTPUT');
}

export async function writeDotenv(path: string, entries: Record<string, string>): Promise<void> {
  await writeOrExplain(() => writeFile(path, formatKeyValues(entries)), path, '--dotenv');
}

async function writeOrExplain(write: () => Promise<void>, path: string, what: string): Promise<void> {
  try {
    await write();
  } catch (error) {
    throw new KpushError('E_WRITE_OUTPUT', `cannot write ${what} file ${path}: ${(error as Error).message}`, {
      hint: 'Check that the directory exists and is writable.',
      cause: error,
    });
  }
}

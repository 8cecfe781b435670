// Vitest global setup for the `forge` project: one real Gitea per test run (test/helpers/gitea.ts).
// Never skips: if Gitea cannot be built or does not start, the whole project fails with the reason.
import type { TestProject } from 'vitest/node';
import { giteaBinaries, startGitea } from '../helpers/gitea.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** http://127.0.0.1:PORT of the test Gitea. */
    giteaUrl: string;
    giteaUser: string;
    giteaPassword: string;
    /** An access token of giteaUser with every scope. */
    giteaToken: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const gitea = await startGitea(await giteaBinaries());
  process.stderr.write(`forge: Gitea ready at ${gitea.url} in ${Date.now() - started} ms\n`);
  project.provide('giteaUrl', gitea.url);
  project.provide('giteaUser', gitea.user);
  project.provide('giteaPassword', gitea.password);
  project.provide('giteaToken', gitea.token);
  return () => gitea.stop();
}

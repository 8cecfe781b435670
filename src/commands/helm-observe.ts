/**
 * Watches a release's objects while helm upgrades them, with the same rules and failure summary
 * as apply mode (rollout-wait.ts). helm decides when to roll back; kpush sees *why*: once helm
 * has rolled back, the crash-looping pods of the failed revision are gone, so their reasons must
 * be read while they exist.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from '../adapters/kube.js';
import type { KpushError } from '../errors.js';
import type { PlannedObject } from './deploy-cluster.js';
import { type WaitOptions, waitForRollout } from './rollout-wait.js';

export interface ReleaseObserver {
  /** Settles when every object is Current (null), on the first failure or timeout (the error), or once stopped (null). */
  verdict: Promise<KpushError | null>;
  /** True once the observed objects carry helm's changes (their generation caught up). */
  applied(): boolean;
  /** Ends the watches; the verdict settles soon after. */
  stop(): void;
}

interface ObserverOptions extends Omit<WaitOptions, 'setId'> {
  connect: () => Promise<KubeClient>;
  /** Called once, when helm's changes are visible on every gated object. */
  onApplied: () => void;
}

/**
 * Until helm has written an object, the live one is the previous revision's, which may well be
 * Current: waiting starts only once each object's generation reached what the server dry-run
 * predicted (a new object: once it exists).
 */
export function observeRelease(objects: readonly PlannedObject[], options: ObserverOptions): ReleaseObserver {
  let stopped = false;
  let appliedSeen = false;
  let client: KubeClient | undefined;
  const watched = objects.filter((object) => !object.awaitsCrd);
  const verdict = (async (): Promise<KpushError | null> => {
    client = await options.connect();
    if (stopped) return null;
    const deadline = options.now().getTime() + options.timeoutMs;
    while (!stopped && !(await caughtUp(client, watched))) {
      if (options.now().getTime() > deadline) return null; // helm's own timeout reports it
      await sleep(500);
    }
    if (stopped) return null;
    appliedSeen = true;
    options.onApplied();
    const remaining = Math.max(1000, deadline - options.now().getTime());
    try {
      await waitForRollout(client, watched, { ...options, timeoutMs: remaining, setId: null });
      return null;
    } catch (error) {
      // Stopping closes the connection, which ends the watches with an error nobody needs.
      if (stopped) return null;
      return error as KpushError;
    }
  })()
    .catch((error: unknown) => (stopped ? null : (error as KpushError)))
    .finally(() => client?.close());
  return {
    verdict,
    applied: () => appliedSeen,
    stop: () => {
      stopped = true;
      client?.close();
    },
  };
}

async function caughtUp(client: KubeClient, objects: readonly PlannedObject[]): Promise<boolean> {
  for (const object of objects) {
    const live = await client.get(object.id).catch(() => null);
    if (!live) return false;
    const expected = object.result?.metadata.generation;
    if (expected !== undefined && (live.metadata.generation ?? 0) < expected) return false;
  }
  return true;
}

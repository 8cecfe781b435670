/**
 * Backoff between push attempts when other pipelines moved the branch: exponential with full
 * jitter, so pipelines that collided once spread out instead of colliding again in lockstep.
 * Small and capped low: the loser of a race should fetch and retry at once, since waiting only
 * lets more pipelines land first (bench/bump.mjs: 16 racing bumps).
 */
export interface RetryPolicy {
  maxAttempts: number;
  /** Give up once this much time has passed since the first attempt. */
  deadlineMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 20,
  deadlineMs: 300_000,
  baseDelayMs: 25,
  maxDelayMs: 400,
};

/** Delay before attempt `attempt + 1` (attempt counts from 1); `random` is in [0, 1). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random * ceiling);
}

/** Whether another attempt may start after `attempt` attempts and `elapsedMs`. */
export function mayRetry(policy: RetryPolicy, attempt: number, elapsedMs: number): boolean {
  return attempt < policy.maxAttempts && elapsedMs < policy.deadlineMs;
}

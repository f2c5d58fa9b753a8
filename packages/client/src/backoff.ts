// The retry policy that ReconnectingSockJS (a new session) and resume (the
// same session on a new transport) share.

/**
 * Full jitter: a delay drawn uniformly below min(maxDelay, minDelay × 2^(attempt-1)),
 * so that clients cut at the same instant spread their returns.
 */
export function backoffDelay(
  attempt: number,
  random: () => number,
  minDelay = 1000,
  maxDelay = 30_000,
): number {
  return Math.floor(random() * Math.min(maxDelay, minDelay * 2 ** (attempt - 1)));
}

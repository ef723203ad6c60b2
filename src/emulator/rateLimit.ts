/**
 * Zivver's request budget as a sliding window: at most `budget` accepted requests in any
 * `windowSeconds`. Refused requests do not use budget (otherwise a client that retries too
 * eagerly would never get through, which is not what Zivver does).
 */
export class SlidingWindow {
  private times: number[] = [];
  private head = 0;

  constructor(
    readonly budget: number,
    readonly windowSeconds: number,
  ) {
    if (!Number.isInteger(budget) || budget < 1) throw new RangeError('rate budget must be a positive integer');
    if (!(windowSeconds > 0)) throw new RangeError('rate window must be a positive number of seconds');
  }

  /** Takes one request from the budget; or says how long until one frees up. */
  take(now: number = Date.now()): { ok: true } | { ok: false; retryAfterMs: number } {
    const windowMs = this.windowSeconds * 1000;
    while (this.head < this.times.length && this.times[this.head]! <= now - windowMs) this.head++;
    // Compact now and then so a long run does not keep every timestamp.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    if (this.times.length - this.head >= this.budget) {
      return { ok: false, retryAfterMs: this.times[this.head]! + windowMs - now };
    }
    this.times.push(now);
    return { ok: true };
  }
}

/** The body Zivver sends with a 429. */
export function tooManyRequestsBody(budget: number, windowSeconds: number): string {
  return JSON.stringify({ code: 429, message: 'Too Many Requests', emptiedBucketDetails: { budget, windowSeconds } });
}

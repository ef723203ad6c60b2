/**
 * Zivver's request budget. Zivver's 429 names a bucket (`emptiedBucketDetails`): TokenBucket is
 * that, the default; SlidingWindow (at most `budget` accepted requests in any `windowSeconds`) is
 * kept as the stricter option. Refused requests use no budget in either (otherwise a client that
 * retries too eagerly would never get through, which is not what Zivver does).
 */
export interface RequestBudget {
  readonly mode: 'bucket' | 'window';
  readonly budget: number;
  readonly windowSeconds: number;
  /** Takes one request from the budget; or says how long until one frees up. */
  take(now?: number): { ok: true } | { ok: false; retryAfterMs: number };
  /** For RateLimit headers: requests left now, and seconds until the whole budget is back. */
  state(now?: number): { remaining: number; resetSeconds: number };
}

export function makeBudget(mode: 'bucket' | 'window', budget: number, windowSeconds: number): RequestBudget {
  return mode === 'window' ? new SlidingWindow(budget, windowSeconds) : new TokenBucket(budget, windowSeconds);
}

/** A bucket of `budget` tokens, starting full, refilled continuously at budget/windowSeconds per second. */
export class TokenBucket implements RequestBudget {
  readonly mode = 'bucket' as const;
  private tokens: number;
  private at: number | undefined;

  constructor(
    readonly budget: number,
    readonly windowSeconds: number,
  ) {
    checkBudget(budget, windowSeconds);
    this.tokens = budget;
  }

  private refill(now: number): void {
    if (this.at !== undefined) this.tokens = Math.min(this.budget, this.tokens + ((now - this.at) / (this.windowSeconds * 1000)) * this.budget);
    this.at = now;
  }

  take(now: number = Date.now()): { ok: true } | { ok: false; retryAfterMs: number } {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - this.tokens) * this.windowSeconds * 1000) / this.budget) };
  }

  state(now: number = Date.now()): { remaining: number; resetSeconds: number } {
    this.refill(now);
    return { remaining: Math.floor(this.tokens), resetSeconds: Math.ceil(((this.budget - this.tokens) * this.windowSeconds) / this.budget) };
  }
}

function checkBudget(budget: number, windowSeconds: number): void {
  if (!Number.isInteger(budget) || budget < 1) throw new RangeError('rate budget must be a positive integer');
  if (!(windowSeconds > 0)) throw new RangeError('rate window must be a positive number of seconds');
}

export class SlidingWindow implements RequestBudget {
  readonly mode = 'window' as const;
  private times: number[] = [];
  private head = 0;

  constructor(
    readonly budget: number,
    readonly windowSeconds: number,
  ) {
    checkBudget(budget, windowSeconds);
  }

  private expire(now: number): void {
    const windowMs = this.windowSeconds * 1000;
    while (this.head < this.times.length && this.times[this.head]! <= now - windowMs) this.head++;
    // Compact now and then so a long run does not keep every timestamp.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  take(now: number = Date.now()): { ok: true } | { ok: false; retryAfterMs: number } {
    const windowMs = this.windowSeconds * 1000;
    this.expire(now);
    if (this.times.length - this.head >= this.budget) {
      return { ok: false, retryAfterMs: this.times[this.head]! + windowMs - now };
    }
    this.times.push(now);
    return { ok: true };
  }

  state(now: number = Date.now()): { remaining: number; resetSeconds: number } {
    this.expire(now);
    const inWindow = this.times.length - this.head;
    // Every request now in the window has left it once the newest has.
    const newest = inWindow ? this.times[this.times.length - 1]! : now - this.windowSeconds * 1000;
    return { remaining: Math.max(0, this.budget - inWindow), resetSeconds: Math.max(0, Math.ceil((newest + this.windowSeconds * 1000 - now) / 1000)) };
  }
}

/** The body Zivver sends with a 429: it names the emptied bucket and the draft its headers follow. */
export function tooManyRequestsBody(budget: number, windowSeconds: number): string {
  return JSON.stringify({
    code: 429,
    message: 'Too Many Requests',
    emptiedBucketDetails: { limiterId: 'cab', budget, windowSeconds },
    reference: 'https://tools.ietf.org/html/draft-polli-ratelimit-headers-02',
  });
}

/**
 * The client-side request budget: at most N requests in ANY window of S seconds (a sliding
 * window log). This is stricter than a token bucket, which after an idle spell allows a burst of N
 * followed immediately by more: a server that counts requests per sliding window would answer
 * those with 429s. One RateBudget is shared by every concurrent request of a client, hands out
 * slots first come first served, and can hold several limits at once (ours and, after a 429, the
 * server's own from `emptiedBucketDetails`), all of which must hold.
 */
import type { RateLimit } from './types.js';

/** Time source and timers, injectable so tests can prove the window property without waiting. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Resolves after ms on the given clock; rejects with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal, clock: Clock = systemClock): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(abortReason(signal!));
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
  cleanup(): void;
}

export interface RateBudgetOptions {
  clock?: Clock;
  /**
   * Extra room added to every window (ms). The server counts arrivals, we count departures:
   * with uneven latency two requests sent exactly S apart can arrive less than S apart.
   */
  marginMs?: number;
}

export class RateBudget {
  private readonly clock: Clock;
  private readonly marginMs: number;
  private readonly limitList: RateLimit[];
  /** Grant times, oldest first; pruned to the longest window. */
  private grants: number[] = [];
  private queue: Waiter[] = [];
  private timer: unknown;
  private timerAt = Infinity;
  private pausedUntil = 0;
  /** Total time callers spent waiting in acquire(), for stats. */
  waitedMs = 0;

  constructor(limit: RateLimit, opts: RateBudgetOptions = {}) {
    checkLimit(limit);
    this.limitList = [{ ...limit }];
    this.clock = opts.clock ?? systemClock;
    this.marginMs = opts.marginMs ?? 0;
  }

  /** The limits in force (the configured one first). */
  get limits(): readonly RateLimit[] {
    return this.limitList;
  }

  /** Requests currently waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Adds a stricter limit for the rest of the run (e.g. the server's). Returns false when the
   * existing limits already imply it, so callers can log only real changes.
   */
  addLimit(limit: RateLimit): boolean {
    checkLimit(limit);
    // N per S implies N' per S' when S' <= S and N' >= N: any S' window lies inside an S window.
    const implied = this.limitList.some((l) => limit.seconds <= l.seconds && limit.requests >= l.requests);
    if (implied) return false;
    this.limitList.push({ ...limit });
    this.pump();
    return true;
  }

  /** Holds every request back until `until` (clock ms), e.g. for a Retry-After. */
  pauseUntil(until: number): void {
    if (until > this.pausedUntil) {
      this.pausedUntil = until;
      this.pump();
    }
  }

  /**
   * The earliest moment the server's window could have room again if it is full now, assuming it
   * counts the same requests we do: when the oldest request inside the current window leaves it.
   */
  windowDrainsAt(): number {
    const now = this.clock.now();
    const windowMs = Math.max(...this.limitList.map((l) => l.seconds * 1000)) + this.marginMs;
    const recent = this.grants.find((t) => now - t < windowMs);
    return recent === undefined ? now : recent + windowMs;
  }

  /** Waits for a slot (FIFO). Rejects with the signal's reason when aborted while waiting. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const started = this.clock.now();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(abortReason(signal!));
        // The head may have changed; let the next waiter be considered.
        this.pump();
      };
      const waiter: Waiter = {
        resolve: () => {
          this.waitedMs += this.clock.now() - started;
          resolve();
        },
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** Milliseconds until one more request may be sent at `now` under every limit. */
  private msUntilRoom(now: number): number {
    const longest = Math.max(...this.limitList.map((l) => l.seconds * 1000)) + this.marginMs;
    let drop = 0;
    while (drop < this.grants.length && now - this.grants[drop]! >= longest) drop++;
    if (drop) this.grants.splice(0, drop);
    let wait = Math.max(0, this.pausedUntil - now);
    for (const l of this.limitList) {
      const n = this.grants.length;
      if (n >= l.requests) {
        // The N-th most recent grant must have left the window before another may go.
        const nth = this.grants[n - l.requests]!;
        wait = Math.max(wait, nth + l.seconds * 1000 + this.marginMs - now);
      }
    }
    return wait;
  }

  private pump(): void {
    const now = this.clock.now();
    while (this.queue.length) {
      const wait = this.msUntilRoom(now);
      if (wait > 0) {
        this.arm(now + wait);
        return;
      }
      const w = this.queue.shift()!;
      this.grants.push(now);
      w.cleanup();
      w.resolve();
    }
    this.disarm();
  }

  private arm(at: number): void {
    if (this.timer !== undefined && this.timerAt === at) return;
    this.disarm();
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, at - this.clock.now());
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}

function checkLimit(l: RateLimit): void {
  if (!(Number.isInteger(l.requests) && l.requests >= 1 && l.seconds > 0)) {
    throw new RangeError(`invalid rate limit ${l.requests}/${l.seconds}`);
  }
}

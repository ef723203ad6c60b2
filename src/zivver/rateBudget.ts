/**
 * The client-side request budget: at most N requests in ANY window of S seconds (a sliding
 * window log). This is stricter than a token bucket, which after an idle spell allows a burst of N
 * followed immediately by more: a server that counts requests per sliding window would answer
 * those with 429s. One RateBudget is shared by every concurrent request of a client, hands out
 * slots first come first served, and can hold several limits at once (ours and, after a 429, the
 * server's own from `emptiedBucketDetails`), all of which must hold.
 *
 * The server counts a request when it arrives, which is somewhere between our sending it and our
 * receiving the answer; latency differs per request (a new connection, a slow server), so spacing
 * sends S apart is not enough. A slot therefore counts from the moment it is taken until S after
 * it is released (the answer came back): whenever the server saw the request, it has left the
 * server's window before the slot is reused. The cost is one round trip per window.
 */
import type { Clock, RateLimit } from './types.js';

export type { Clock };

/** Time source and timers, injectable so tests can prove the window property without waiting. */

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

/** Gives the slot back once the answer (or the failure) is in; calling it again does nothing. */
export type ReleaseSlot = () => void;

interface Slot {
  /** When the slot was released; Infinity while the request is in flight. */
  t: number;
}

interface Waiter {
  resolve(release: ReleaseSlot): void;
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
  /** Slots taken within the longest window (and those still in flight). */
  private slots: Slot[] = [];
  private queue: Waiter[] = [];
  private timer: unknown;
  private timerAt = Infinity;
  private pausedUntil = 0;
  /** What the server last said it will still take (RateLimit-Remaining) before resetAt (clock ms). */
  private server: { remaining: number; resetAt: number } | undefined;

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

  /**
   * Follows the server's own count (RateLimit-Remaining / -Reset): from now until `resetInMs` has
   * passed, at most `remaining` more requests, less those still in flight (the server may not have
   * counted them yet). The configured limits keep applying as well; after the reset only they do,
   * until the next answer reports the server's count again.
   */
  followServer(remaining: number, resetInMs: number): void {
    const now = this.clock.now();
    const inFlight = this.slots.reduce((n, s) => n + (s.t === Infinity ? 1 : 0), 0);
    this.server = { remaining: Math.max(0, remaining - inFlight), resetAt: now + Math.max(0, resetInMs) + this.marginMs };
    this.pump();
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
    const windowMs = this.longestWindowMs();
    let oldest = Infinity;
    for (const s of this.slots) if (now - s.t < windowMs && s.t < oldest) oldest = s.t;
    // All in flight (or none): the earliest is a full window from now.
    return oldest === Infinity ? now + (this.slots.length ? windowMs : 0) : oldest + windowMs;
  }

  /**
   * Waits for a slot (FIFO) and returns its release function, which the caller must call when the
   * request has finished, however it finished. Rejects with the signal's reason when aborted while waiting.
   */
  acquire(signal?: AbortSignal): Promise<ReleaseSlot> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(abortReason(signal!));
        // The head may have changed; let the next waiter be considered.
        this.pump();
      };
      const waiter: Waiter = {
        resolve: (release) => {
          resolve(release);
        },
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      this.pump();
    });
  }

  private longestWindowMs(): number {
    return Math.max(...this.limitList.map((l) => l.seconds * 1000)) + this.marginMs;
  }

  /** Milliseconds until one more request may be sent at `now` under every limit (Infinity: wait for a release). */
  private msUntilRoom(now: number): number {
    const longest = this.longestWindowMs();
    this.slots = this.slots.filter((s) => now - s.t < longest);
    let wait = Math.max(0, this.pausedUntil - now);
    if (this.server && now >= this.server.resetAt) this.server = undefined;
    if (this.server && this.server.remaining <= 0) wait = Math.max(wait, this.server.resetAt - now);
    const times = this.slots.map((s) => s.t).sort((a, b) => a - b);
    for (const l of this.limitList) {
      const windowMs = l.seconds * 1000 + this.marginMs;
      const inWindow = times.filter((t) => now - t < windowMs);
      if (inWindow.length >= l.requests) {
        // The N-th most recent slot must have left the window before another may be taken.
        const nth = inWindow[inWindow.length - l.requests]!;
        wait = Math.max(wait, nth + windowMs - now);
      }
    }
    return wait;
  }

  private pump(): void {
    const now = this.clock.now();
    while (this.queue.length) {
      const wait = this.msUntilRoom(now);
      if (wait === Infinity) {
        // Every slot that could free up is in flight; its release pumps again.
        this.disarm();
        return;
      }
      if (wait > 0) {
        this.arm(now + wait);
        return;
      }
      const w = this.queue.shift()!;
      if (this.server) this.server.remaining--;
      const slot: Slot = { t: Infinity };
      this.slots.push(slot);
      w.cleanup();
      w.resolve(() => {
        if (slot.t !== Infinity) return;
        slot.t = this.clock.now();
        this.pump();
      });
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

import { expect } from 'chai';
import fc from 'fast-check';
import { RateBudget, type Clock } from '../../src/zivver/rateBudget.js';

/** A clock that only moves when told to; timers fire in time order. */
class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Moves time forward to `until`, firing due timers in order and letting promise callbacks run. */
  async advanceTo(until: number): Promise<void> {
    for (;;) {
      await flush();
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= until && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = Math.max(this.t, until);
    await flush();
  }
  get pendingTimers(): number {
    return this.timers.size;
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** True when no window of `windowMs` holds more than `n` of the (sorted) times. */
function windowHolds(times: number[], n: number, windowMs: number): boolean {
  const t = [...times].sort((a, b) => a - b);
  for (let i = 0; i + n < t.length; i++) if (t[i + n]! - t[i]! < windowMs) return false;
  return true;
}

describe('zivver/rateBudget', () => {
  it('never lets more than N requests into any window of S seconds, under concurrency (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 5 }),
        // Arrival times of concurrent requests: bursts and stragglers.
        fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 60 }),
        async (n, seconds, arrivals) => {
          const clock = new FakeClock();
          const budget = new RateBudget({ requests: n, seconds }, { clock });
          const granted: number[] = [];
          const order: number[] = [];
          const sorted = arrivals.map((at, i) => ({ at, i })).sort((a, b) => a.at - b.at || a.i - b.i);
          const all: Promise<void>[] = [];
          for (const a of sorted) {
            await clock.advanceTo(a.at);
            all.push(
              budget.acquire().then((release) => {
                granted.push(clock.now());
                order.push(a.i);
                release(); // an instant answer: the slot counts from now
              }),
            );
          }
          await clock.advanceTo(10_000_000);
          await Promise.all(all);
          expect(granted).to.have.length(arrivals.length);
          expect(windowHolds(granted, n, seconds * 1000)).to.equal(true);
          // FIFO: granted in the order asked.
          expect(order).to.deep.equal(sorted.map((a) => a.i));
          // And no slower than needed: each grant is at the earliest moment the rules allow.
          const expected: number[] = [];
          sorted.forEach((a, k) => {
            expected.push(Math.max(a.at, k > 0 ? expected[k - 1]! : 0, k >= n ? expected[k - n]! + seconds * 1000 : 0));
          });
          expect(granted).to.deep.equal(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('with uneven latency, no window can hold more than N arrivals wherever the server saw each request (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 10_000 }), latency: fc.integer({ min: 0, max: 3000 }) }), {
          minLength: 1,
          maxLength: 40,
        }),
        async (n, seconds, reqs) => {
          const clock = new FakeClock();
          const budget = new RateBudget({ requests: n, seconds }, { clock });
          const spans: { g: number; r: number }[] = [];
          const sorted = [...reqs].sort((a, b) => a.at - b.at);
          const all: Promise<void>[] = [];
          for (const q of sorted) {
            await clock.advanceTo(q.at);
            all.push(
              budget.acquire().then(
                (release) =>
                  new Promise<void>((done) => {
                    const g = clock.now();
                    clock.setTimeout(() => {
                      spans.push({ g, r: clock.now() });
                      release();
                      done();
                    }, q.latency);
                  }),
              ),
            );
          }
          await clock.advanceTo(100_000_000);
          await Promise.all(all);
          expect(spans).to.have.length(reqs.length);
          // The server sees request i at some moment in [g_i, r_i]. N+1 of them can share a window
          // of S only if the latest send is less than S after the earliest answer among them.
          const windowMs = seconds * 1000;
          for (const j of spans) {
            const crowd = spans.filter((i) => i.g <= j.g && i.r + windowMs > j.g).length;
            expect(crowd).to.be.at.most(n);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('uses the whole budget: N at once, the next exactly S later', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ requests: 3, seconds: 10 }, { clock });
    const granted: number[] = [];
    const all = Array.from({ length: 7 }, () => budget.acquire().then((release) => void (granted.push(clock.now()), release())));
    await clock.advanceTo(100_000);
    await Promise.all(all);
    expect(granted).to.deep.equal([0, 0, 0, 10_000, 10_000, 10_000, 20_000]);
  });

  it('is stricter than a token bucket: after a trickle, no burst beyond N in the window', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ requests: 4, seconds: 10 }, { clock });
    const granted: number[] = [];
    for (const at of [0, 3000, 6000]) {
      await clock.advanceTo(at);
      void budget.acquire().then((release) => void (granted.push(clock.now()), release()));
    }
    await clock.advanceTo(9000);
    const burst = Array.from({ length: 3 }, () => budget.acquire().then((release) => void (granted.push(clock.now()), release())));
    await clock.advanceTo(30_000);
    await Promise.all(burst);
    expect(granted).to.deep.equal([0, 3000, 6000, 9000, 10_000, 13_000]);
  });

  it('adds a stricter limit (the server\'s) and keeps both', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ requests: 10, seconds: 1 }, { clock });
    expect(budget.addLimit({ requests: 20, seconds: 1 })).to.equal(false); // implied by ours
    expect(budget.addLimit({ requests: 2, seconds: 1 })).to.equal(true);
    const granted: number[] = [];
    const all = Array.from({ length: 5 }, () => budget.acquire().then((release) => void (granted.push(clock.now()), release())));
    await clock.advanceTo(10_000);
    await Promise.all(all);
    expect(granted).to.deep.equal([0, 0, 1000, 1000, 2000]);
    expect(budget.limits).to.deep.equal([
      { requests: 10, seconds: 1 },
      { requests: 2, seconds: 1 },
    ]);
  });

  it('adds the margin to every window', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ requests: 1, seconds: 1 }, { clock, marginMs: 50 });
    const granted: number[] = [];
    const all = Array.from({ length: 3 }, () => budget.acquire().then((release) => void (granted.push(clock.now()), release())));
    await clock.advanceTo(10_000);
    await Promise.all(all);
    expect(granted).to.deep.equal([0, 1050, 2100]);
  });

  it('pauses everyone until a given time (Retry-After) and reports when the window drains', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ requests: 5, seconds: 10 }, { clock });
    (await budget.acquire())();
    await clock.advanceTo(2000);
    expect(budget.windowDrainsAt()).to.equal(10_000);
    budget.pauseUntil(7000);
    const granted: number[] = [];
    const p = budget.acquire().then((release) => void (granted.push(clock.now()), release()));
    await clock.advanceTo(6999);
    expect(granted).to.deep.equal([]);
    await clock.advanceTo(7000);
    await p;
    expect(granted).to.deep.equal([7000]);
  });

  it('aborts a waiting request without using a slot, and the next in line moves up', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ requests: 1, seconds: 10 }, { clock });
    (await budget.acquire())();
    const ac = new AbortController();
    const aborted = budget.acquire(ac.signal);
    const granted: number[] = [];
    const next = budget.acquire().then((release) => void (granted.push(clock.now()), release()));
    await clock.advanceTo(1000);
    ac.abort(new Error('stop'));
    let reason: unknown;
    await aborted.catch((e) => (reason = e));
    expect((reason as Error).message).to.equal('stop');
    await clock.advanceTo(10_000);
    await next;
    expect(granted).to.deep.equal([10_000]);
    expect(budget.waiting).to.equal(0);
    expect(clock.pendingTimers).to.equal(0);
  });

  it('counts a slot until its answer is back: a slow request delays the next by its latency', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ requests: 1, seconds: 10 }, { clock });
    const release = await budget.acquire();
    const granted: number[] = [];
    const next = budget.acquire().then((r) => void (granted.push(clock.now()), r()));
    await clock.advanceTo(60_000);
    expect(granted).to.deep.equal([]); // still in flight: may have reached the server at any time
    release();
    await clock.advanceTo(70_000);
    await next;
    expect(granted).to.deep.equal([70_000]);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const budget = new RateBudget({ requests: 1, seconds: 1 }, { clock: new FakeClock() });
    const ac = new AbortController();
    ac.abort();
    let err: unknown;
    await budget.acquire(ac.signal).catch((e) => (err = e));
    expect((err as Error).name).to.equal('AbortError');
  });

  describe('following the server\'s RateLimit-Remaining / -Reset', () => {
    it('the budget holds requests back while the server says none remain, until its reset, then only its own limits apply', async () => {
      const clock = new FakeClock();
      const budget = new RateBudget({ requests: 100, seconds: 1 }, { clock });
      const taken: number[] = [];
      const take = async () => {
        const release = await budget.acquire();
        taken.push(clock.now());
        release();
      };
      await take();
      budget.followServer(2, 5000);
      const pending = Array.from({ length: 4 }, () => take());
      await clock.advanceTo(4999);
      expect(taken).to.deep.equal([0, 0, 0]); // the first, then the 2 the server still takes
      await clock.advanceTo(5000);
      await Promise.all(pending);
      expect(taken).to.deep.equal([0, 0, 0, 5000, 5000]);
    });

    it('in-flight requests count against what the server says remains', async () => {
      const clock = new FakeClock();
      const budget = new RateBudget({ requests: 100, seconds: 1 }, { clock });
      const inFlight = [await budget.acquire(), await budget.acquire()];
      budget.followServer(3, 1000);
      let got = 0;
      const more = Array.from({ length: 3 }, () => budget.acquire().then((r) => (got++, r)));
      await clock.advanceTo(10);
      expect(got).to.equal(1); // 3 remaining, 2 of them possibly used by the requests still out
      await clock.advanceTo(1000);
      (await Promise.all(more)).forEach((r) => r());
      inFlight.forEach((r) => r());
      expect(got).to.equal(3);
    });
  });
});

/**
 * The server's own account of its request budget, from response headers: Zivver's 429 body refers
 * to draft-polli-ratelimit-headers (`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`);
 * many servers send the older `X-RateLimit-*` names, and later drafts one structured `RateLimit`
 * header (`limit=50, remaining=12, reset=4`, or `"default";r=12;t=4`). Absent headers mean nothing.
 */
import type { RateLimit } from './types.js';

export interface ServerBudget {
  /** Requests the server will still take before `resetMs` has passed. */
  remaining: number;
  /** Milliseconds from now until the server's quota is restored. */
  resetMs: number;
  /** The quota and its window when the server names them (`RateLimit-Limit: 50, 50;w=10`). */
  limit?: RateLimit;
}

type HeaderSource = { get(name: string): string | null };

/** Reset values above this are epoch seconds (X-RateLimit-Reset as GitHub and others send it). */
const EPOCH_SECONDS = 1_000_000_000;

function firstNumber(v: string | null): number | undefined {
  if (v === null) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)/.exec(v);
  return m ? Number(m[1]) : undefined;
}

function resetMs(seconds: number | undefined, now: number): number | undefined {
  if (seconds === undefined || !Number.isFinite(seconds)) return undefined;
  return seconds > EPOCH_SECONDS ? Math.max(0, seconds * 1000 - now) : seconds * 1000;
}

/** `50`, `50, 50;w=10`, `50;w=10;comment="..."`: the window only when a `w=` names it. */
function parseLimit(v: string | null): RateLimit | undefined {
  if (v === null) return undefined;
  const m = /(\d+)\s*;\s*w\s*=\s*(\d+(?:\.\d+)?)/i.exec(v);
  if (!m) return undefined;
  const requests = Number(m[1]);
  const seconds = Number(m[2]);
  return Number.isInteger(requests) && requests >= 1 && seconds > 0 && seconds <= 3600 ? { requests, seconds } : undefined;
}

/** The server's budget as the headers state it; undefined when they do not state both remaining and reset. */
export function parseRateLimitHeaders(headers: HeaderSource, now: number): ServerBudget | undefined {
  let remaining = firstNumber(headers.get('ratelimit-remaining')) ?? firstNumber(headers.get('x-ratelimit-remaining'));
  let reset = resetMs(firstNumber(headers.get('ratelimit-reset')) ?? firstNumber(headers.get('x-ratelimit-reset')), now);
  const structured = headers.get('ratelimit');
  if (structured !== null && (remaining === undefined || reset === undefined)) {
    const r = /(?:^|[;,\s])(?:remaining|r)\s*=\s*(\d+)/i.exec(structured);
    const t = /(?:^|[;,\s])(?:reset|t)\s*=\s*(\d+(?:\.\d+)?)/i.exec(structured);
    remaining ??= r ? Number(r[1]) : undefined;
    reset ??= t ? resetMs(Number(t[1]), now) : undefined;
  }
  if (remaining === undefined || reset === undefined || !Number.isFinite(remaining)) return undefined;
  const out: ServerBudget = { remaining: Math.floor(remaining), resetMs: reset };
  const limit = parseLimit(headers.get('ratelimit-limit') ?? headers.get('x-ratelimit-limit') ?? headers.get('ratelimit-policy'));
  if (limit) out.limit = limit;
  return out;
}

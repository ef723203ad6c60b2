/**
 * `--rate-limit <requests>/<seconds>` parsing. The budget is enforced by RateBudget (rateBudget.ts).
 */
import { UsageError } from '../errors.js';
import type { RateLimit } from './types.js';

export const DEFAULT_RATE_LIMIT: RateLimit = Object.freeze({ requests: 50, seconds: 10 });

/** "50/10" → {requests: 50, seconds: 10}. Also accepts "50/10s" and decimal seconds ("5/0.5"). */
export function parseRateLimit(text: string): RateLimit {
  const m = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*s?\s*$/i.exec(text);
  const explain = `--rate-limit must look like <requests>/<seconds>, e.g. 50/10 (Zivver's budget is about 50 requests per 10 seconds); got "${text}"`;
  if (!m) throw new UsageError(explain);
  const requests = Number(m[1]);
  const seconds = Number(m[2]);
  if (!Number.isSafeInteger(requests) || requests < 1 || requests > 100_000) {
    throw new UsageError(`${explain}: requests must be a whole number from 1 to 100000`);
  }
  if (!(seconds > 0) || seconds > 3600) {
    throw new UsageError(`${explain}: seconds must be more than 0 and at most 3600`);
  }
  return { requests, seconds };
}

export function formatRateLimit(l: RateLimit): string {
  return `${l.requests}/${l.seconds}`;
}

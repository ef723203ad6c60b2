/**
 * How the apply engine reads accounts: one GET per row ('fresh'), or from a listing of bounded age
 * ('listing'; see src/apply/engine.ts for the trade-off). The engine's readForWrite checks what
 * this returns against the plan row.
 */
import { accountIdKey } from '../core/ids.js';
import type { Logger } from '../util/logger.js';
import type { ScimClient, ScimUser } from '../zivver/types.js';

export type ReadMode = 'fresh' | 'listing';

/** An account as read for a write. */
export interface AccountRead {
  user: ScimUser | null;
  /** Served from a listing (its age bound applies), not a GET of its own. */
  fromListing?: boolean;
  /** When the data was read (request start), ms. */
  readAt: number;
  httpStatus: number | null;
}

/** Reads accounts for the engine, per row or from a bounded-age listing. */
export class AccountReader {
  private snapshot: { byId: Map<string, ScimUser>; takenAt: number; served: number; cost: number } | null = null;
  private refreshing: Promise<void> | null = null;
  private listFailedAt = -Infinity;
  mode: ReadMode;
  listings = 0;

  constructor(
    private readonly client: ScimClient,
    mode: ReadMode,
    private readonly maxAgeMs: number,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {
    this.mode = mode;
  }

  async read(id: string): Promise<AccountRead> {
    if (this.mode === 'listing') {
      const snap = await this.freshSnapshot();
      if (snap) {
        const user = snap.byId.get(accountIdKey(id));
        if (user) {
          snap.served++;
          return { user, readAt: snap.takenAt, httpStatus: 200, fromListing: true };
        }
        // Not in the listing: confirm with a direct read before calling it gone.
      }
    }
    return this.readAgain(id);
  }

  /** A GET of this one account (never from a listing). */
  async readAgain(id: string): Promise<AccountRead> {
    const user = await this.client.getUser(id);
    // When the answer arrived: the GET may have waited long for a budget slot (after a 429), and
    // what counts for a body's age is when Zivver produced the data.
    return { user, readAt: this.now(), httpStatus: user ? 200 : 404 };
  }

  /** Whether data read at readAt may still be written back. */
  fresh(readAt: number): boolean {
    return this.mode === 'fresh' || this.now() - readAt <= this.maxAgeMs;
  }

  private async freshSnapshot() {
    const age = this.snapshot ? this.now() - this.snapshot.takenAt : Infinity;
    // Leave a quarter of the age for the PUT's wait in the budget queue.
    const usable = this.maxAgeMs * 0.75;
    const mayList = this.now() - this.listFailedAt > this.maxAgeMs;
    if (age > usable / 2 && !this.refreshing && mayList) {
      this.refreshing = this.refresh()
        .catch((err) => {
          // Rows fall back to their own GET until a listing succeeds again.
          this.listFailedAt = this.now();
          this.logger.warn(`Listing the accounts failed (${err instanceof Error ? err.message : String(err)}); reading accounts one by one for now.`);
        })
        .finally(() => (this.refreshing = null));
    }
    if (age > usable && this.refreshing) await this.refreshing;
    const snap = this.snapshot;
    if (this.mode !== 'listing' || !snap || this.now() - snap.takenAt > usable) return null;
    return snap;
  }

  private async refresh(): Promise<void> {
    const prev = this.snapshot;
    if (prev && prev.cost > Math.max(1, prev.served)) {
      this.logger.warn(
        `A listing cost ${prev.cost} requests but served only ${prev.served} rows; reading each account with its own GET from here on.`,
      );
      this.mode = 'fresh';
      this.snapshot = null;
      return;
    }
    const takenAt = this.now();
    const before = this.client.stats.requests;
    const users = await this.client.listUsers();
    const byId = new Map<string, ScimUser>();
    for (const u of users) byId.set(accountIdKey(String(u.id)), u);
    this.listings++;
    this.snapshot = { byId, takenAt, served: 0, cost: this.client.stats.requests - before };
    this.logger.verbose(`Listed ${users.length} accounts (${this.snapshot.cost} request(s)); using it for up to ${Math.round(this.maxAgeMs / 1000)} s`);
  }
}

/**
 * An in-memory ScimClient for engine unit tests, with Zivver's PUT semantics: top-level attributes
 * left out are kept, the zivver extension object is replaced wholesale, SsoAccountKey is never
 * returned. Integration tests use the real emulator over HTTP instead.
 */
import { ZivverHttpError, ZivverUnreachableError } from '../../src/zivver/errors.js';
import { ZIVVER_USER_EXTENSION, type ScimClient, type ScimUser } from '../../src/zivver/types.js';

export class FakeScimClient implements ScimClient {
  readonly stats = { requests: 0, throttled: 0, retries: 0 };
  readonly users = new Map<string, ScimUser>();
  readonly keys = new Map<string, string>();
  readonly puts: { id: string; body: ScimUser }[] = [];
  /** Per id: what the next PUT does instead of succeeding. */
  readonly putFaults = new Map<string, 'reject' | 'reset-after-apply' | 'reset-before' | 'unauthorized'>();
  getDelayMs = 0;
  /** Every GET fails as if Zivver could not be reached. */
  unreachable = false;
  putDelayMs = 0;
  lists = 0;
  /** Called before each PUT is handled (tests use it to interleave events). */
  beforePut?: (id: string) => void;

  constructor(users: ScimUser[]) {
    for (const u of users) this.users.set(u.id, structuredClone(u));
  }

  async listUsers(): Promise<ScimUser[]> {
    this.stats.requests++;
    this.lists++;
    return [...this.users.values()].map((u) => this.visible(u));
  }

  async getUser(id: string): Promise<ScimUser | null> {
    this.stats.requests++;
    if (this.getDelayMs) await new Promise((r) => setTimeout(r, this.getDelayMs));
    if (this.unreachable) throw new ZivverUnreachableError(`Cannot reach Zivver at x (GET /Users/${id}): connection refused`, 'ECONNREFUSED', 'GET', `/Users/${id}`, 7, false);
    const u = this.users.get(id);
    return u ? this.visible(u) : null;
  }

  async replaceUser(id: string, body: ScimUser): Promise<ScimUser> {
    this.stats.requests++;
    this.beforePut?.(id);
    if (this.putDelayMs) await new Promise((r) => setTimeout(r, this.putDelayMs));
    this.puts.push({ id, body: structuredClone(body) });
    const fault = this.putFaults.get(id);
    const path = `/Users/${id}`;
    if (fault === 'reject') throw new ZivverHttpError(`Zivver answered 400 Bad Request to PUT ${path}: "Account is outside the organization"`, 400, 'Account is outside the organization', 'PUT', path, 1, false);
    if (fault === 'unauthorized') throw new ZivverHttpError(`Zivver answered 401 Unauthorized to PUT ${path}: "bad key"`, 401, 'bad key', 'PUT', path, 1, false);
    if (fault === 'reset-before') throw new ZivverUnreachableError(`Cannot reach Zivver (PUT ${path}): connection refused`, 'ECONNREFUSED', 'PUT', path, 1, false);
    const u = this.users.get(id);
    if (!u) throw new ZivverHttpError(`Zivver answered 400 to PUT ${path}: "Unknown account with uuid: ${id}"`, 400, `Unknown account with uuid: ${id}`, 'PUT', path, 1, false);
    const merged: ScimUser = { ...u, ...structuredClone(body) };
    const ext = body[ZIVVER_USER_EXTENSION] as Record<string, unknown> | undefined;
    if (ext) {
      merged[ZIVVER_USER_EXTENSION] = structuredClone(ext);
      if (typeof ext.SsoAccountKey === 'string') this.keys.set(id, ext.SsoAccountKey);
    }
    this.users.set(id, merged);
    if (fault === 'reset-after-apply') {
      throw new ZivverUnreachableError(`Cannot reach Zivver (PUT ${path}): connection reset\n  The write may have been applied by Zivver before the connection failed.`, 'ECONNRESET', 'PUT', path, 7, true);
    }
    return this.visible(merged);
  }

  /** What a GET shows: everything but the write-only key. */
  visible(u: ScimUser): ScimUser {
    const copy = structuredClone(u);
    const ext = copy[ZIVVER_USER_EXTENSION] as Record<string, unknown> | undefined;
    if (ext) delete ext.SsoAccountKey;
    return copy;
  }
}

export function scimUser(i: number, over: Record<string, unknown> = {}): ScimUser {
  const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', ZIVVER_USER_EXTENSION],
    id,
    userName: `user${i}@example.nl`,
    name: { formatted: `User ${i}` },
    nickName: `u${i}`,
    active: i % 5 !== 0,
    phoneNumbers: [{ value: `+31 6 ${1000000 + i}`, type: 'mobile' }],
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { division: i % 2 ? '/' : '/Zorg/Cardiologie' },
    [ZIVVER_USER_EXTENSION]: {
      aliases: [`alias${i}@example.nl`],
      delegates: i % 3 ? [] : [`user${i + 1}@example.nl`],
      futureThing: { keep: true },
    },
    meta: { resourceType: 'User', created: '2024-01-02' },
    ...over,
  } as ScimUser;
}

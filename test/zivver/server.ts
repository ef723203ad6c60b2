/**
 * A tiny programmable HTTP server on 127.0.0.1 standing in for Zivver's edge in client unit tests:
 * each test decides what every request gets, and inspects what the client sent.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../src/util/logger.js';
import { createScimClient, type ScimClientOptions } from '../../src/zivver/index.js';
import type { ScimUser } from '../../src/zivver/types.js';

export interface SeenRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string verbatim. */
  body?: unknown;
}

/** Return a Reply, or 'reset' to destroy the socket, or 'hang' to never answer. */
export type Handler = (req: SeenRequest, n: number) => Reply | 'reset' | 'hang' | Promise<Reply | 'reset' | 'hang'>;

export interface TestServer {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const hung: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: new URL(req.url ?? '/', 'http://127.0.0.1'),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      requests.push(seen);
      void Promise.resolve(handler(seen, requests.length)).then((reply) => {
        if (reply === 'reset') return req.socket.destroy();
        if (reply === 'hang') return void hung.push(res);
        const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status ?? 200, {
          'Content-Type': typeof reply.body === 'string' ? 'text/plain' : 'application/scim+json',
          ...reply.headers,
        });
        res.end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/scim/v2`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hung) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function makeUsers(n: number): ScimUser[] {
  return Array.from({ length: n }, (_, i) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    userName: `user${i + 1}@example.nl`,
    active: true,
  }));
}

export function listResponse(resources: ScimUser[], extra: Record<string, unknown> = {}): Reply {
  return {
    body: {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: resources.length,
      Resources: resources,
      ...extra,
    },
  };
}

/** A proper paging server: honours startIndex/count, capped at `cap` per page. */
export function pagedHandler(users: ScimUser[], cap = Infinity): Handler {
  return (req) => {
    const start = Number(req.url.searchParams.get('startIndex') ?? 1);
    const count = Math.min(Number(req.url.searchParams.get('count') ?? users.length), cap);
    const page = users.slice(start - 1, start - 1 + count);
    return {
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
        totalResults: users.length,
        startIndex: start,
        itemsPerPage: page.length,
        Resources: page,
      },
    };
  };
}

export interface CapturingLogger extends Logger {
  lines: { level: string; message: string }[];
}

export function capturingLogger(): CapturingLogger {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return {
    lines,
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    verbose: at('verbose'),
    debug: at('debug'),
    close: async () => {},
  };
}

/**
 * One programmable server per test, and a SCIM client for it with fast retries; the server is
 * closed after each test. `t.server` is the running server (after `t.serve`).
 */
export function serverPerTest(apiKey: string) {
  const t = {
    server: undefined as TestServer | undefined,
    async serve(handler: Handler): Promise<TestServer> {
      t.server = await startServer(handler);
      return t.server;
    },
    client(extra: Partial<ScimClientOptions> = {}) {
      return createScimClient({ baseUrl: t.server!.url, apiKey, rateLimit: { requests: 1000, seconds: 1 }, retryBaseMs: 10, retryMaxMs: 50, maxRetries: 3, ...extra });
    },
  };
  afterEach(async () => {
    await t.server?.close();
    t.server = undefined;
  });
  return t;
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/**
 * A small forward proxy on 127.0.0.1 for tests: absolute-form requests (GET/PUT/POST ...) for
 * http:// targets, CONNECT tunnels for https:// targets, optionally requiring Basic auth (407).
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TestProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Absolute-form requests forwarded. */
  requests: number;
  /** CONNECT tunnels opened. */
  tunnels: number;
  /** Requests and CONNECTs turned away with 407. */
  rejected: number;
  /** Targets seen: "GET http://..." or "CONNECT host:port". */
  seen: string[];
  close(): Promise<void>;
}

export async function startTestProxy(opts: { auth?: { user: string; password: string } } = {}): Promise<TestProxy> {
  const expected = opts.auth ? `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`).toString('base64')}` : undefined;
  const sockets = new Set<net.Socket>();
  const authorized = (h: http.IncomingHttpHeaders) => !expected || h['proxy-authorization'] === expected;

  const server = http.createServer((req, res) => {
    state.seen.push(`${req.method} ${req.url}`);
    if (!authorized(req.headers)) {
      state.rejected++;
      res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="test"', 'Content-Type': 'text/plain' }).end('Proxy Authentication Required');
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? '');
      if (target.protocol !== 'http:') throw new Error('not http');
    } catch {
      res.writeHead(400).end('absolute http:// URL expected');
      return;
    }
    state.requests++;
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request(
      { host: target.hostname, port: target.port || 80, method: req.method, path: target.pathname + target.search, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });

  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    state.seen.push(`CONNECT ${req.url}`);
    if (!authorized(req.headers)) {
      state.rejected++;
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const m = /^\[?([^\]]+)\]?:(\d+)$/.exec(req.url ?? '');
    if (!m) {
      client.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    state.tunnels++;
    const upstream = net.connect(Number(m[2]), m[1]!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const state: TestProxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: 0,
    tunnels: 0,
    rejected: 0,
    seen: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return state;
}

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
export async function unusedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

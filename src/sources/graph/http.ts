/**
 * The one HTTP transport for everything Graph-related: msal's token requests and the Graph
 * client's requests both go through it. Why our own rather than the libraries' fetch:
 *  - a test (or an admin behind a TLS-inspecting proxy) can pass extra trusted CA certificates
 *    in-process; Node's global fetch cannot take them without an undici dispatcher;
 *  - it remembers the last failing answer from the sign-in service, so an AADSTS code that msal
 *    swallows (e.g. while reading the tenant's metadata) still reaches the error message.
 * NODE_EXTRA_CA_CERTS keeps working because without `ca` the default https agent is used.
 *
 * Proxies (--proxy, HTTPS_PROXY, see src/util/proxy.ts): https:// URLs are tunnelled with CONNECT
 * by ProxyTunnelAgent below, http:// URLs are sent to the proxy in absolute form. Our own ~60
 * lines rather than https-proxy-agent: no new dependency in the exe, and a proxy's refusal (407)
 * becomes a TransportError naming the proxy instead of a bare socket error.
 */
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { proxyFor, type ProxyConfig, type ProxyTarget } from '../../util/proxy.js';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { GraphError } from '../../errors.js';

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface HttpTransport {
  request(
    method: string,
    url: string,
    headers?: Record<string, string>,
    body?: string,
    timeoutMs?: number,
  ): Promise<HttpResponse>;
}

export interface TransportOptions {
  /** Extra CA certificates (PEM) to trust besides the system's. */
  ca?: string | Buffer;
  /** Per-request timeout (default 100 s: a Graph page of 999 users can take a while). */
  timeoutMs?: number;
  /** Outbound proxy settings; default direct. */
  proxy?: ProxyConfig;
}

/** An https agent whose connections are CONNECT tunnels through an http:// proxy. */
export class ProxyTunnelAgent extends https.Agent {
  constructor(
    readonly proxy: ProxyTarget,
    opts: https.AgentOptions = {},
  ) {
    super({ keepAlive: true, ...opts });
  }

  // Node's Agent accepts a socket through the callback when createConnection returns nothing.
  override createConnection(options: http.ClientRequestArgs, cb?: (err: Error | null, stream: Duplex) => void): Duplex | undefined {
    const host = options.host ?? options.hostname ?? 'localhost';
    const servername = (options as tls.ConnectionOptions).servername;
    const port = Number(options.port ?? 443);
    const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const headers: Record<string, string> = { Host: target };
    if (this.proxy.authorization) headers['Proxy-Authorization'] = this.proxy.authorization;
    const req = http.request({ host: this.proxy.hostname, port: this.proxy.port, method: 'CONNECT', path: target, headers });
    let done = false;
    const finish = (err: Error | null, socket?: Duplex) => {
      if (done) return;
      done = true;
      cb?.(err, socket as Duplex);
    };
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        const what = res.statusCode === 407 ? '407 Proxy Authentication Required (give the credentials in the proxy URL: http://user:password@host:port)' : `${res.statusCode} ${res.statusMessage ?? ''}`.trim();
        finish(Object.assign(new Error(`the proxy ${this.proxy.display} refused the tunnel to ${target}: ${what}`), { code: 'PROXY_REFUSED' }));
        return;
      }
      // `host` stays: without a servername (IP targets) it is the name the certificate is checked against.
      const { port: _p, path: _path, ...tlsOptions } = options as tls.ConnectionOptions & { path?: string };
      const name = servername ?? (isIpHost(host) ? undefined : host);
      const secure = tls.connect({ ...tlsOptions, host, socket, ...(name ? { servername: name } : {}) } as tls.ConnectionOptions);
      finish(null, secure);
    });
    req.once('error', (e: NodeJS.ErrnoException) => {
      finish(Object.assign(new Error(`cannot reach the proxy ${this.proxy.display}: ${e.code ?? ''}${e.code ? ' ' : ''}${e.message}`), { code: e.code }));
    });
    req.end();
    return undefined;
  }
}

function isIpHost(h: string): boolean {
  return /^[\d.]+$/.test(h) || h.includes(':');
}

/** Thrown when a request never got an HTTP answer (DNS, refused, TLS, timeout). */
export class TransportError extends GraphError {
  constructor(
    message: string,
    readonly url: string,
    readonly causeCode?: string,
  ) {
    super(message);
  }
}

export function createTransport(opts: TransportOptions = {}): HttpTransport {
  // With an explicit `ca` Node trusts only that list, so keep the system roots next to it.
  const ca = opts.ca ? [...tls.rootCertificates, opts.ca.toString()] : undefined;
  const agent = ca ? new https.Agent({ ca, keepAlive: true }) : undefined;
  const tunnels = new Map<ProxyTarget, ProxyTunnelAgent>();
  const tunnelFor = (p: ProxyTarget) => {
    let a = tunnels.get(p);
    if (!a) tunnels.set(p, (a = new ProxyTunnelAgent(p, ca ? { ca } : {})));
    return a;
  };
  const defaultTimeout = opts.timeoutMs ?? 100_000;
  return {
    request(method, url, headers = {}, body, timeoutMs) {
      return new Promise<HttpResponse>((resolve, reject) => {
        let u: URL;
        try {
          u = new URL(url);
        } catch {
          reject(new TransportError(`Not a valid URL: ${url}`, url));
          return;
        }
        const isHttps = u.protocol === 'https:';
        const lib = isHttps ? https : http;
        const reqHeaders: Record<string, string> = { ...headers };
        if (body !== undefined && !Object.keys(reqHeaders).some((k) => k.toLowerCase() === 'content-length')) {
          reqHeaders['Content-Length'] = String(Buffer.byteLength(body));
        }
        const proxy = proxyFor(opts.proxy, u);
        let target: URL | http.RequestOptions = u;
        let extra: http.RequestOptions = isHttps && agent ? { agent } : {};
        if (proxy && isHttps) extra = { agent: tunnelFor(proxy) };
        else if (proxy) {
          // Plain http:// through a proxy: the absolute URL as the request target.
          target = { host: proxy.hostname, port: proxy.port, path: u.href };
          reqHeaders['Host'] = u.host;
          if (proxy.authorization) reqHeaders['Proxy-Authorization'] = proxy.authorization;
        }
        const via = proxy ? ` through the proxy ${proxy.display}` : '';
        const req = (proxy && !isHttps ? http : lib).request(
          target as URL,
          { method, headers: reqHeaders, ...extra },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', (e) => reject(new TransportError(`Connection to ${u.host} broke: ${e.message}`, url)));
            res.on('end', () => {
              const out: Record<string, string> = {};
              for (const [k, v] of Object.entries(res.headers)) {
                if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
              }
              resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8') });
            });
          },
        );
        req.setTimeout(timeoutMs ?? defaultTimeout, () => {
          req.destroy(new Error(`no answer within ${Math.round((timeoutMs ?? defaultTimeout) / 1000)} s`));
        });
        req.on('error', (e: NodeJS.ErrnoException) => {
          const detail = e.code === 'PROXY_REFUSED' || /^cannot reach the proxy/.test(e.message) ? e.message : `${e.code ?? ''}${e.code ? ' ' : ''}${e.message}`;
          reject(new TransportError(`Cannot reach ${u.protocol}//${u.host}${via}: ${detail}`, url, e.code));
        });
        if (body !== undefined) req.write(body);
        req.end();
      });
    },
  };
}

/** What the msal network adapter saw go wrong last; read when mapping msal's errors. */
export interface SignInDiagnostics {
  lastFailure?: { url: string; status: number; body: string };
  lastTransportError?: TransportError;
}

/** msal-node's INetworkModule on top of our transport. */
export class MsalNetworkClient implements INetworkModule {
  readonly diagnostics: SignInDiagnostics = {};
  constructor(private readonly transport: HttpTransport) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(method: string, url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    let res: HttpResponse;
    try {
      res = await this.transport.request(method, url, options?.headers ?? {}, method === 'POST' ? (options?.body ?? '') : undefined, timeout);
    } catch (e) {
      if (e instanceof TransportError) this.diagnostics.lastTransportError = e;
      throw e;
    }
    if (res.status >= 400) this.diagnostics.lastFailure = { url, status: res.status, body: res.body.slice(0, 4000) };
    let parsed: unknown;
    try {
      parsed = res.body.trim() === '' ? {} : JSON.parse(res.body);
    } catch {
      // msal wants JSON; an HTML error page (wrong --authority-host) is reported through diagnostics.
      parsed = {};
    }
    return { headers: res.headers, body: parsed as T, status: res.status };
  }
}

/**
 * The last link of the Graph client's middleware chain (instead of its fetch-based
 * HTTPMessageHandler): sends the request through our transport and hands back a fetch Response.
 */
export class TransportMiddleware implements Middleware {
  constructor(private readonly transport: HttpTransport) {}

  async execute(context: Context): Promise<void> {
    const req = context.request as unknown;
    const url = typeof req === 'string' ? req : (req as { url: string }).url;
    const options = (context.options ?? {}) as { method?: string; headers?: unknown; body?: unknown };
    const headers: Record<string, string> = {};
    const h = options.headers;
    if (h instanceof Headers) h.forEach((v, k) => (headers[k] = v));
    else if (h && typeof h === 'object') for (const [k, v] of Object.entries(h as Record<string, unknown>)) headers[k] = String(v);
    const body = typeof options.body === 'string' ? options.body : undefined;
    const res = await this.transport.request(options.method ?? 'GET', url, headers, body);
    const noBody = res.status === 204 || res.status === 304;
    context.response = new Response(noBody ? null : res.body, { status: res.status, headers: res.headers });
  }
}

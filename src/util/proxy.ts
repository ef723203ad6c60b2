/**
 * Outbound HTTP proxy settings, shared by the Zivver client and the Graph/msal transport.
 *
 * Where the proxy comes from, strongest first:
 *  - `--proxy <url>`: used for every request, loopback hosts included (a test or an admin who
 *    names a proxy means it); `--proxy direct` (or `none`) ignores the environment;
 *  - HTTPS_PROXY / HTTP_PROXY (for https:// and http:// targets; lower-case forms too), with
 *    NO_PROXY exceptions. Loopback (127.0.0.0/8, ::1, localhost) and link-local (169.254.0.0/16:
 *    the managed identity endpoint) hosts are always reached directly.
 *
 * `--proxy` never takes a password (a command line is no place for one): the password of
 * `--proxy http://user@host:port` comes from ZIVVER_PROXY_PASSWORD. A password in the proxy URL is a secret: it is registered for redaction, and the URL is only
 * ever shown as http://user:***@host:port.
 */
import { UsageError } from '../errors.js';
import { registerSecret } from './redact.js';
import { isLinkLocalHost, isLoopbackHost } from './net.js';

export interface ProxyTarget {
  /** http://host:port (no credentials, no path). */
  origin: string;
  hostname: string;
  port: number;
  /** `Basic ...` for Proxy-Authorization, when the URL carries credentials. */
  authorization?: string;
  /** For messages: http://user:***@host:port. */
  display: string;
}

export interface ProxyConfig {
  /** From --proxy: always used. */
  explicit?: ProxyTarget;
  /** --proxy direct: the environment is ignored. */
  direct?: boolean;
  /** From the environment. */
  https?: ProxyTarget;
  http?: ProxyTarget;
  noProxy: string[];
}

export const NO_PROXY_CONFIG: ProxyConfig = { noProxy: [] };

/** Parses a proxy URL ("host:port" alone means http://host:port). `source` names it in errors. */
export function parseProxyUrl(
  raw: string,
  source: string,
  opts: { refusePassword?: boolean; password?: string } = {},
): ProxyTarget {
  const text = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new UsageError(`${source} is not a valid proxy URL (expected http://[user:password@]host:port)`);
  }
  if (u.password) {
    registerSecret(u.password);
    registerSecret(safeDecode(u.password));
  }
  if (u.password && opts.refusePassword) {
    // Command lines end up in process lists, shell history and scheduled-task definitions.
    throw new UsageError(
      `${source} must not carry a password (${displayOf(u)}): a command line is not a safe place for it.\n` +
        `  Give ${source} http://${u.username || 'user'}@${u.host} and the password in the environment variable ZIVVER_PROXY_PASSWORD, or set HTTPS_PROXY.`,
    );
  }
  if (u.username && !u.password && opts.password) {
    registerSecret(opts.password);
    u.password = encodeURIComponent(opts.password);
    registerSecret(u.password);
  }
  const display = displayOf(u);
  if (u.protocol !== 'http:') {
    throw new UsageError(`${source} must be an http:// proxy URL (https:// targets are tunnelled through it with CONNECT), not ${display}`);
  }
  if (!u.hostname) throw new UsageError(`${source} has no host: ${display}`);
  const port = u.port ? Number(u.port) : 80;
  const target: ProxyTarget = { origin: `http://${u.host}`, hostname: stripBrackets(u.hostname), port, display };
  if (u.username || u.password) {
    const auth = Buffer.from(`${safeDecode(u.username)}:${safeDecode(u.password)}`).toString('base64');
    registerSecret(auth);
    target.authorization = `Basic ${auth}`;
  }
  return target;
}

/** The proxy settings for this run: --proxy first, then the environment. */
export function resolveProxyConfig(option: string | undefined, env: NodeJS.ProcessEnv): ProxyConfig {
  const opt = option?.trim();
  if (opt !== undefined && opt !== '') {
    if (/^(direct|none)$/i.test(opt)) return { direct: true, noProxy: [] };
    return { explicit: parseProxyUrl(opt, '--proxy', { refusePassword: true, password: env.ZIVVER_PROXY_PASSWORD }), noProxy: [] };
  }
  const pick = (...names: string[]) => {
    for (const n of names) {
      const v = env[n]?.trim();
      if (v) return { name: n, value: v };
    }
    return undefined;
  };
  const cfg: ProxyConfig = { noProxy: [] };
  const https = pick('https_proxy', 'HTTPS_PROXY');
  const http = pick('http_proxy', 'HTTP_PROXY');
  if (https) cfg.https = parseProxyUrl(https.value, `The ${https.name} environment variable`);
  if (http) cfg.http = parseProxyUrl(http.value, `The ${http.name} environment variable`);
  const no = pick('no_proxy', 'NO_PROXY');
  if (no) cfg.noProxy = no.value.split(/[,\s]+/).map((s) => s.trim().toLowerCase()).filter(Boolean);
  return cfg;
}

/** The proxy a request to `url` goes through, or undefined for a direct connection. */
export function proxyFor(cfg: ProxyConfig | undefined, url: string | URL): ProxyTarget | undefined {
  if (!cfg || cfg.direct) return undefined;
  if (cfg.explicit) return cfg.explicit;
  const u = typeof url === 'string' ? new URL(url) : url;
  const proxy = u.protocol === 'https:' ? cfg.https : u.protocol === 'http:' ? cfg.http : undefined;
  if (!proxy) return undefined;
  const host = stripBrackets(u.hostname).toLowerCase();
  if (isLoopbackHost(host) || isLinkLocalHost(host) || /\.localhost\.?$/i.test(host)) return undefined;
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  for (const entry of cfg.noProxy) {
    if (entry === '*') return undefined;
    let [h, p] = splitHostPort(entry);
    if (p && p !== port) continue;
    h = h.replace(/^\*?\./, '.');
    if (h.startsWith('.') ? host.endsWith(h) || host === h.slice(1) : host === h || host.endsWith(`.${h}`)) return undefined;
  }
  return proxy;
}

/** For `test-connection` and logs: the proxy used for `url`, without credentials. */
export function describeProxy(cfg: ProxyConfig | undefined, url: string | URL): string {
  const p = proxyFor(cfg, url);
  if (p) return `${p.display}${cfg?.explicit ? ' (--proxy)' : ' (environment)'}`;
  if (cfg?.direct) return 'none (direct, --proxy direct)';
  return 'none (direct)';
}

function splitHostPort(entry: string): [string, string | undefined] {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracket) return [bracket[1]!, bracket[2]];
  const m = /^([^:]+):(\d+)$/.exec(entry);
  return m ? [m[1]!, m[2]] : [entry, undefined];
}

function stripBrackets(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function displayOf(u: URL): string {
  const user = u.username ? `${u.username}${u.password ? ':***' : ''}@` : u.password ? ':***@' : '';
  return `${u.protocol}//${user}${u.host}`;
}

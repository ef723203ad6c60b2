/**
 * `--zivver-url` validation. The API key travels in a header on every request, so a plain
 * http:// URL would put it on the wire in clear text: refused unless the host is this machine.
 */
import net from 'node:net';
import { UsageError } from '../errors.js';

/** True for localhost, 127.0.0.0/8 and ::1 (URL.hostname keeps IPv6 brackets, so both forms are accepted). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) {
    if (h === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(h)) return true;
    // IPv4-mapped loopback, ::ffff:127.x.y.z
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped ? mapped[1]!.startsWith('127.') : false;
  }
  return false;
}

/** Parses and checks a Zivver SCIM base URL; returns it without a trailing slash. */
export function validateZivverUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new UsageError(
      `--zivver-url "${text}" is not a URL; expected something like https://app.zivver.com/api/scim/v2`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`--zivver-url must be an https:// URL; got ${url.protocol}`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new UsageError(
      `--zivver-url ${url.origin} uses plain http://, which would send the API key unencrypted; ` +
        'use https:// (plain http is only allowed for localhost / 127.0.0.1 / ::1, e.g. the emulator)',
    );
  }
  if (url.username || url.password) {
    // Credentials in the URL would end up in logs and error messages.
    throw new UsageError('--zivver-url must not contain a user name or password; the API key goes in ZIVVER_API_KEY or --api-key-file');
  }
  if (url.search || url.hash) {
    throw new UsageError(`--zivver-url must not have a query or fragment; got ${url.search}${url.hash}`);
  }
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

/** The base URL as a string without trailing slash (URL.href keeps "/" for an empty path). */
export function baseUrlString(url: URL): string {
  return url.href.replace(/\/+$/, '');
}

/**
 * `--zivver-url` validation. The API key travels in a header on every request, so a plain
 * http:// URL would put it on the wire in clear text: refused unless the host is this machine.
 */
import { UsageError } from '../errors.js';
import { isLoopbackHost } from '../util/net.js';

export { isLoopbackHost };

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

/**
 * Host classification shared by the URL checks (plain http only to this machine) and the proxy
 * rules (this machine, and the link-local managed-identity endpoint, are never proxied).
 */
import net from 'node:net';

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

/** 169.254.0.0/16 and fe80::/10: link-local, e.g. the Azure managed-identity endpoint 169.254.169.254. */
export function isLinkLocalHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (net.isIPv4(h)) return h.startsWith('169.254.');
  if (net.isIPv6(h)) return /^fe[89ab][0-9a-f]?:/.test(h);
  return false;
}

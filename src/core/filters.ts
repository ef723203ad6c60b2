/**
 * The Synctool's source filters. Pure. A user is kept by --include-emails when ANY of its
 * addresses is listed (as the Synctool's positive filter does); the exclude filters skip a user
 * when ANY of its addresses is listed / in an excluded domain.
 */
import { normalizeAddress } from './match.js';
import type { PlanFilters } from './types.js';

/** Splits `"a@x.nl;b@y.nl"`, repeated flags and commas/whitespace into a normalised list. */
export function splitList(values: readonly string[] | undefined): string[] {
  if (!values) return [];
  const out: string[] = [];
  for (const v of values) {
    for (const part of v.split(/[;,\s]+/)) {
      const n = normalizeAddress(part.replace(/^@/, ''));
      if (n) out.push(n);
    }
  }
  return [...new Set(out)];
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at >= 0 ? address.slice(at + 1) : '';
}

function inDomains(address: string, domains: ReadonlySet<string>): boolean {
  const d = domainOf(address);
  if (!d) return false;
  if (domains.has(d)) return true;
  // Subdomains of an excluded/included domain count too (mail.example.nl under example.nl).
  for (const dom of domains) if (d.endsWith('.' + dom)) return true;
  return false;
}

export interface CompiledFilters {
  /** Returns why the user is filtered out, or undefined to keep it. */
  reasonToSkip(addresses: readonly string[]): string | undefined;
  active: boolean;
}

export function compileFilters(filters: PlanFilters): CompiledFilters {
  const includeEmails = new Set(filters.includeEmails ?? []);
  const excludeEmails = new Set(filters.excludeEmails ?? []);
  const includeDomains = new Set(filters.includeDomains ?? []);
  const excludeDomains = new Set(filters.excludeDomains ?? []);
  const active = includeEmails.size + excludeEmails.size + includeDomains.size + excludeDomains.size > 0;
  return {
    active,
    reasonToSkip(addresses) {
      if (includeEmails.size && !addresses.some((a) => includeEmails.has(a))) {
        return 'not in --include-emails';
      }
      if (includeDomains.size && !addresses.some((a) => inDomains(a, includeDomains))) {
        return 'no address in --include-domains';
      }
      const excludedAddress = addresses.find((a) => excludeEmails.has(a));
      if (excludedAddress) return `${excludedAddress} is in --exclude-emails`;
      const excludedDomain = addresses.find((a) => inDomains(a, excludeDomains));
      if (excludedDomain) return `${excludedDomain} is in an --exclude-domains domain`;
      return undefined;
    },
  };
}

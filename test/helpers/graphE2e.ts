/**
 * Shared setup of the end-to-end tests that run the real CLI against the Zivver emulator and the
 * Entra/Graph emulator (test/sources/graph/cli.e2e.test.ts, test/integration/proxy.e2e.test.ts):
 * Zivver accounts userN@org.nl whose Entra object id is entraId(N), and the --source graph arguments.
 */
import path from 'node:path';
import type { EntraEmulator, EmulatedUser } from './entraEmulator.js';
import { testSecret } from './secrets.js';

/** The Zivver API key of the emulator these tests start. */
export const API_KEY = testSecret('e2e-zivver-key');
/** The Graph client secret the Entra emulator accepts (with characters a form body must encode). */
export const GRAPH_SECRET = testSecret('e2e-graph-secret', { chars: '~.' });

export { entraId, ZIVVER, zivverAccount, zivverId } from './accounts.js';
import { entraId } from './accounts.js';

/** Entra member userN@org.nl (object id entraId(N)). */
export function graphUser(n: number, extra: Partial<EmulatedUser> = {}): EmulatedUser {
  return {
    id: entraId(n),
    mail: `user${n}@org.nl`,
    userPrincipalName: `user${n}@org.nl`,
    proxyAddresses: [`SMTP:user${n}@org.nl`, `smtp:u${n}@org.nl`],
    accountEnabled: true,
    userType: 'Member',
    displayName: `User ${n}`,
    ...extra,
  };
}

/** `--source graph` and everything that points it at the Entra emulator. */
export const graphArgs = (entra: EntraEmulator): string[] => ['--source', 'graph', '--tenant-id', entra.tenantId, '--client-id', entra.clientId, '--authority-host', entra.url, '--graph-url', entra.url];

/** Environment of a CLI run: the Zivver API key and a ledger in dir, plus extra. */
export const cliEnv = (dir: string, extra: Record<string, string> = {}): Record<string, string> => ({
  ZIVVER_API_KEY: API_KEY,
  ZIVVER_KEYTOOL_LEDGER: path.join(dir, 'ledger.jsonl'),
  ...extra,
});

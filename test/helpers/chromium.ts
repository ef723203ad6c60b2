/**
 * Real headless Chromium (Debian's `chromium`, installed by .ci/install-30-chromium.sh) for the HTML
 * report tests: the rendered DOM, a screenshot, a PDF, and the requests the page made.
 *
 * Chromium itself would call home (component updates, sign-in, time checks): every run goes through
 * a proxy on a closed loopback port with every host name unresolvable, so nothing leaves this
 * machine, and the net log tells the page's own requests (initiated by the file's origin) from the
 * browser's.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { skipOrFail } from './skip.js';

let found: string | null | undefined;

export function findChromium(): string | undefined {
  if (found !== undefined) return found ?? undefined;
  found = null;
  for (const name of [process.env.KEYTOOL_CHROMIUM, 'chromium', 'chromium-browser'].filter(Boolean) as string[]) {
    const r = spawnSync(name, ['--version'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0 && /chromium/i.test(r.stdout)) {
      found = name;
      break;
    }
  }
  return found ?? undefined;
}

/** Skips the test (or fails it with KEYTOOL_REQUIRE_ALL=1) when Chromium is missing. */
export function requireChromium(ctx: Mocha.Context): string {
  const c = findChromium();
  if (!c) skipOrFail(ctx, 'chromium not found (install it with .ci/install-30-chromium.sh)');
  return c!;
}

const QUIET = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-default-apps',
  '--no-pings',
  '--disable-domain-reliability',
  '--disable-breakpad',
  '--disable-client-side-phishing-detection',
  '--disable-spell-checking',
  '--safebrowsing-disable-auto-update',
  // Nothing leaves the machine: every request goes to a closed loopback port, no name resolves.
  '--proxy-server=127.0.0.1:9',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  '--hide-scrollbars',
];

/** Runs Chromium once on a local file with a fresh profile; resolves with its stdout. */
export function runChromium(file: string, args: string[], timeoutMs = 90_000): Promise<string> {
  const chromium = findChromium();
  if (!chromium) return Promise.reject(new Error('chromium not found'));
  const profile = mkdtempSync(path.join(os.tmpdir(), 'keytool-chromium-'));
  return new Promise((resolve, reject) => {
    execFile(
      chromium,
      [...QUIET, `--user-data-dir=${profile}`, ...args, pathToFileURL(file).href],
      { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        rmSync(profile, { recursive: true, force: true });
        if (err) reject(new Error(`chromium ${args.join(' ')}: ${err.message}\n${stderr.slice(-2000)}`));
        else resolve(stdout);
      },
    );
  });
}

export interface Loaded {
  /** The DOM after the page's script ran (--dump-dom). */
  dom: string;
  /** URLs the page itself asked for (not the browser's own housekeeping), from Chromium's net log. */
  pageRequests: string[];
}

/** Opens the file, returns the rendered DOM and every request the page made. */
export async function loadPage(file: string, scratch: string): Promise<Loaded> {
  const netLog = path.join(scratch, `net-${path.basename(file)}-${Date.now()}.json`);
  const dom = await runChromium(file, [`--log-net-log=${netLog}`, '--dump-dom']);
  return { dom, pageRequests: pageRequestsFromNetLog(netLog, pathToFileURL(file).href) };
}

/**
 * The page's requests: URL_REQUEST_START_JOB events whose initiator is the page's origin (a file
 * page's origin is opaque: "null") or a file URL; the browser's own requests have no origin.
 */
export function pageRequestsFromNetLog(file: string, pageUrl: string): string[] {
  const log = JSON.parse(readFileSync(file, 'utf8')) as {
    constants: { logEventTypes: Record<string, number> };
    events: { type: number; params?: { url?: string; initiator?: string } }[];
  };
  const start = log.constants.logEventTypes['URL_REQUEST_START_JOB'];
  const urls = new Set<string>();
  for (const e of log.events) {
    if (e.type !== start || !e.params?.url) continue;
    const init = e.params.initiator;
    if (init === undefined || init === 'not an origin') continue;
    if (e.params.url === pageUrl) continue;
    urls.add(e.params.url);
  }
  return [...urls];
}

export async function screenshot(file: string, png: string, width: number, height: number): Promise<void> {
  await runChromium(file, [`--window-size=${width},${height}`, `--screenshot=${png}`]);
}

export async function printToPdf(file: string, pdf: string): Promise<void> {
  await runChromium(file, ['--no-pdf-header-footer', `--print-to-pdf=${pdf}`]);
}

export interface Picture {
  width: number;
  height: number;
  /** Share of pixels that are not (near) white. */
  inked: number;
  /** Distinct colours (RGB, quantised to 4 bits a channel). */
  colours: number;
}

/** Decodes an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes) far enough to measure it. */
export function measurePng(buf: Buffer): Picture {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      const colorType = data[9];
      if (depth !== 8 || (colorType !== 2 && colorType !== 6) || data[12] !== 0) throw new Error(`unsupported PNG (depth ${depth}, colour type ${colorType})`);
      channels = colorType === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  let prev = Buffer.alloc(stride);
  let inked = 0;
  const colours = new Set<number>();
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? line[x - channels]! : 0;
      const b = prev[x]!;
      const c = x >= channels ? prev[x - channels]! : 0;
      const add = filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : 0;
      line[x] = (line[x]! + add) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const r = line[x * channels]!;
      const g = line[x * channels + 1]!;
      const bl = line[x * channels + 2]!;
      if (r < 235 || g < 235 || bl < 235) inked++;
      colours.add(((r >> 4) << 8) | ((g >> 4) << 4) | (bl >> 4));
    }
    prev = line;
  }
  return { width, height, inked: inked / (width * height), colours: colours.size };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

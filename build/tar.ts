/**
 * A minimal reader for the .tgz files `npm pack` writes (ustar, with pax and GNU long-name
 * headers): enough to pull single files out of the node-<os>-<arch> packages without a `tar` binary.
 */
import { gunzipSync } from 'node:zlib';

export interface TarEntry {
  name: string;
  type: string;
  mode: number;
  data: Buffer;
}

function str(buf: Buffer, start: number, len: number): string {
  const s = buf.subarray(start, start + len);
  const nul = s.indexOf(0);
  return s.subarray(0, nul === -1 ? s.length : nul).toString('utf8');
}

function octal(buf: Buffer, start: number, len: number): number {
  // GNU base-256 for sizes ≥ 8 GiB never happens here; plain octal otherwise.
  const s = str(buf, start, len).trim();
  return s ? parseInt(s, 8) : 0;
}

export function* readTar(tgz: Buffer): Generator<TarEntry> {
  const tar = gunzipSync(tgz);
  let off = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 0x30);
    const prefix = str(header, 345, 155);
    let name = str(header, 0, 100);
    if (prefix) name = `${prefix}/${name}`;
    const data = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = str(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      for (const rec of data.toString('utf8').split('\n')) {
        const m = /^\d+ path=(.*)$/.exec(rec);
        if (m) paxPath = m[1];
      }
      continue;
    }
    if (type === 'g') continue;
    yield { name: paxPath ?? longName ?? name, type, mode: octal(header, 100, 8), data: Buffer.from(data) };
    longName = undefined;
    paxPath = undefined;
  }
}

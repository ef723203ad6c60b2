/**
 * A small, dependency-free zip writer (deflate, CRC-32 from node:zlib) for the release archive.
 * Entries are sorted and stamped with one fixed time, so the same inputs give the same bytes.
 * No zip64: the archive and every entry stay far below 4 GiB.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipInput {
  /** Path inside the archive, with forward slashes. */
  name: string;
  data: Buffer;
}

function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getUTCFullYear());
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

export function writeZip(file: string, inputs: ZipInput[], mtime: Date): { entries: number; bytes: number } {
  const { time, date } = dosDateTime(mtime);
  const sorted = [...inputs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const fd = openSync(file, 'w');
  const central: Buffer[] = [];
  let offset = 0;
  const write = (b: Buffer) => {
    writeSync(fd, b);
    offset += b.length;
  };
  try {
    for (const { name, data } of sorted) {
      if (name.startsWith('/') || name.includes('\\') || name.split('/').includes('..')) throw new Error(`bad zip entry name ${name}`);
      const nameBuf = Buffer.from(name, 'utf8');
      const crc = crc32(data) >>> 0;
      const deflated = deflateRawSync(data, { level: 9 });
      const stored = deflated.length >= data.length;
      const body = stored ? data : deflated;
      const method = stored ? 0 : 8;
      const flags = 0x0800; // names are UTF-8
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4); // version needed: 2.0
      local.writeUInt16LE(flags, 6);
      local.writeUInt16LE(method, 8);
      local.writeUInt16LE(time, 10);
      local.writeUInt16LE(date, 12);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(body.length, 18);
      local.writeUInt32LE(data.length, 22);
      local.writeUInt16LE(nameBuf.length, 26);
      local.writeUInt16LE(0, 28);
      const localOffset = offset;
      write(local);
      write(nameBuf);
      write(body);
      const cen = Buffer.alloc(46);
      cen.writeUInt32LE(0x02014b50, 0);
      cen.writeUInt16LE(20, 4); // made by: MS-DOS/FAT, 2.0 (Windows semantics for attributes)
      cen.writeUInt16LE(20, 6);
      cen.writeUInt16LE(flags, 8);
      cen.writeUInt16LE(method, 10);
      cen.writeUInt16LE(time, 12);
      cen.writeUInt16LE(date, 14);
      cen.writeUInt32LE(crc, 16);
      cen.writeUInt32LE(body.length, 20);
      cen.writeUInt32LE(data.length, 24);
      cen.writeUInt16LE(nameBuf.length, 28);
      cen.writeUInt16LE(0, 30); // extra
      cen.writeUInt16LE(0, 32); // comment
      cen.writeUInt16LE(0, 34); // disk
      cen.writeUInt16LE(0, 36); // internal attributes
      cen.writeUInt32LE(0x20, 38); // FILE_ATTRIBUTE_ARCHIVE
      cen.writeUInt32LE(localOffset, 42);
      central.push(cen, nameBuf);
    }
    const cdStart = offset;
    for (const b of central) write(b);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(sorted.length, 8);
    end.writeUInt16LE(sorted.length, 10);
    end.writeUInt32LE(offset - cdStart, 12);
    end.writeUInt32LE(cdStart, 16);
    write(end);
  } finally {
    closeSync(fd);
  }
  return { entries: sorted.length, bytes: offset };
}

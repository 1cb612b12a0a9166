/**
 * Reading a solution zip without trusting it: the central directory is parsed (names and the
 * sizes each entry declares, nothing inflated), and only the entries asked for are inflated, each
 * stopped by zlib the moment its output passes the smaller of what it declares and the budget
 * left. A zip that lies about a size, or hides gigabytes in an entry nobody reads, costs nothing
 * beyond its own bytes. Stored and deflated entries only; no ZIP64, no encryption: a Dataverse
 * solution uses neither.
 */
import { crc32, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  /** As the central directory declares it: a claim, checked while inflating. */
  readonly declaredSize: number;
  readonly localHeaderOffset: number;
  readonly isDirectory: boolean;
}

/** Counts the bytes inflated, so a caller (and a test) can see what a zip cost. */
export interface InflateMeter {
  inflated: number;
}

export class ZipError extends Error {}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** The entries the central directory lists, in its order. Throws ZipError naming what is wrong. */
export function zipEntries(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  // The end record is the last 22 bytes plus a comment of up to 65,535 bytes.
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('no end of central directory record (truncated, or not a zip)');
  const total = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (total === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw new ZipError('is a ZIP64 archive; solution zips are read only in the ordinary zip format');
  if (cdOffset + cdSize > eocd) throw new ZipError(`its central directory (${cdSize} bytes at ${cdOffset}) runs past the end of the file (truncated or damaged?)`);
  const entries: ZipEntry[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let at = cdOffset;
  for (let n = 0; n < total; n++) {
    if (at + 46 > cdOffset + cdSize || view.getUint32(at, true) !== CENTRAL) throw new ZipError(`central directory entry ${n + 1} of ${total} is damaged`);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    if (at + 46 + nameLength > cdOffset + cdSize) throw new ZipError(`central directory entry ${n + 1} of ${total} is damaged`);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    entries.push({
      name,
      flags: view.getUint16(at + 8, true),
      method: view.getUint16(at + 10, true),
      crc32: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      declaredSize: view.getUint32(at + 24, true),
      localHeaderOffset: view.getUint32(at + 42, true),
      isDirectory: name.endsWith('/'),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * The bytes of one entry, inflating at most `max` bytes: an entry that declares more is refused
 * before inflating, one that inflates past what it declares is stopped there. The CRC is checked.
 */
export function readEntry(bytes: Uint8Array, entry: ZipEntry, max: number, meter?: InflateMeter): Uint8Array {
  if (entry.flags & 1) throw new ZipError('is encrypted');
  if (entry.declaredSize > max) throw new ZipError(`inflates to ${entry.declaredSize} bytes as its header declares; the limit is ${max} bytes (zip bomb?); nothing of it was inflated`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const local = entry.localHeaderOffset;
  if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL) throw new ZipError('has no local header where the central directory says (damaged zip?)');
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw new ZipError(`runs past the end of the zip (${entry.compressedSize} compressed bytes declared; truncated?)`);
  const packed = bytes.subarray(start, end);
  let data: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.declaredSize) throw new ZipError(`is stored uncompressed but declares ${entry.declaredSize} bytes for ${entry.compressedSize} (damaged zip?)`);
    data = packed;
  } else if (entry.method === 8) {
    // zlib stops as soon as the output would pass the cap; one byte over the declared size is enough to catch a lie.
    const cap = Math.max(1, entry.declaredSize + 1);
    try {
      data = inflateRawSync(packed, { maxOutputLength: cap });
    } catch (e) {
      if (meter) meter.inflated += cap;
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new ZipError(`inflates to more than the ${entry.declaredSize} bytes it declares; stopped reading (zip bomb?)`);
      throw new ZipError(`cannot be inflated (truncated or damaged zip?): ${(e as Error).message}`);
    }
  } else {
    throw new ZipError(`uses compression method ${entry.method}; only stored (0) and deflate (8) entries are read`);
  }
  if (meter) meter.inflated += data.byteLength;
  if (data.byteLength !== entry.declaredSize) throw new ZipError(`inflates to ${data.byteLength} bytes but declares ${entry.declaredSize} (damaged zip?)`);
  if (crc32(data) !== entry.crc32) throw new ZipError('fails its CRC check (damaged zip?)');
  return data;
}

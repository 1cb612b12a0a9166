/**
 * Hostile solution zips, written byte by byte here so each can lie exactly as an attacker would:
 * a central directory that understates sizes, a zip inside a zip, tens of thousands of entries,
 * one entry of hundreds of megabytes. Each is refused with the file named, and the meter shows
 * that the refusal came without inflating what the zip holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { DEFAULT_SOLUTION_LIMITS, loadSolutionPaths } from './loadSolution';
import type { InflateMeter } from './zipReader';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'roleatlas-zipbomb-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Entry {
  readonly name: string;
  readonly data: Uint8Array;
  /** What the headers claim instead of the truth. */
  readonly declaredSize?: number;
  readonly stored?: boolean;
}

/** A zip as the format has it: local headers with data, then the central directory and its end record. */
function zipBytes(entries: readonly Entry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const packed = e.stored ? Buffer.from(e.data) : deflateRawSync(e.data);
    const size = e.declaredSize ?? e.data.byteLength;
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.stored ? 0 : 8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.stored ? 0 : 8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += 30 + name.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

function write(name: string, entries: readonly Entry[]): string {
  const path = join(tmp, name);
  writeFileSync(path, zipBytes(entries));
  return path;
}

const text = (s: string) => new TextEncoder().encode(s);
const ROLE_XML = text('<Role id="{9f0c1b2a-0000-4000-8000-000000000001}" name="Analyst"><RolePrivileges /></Role>');
const MiB = 1024 * 1024;
/** Zeros inflate at about 1,000:1: 64 MiB of them is 64 KiB in the zip. */
const zeros = (n: number) => new Uint8Array(n);

async function load(path: string, limits = DEFAULT_SOLUTION_LIMITS) {
  const meter: InflateMeter = { inflated: 0 };
  const content = await loadSolutionPaths([path], limits, meter);
  return { content, meter };
}

describe('zip bombs in a solution zip', () => {
  it('stops an entry whose central directory understates its size right after the size it declares', async () => {
    const path = write('liar.zip', [{ name: 'customizations.xml', data: zeros(64 * MiB), declaredSize: 1000 }]);
    const { content, meter } = await load(path);
    expect(content.errors).toEqual([{ file: `${path}!customizations.xml`, message: 'inflates to more than the 1000 bytes it declares; stopped reading (zip bomb?)' }]);
    expect(meter.inflated).toBeLessThanOrEqual(1001);
  });

  it('refuses an entry that declares more than the limit without inflating any of it', async () => {
    const path = write('huge.zip', [{ name: 'customizations.xml', data: zeros(64 * MiB) }]);
    const { content, meter } = await load(path);
    expect(content.errors).toEqual([{ file: `${path}!customizations.xml`, message: `inflates to ${64 * MiB} bytes as its header declares; the limit is ${DEFAULT_SOLUTION_LIMITS.maxBytes} bytes (zip bomb?); nothing of it was inflated` }]);
    expect(meter.inflated).toBe(0);
  });

  it('never inflates an entry it does not read, however large: only the role is inflated', async () => {
    const path = write('unused-huge.zip', [
      { name: 'Roles/Analyst.xml', data: ROLE_XML },
      { name: 'WebResources/huge.bin', data: zeros(300 * MiB) },
    ]);
    const { content, meter } = await load(path);
    expect(content.errors).toEqual([]);
    expect(content.roles.map((r) => r.name)).toEqual(['Analyst']);
    expect(meter.inflated).toBe(ROLE_XML.byteLength);
  });

  it('reads a zip inside a zip as opaque bytes, never unpacking the inner one', async () => {
    const inner = zipBytes([{ name: 'customizations.xml', data: zeros(64 * MiB) }]);
    const path = write('nested.zip', [
      { name: 'Roles/Analyst.xml', data: ROLE_XML },
      { name: 'Roles/Inner.xml', data: inner },
      { name: 'inner.zip', data: inner },
    ]);
    const { content, meter } = await load(path);
    expect(content.roles.map((r) => r.name)).toEqual(['Analyst']);
    expect(content.errors).toEqual([expect.objectContaining({ file: `${path}!Roles/Inner.xml`, message: expect.stringMatching(/^not well-formed XML/) })]);
    expect(meter.inflated).toBe(ROLE_XML.byteLength + inner.byteLength);
  });

  it('refuses a zip of more entries than the limit before inflating any', async () => {
    const path = write('many.zip', Array.from({ length: 20_001 }, (_, i) => ({ name: `Roles/r${i}.xml`, data: ROLE_XML, stored: true })));
    const { content, meter } = await load(path);
    expect(content.errors).toEqual([{ file: path, message: 'zip has 20001 entries; the limit is 20000' }]);
    expect(meter.inflated).toBe(0);
  });

  it('stops at the budget for the whole zip when many small entries add up, naming the entry where it stopped', async () => {
    const limits = { ...DEFAULT_SOLUTION_LIMITS, maxBytes: MiB, maxZipUncompressedBytes: 4 * MiB };
    const path = write('many-small.zip', Array.from({ length: 50 }, (_, i) => ({ name: `Roles/r${String(i).padStart(2, '0')}.xml`, data: zeros(MiB / 2) })));
    const { content, meter } = await load(path, limits);
    const last = content.errors.at(-1)!;
    expect(last.file).toBe(`${path}!Roles/r08.xml`);
    expect(last.message).toMatch(/the zip's entries to read come to more than 4194304 bytes uncompressed \(the limit for one zip\); stopped before this entry/);
    expect(meter.inflated).toBeLessThanOrEqual(4 * MiB);
  });

  it('names a damaged entry and reads the rest', async () => {
    const path = write('crc.zip', [
      { name: 'Roles/Analyst.xml', data: ROLE_XML },
      { name: 'Roles/Broken.xml', data: ROLE_XML, stored: true, declaredSize: ROLE_XML.byteLength + 1 },
    ]);
    const { content } = await load(path);
    expect(content.roles.map((r) => r.name)).toEqual(['Analyst']);
    expect(content.errors).toEqual([{ file: `${path}!Roles/Broken.xml`, message: expect.stringMatching(/stored uncompressed but declares/) }]);
  });
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import JSZip from 'jszip';
import { DEFAULT_XML_LIMITS, parseXml, type XmlLimits } from '../xml/safeXml';
import { emptyContent, readSolutionDocument, type SolutionContent } from './readSolution';

/**
 * Reads solution files from disk: a role or profiles .xml, a customizations.xml, an unpacked
 * solution folder (Roles/*.xml, Other/FieldSecurityProfiles.xml, Other/Customizations.xml) or a
 * solution .zip. Problems are collected, never thrown, so one run reports every bad file.
 */
export interface SolutionLimits extends XmlLimits {
  /** A solution zip is read whole into memory. */
  readonly maxZipBytes: number;
  readonly maxZipEntries: number;
  /** Uncompressed bytes read out of one zip, over every entry we open: the zip-bomb guard. */
  readonly maxZipUncompressedBytes: number;
}

export const DEFAULT_SOLUTION_LIMITS: SolutionLimits = {
  ...DEFAULT_XML_LIMITS,
  maxZipBytes: 100 * 1024 * 1024,
  maxZipEntries: 20_000,
  maxZipUncompressedBytes: 200 * 1024 * 1024,
};

/** Entries of a solution (zipped or unpacked) that can hold roles or field security profiles. */
export function isSecurityEntry(path: string): boolean {
  const p = path.replace(/\\/g, '/').replace(/^\/+/, '').toLowerCase();
  return p === 'customizations.xml' || p === 'other/customizations.xml' || p === 'other/fieldsecurityprofiles.xml' || /^roles\/[^/]+\.xml$/.test(p);
}

export async function loadSolutionPaths(paths: readonly string[], limits: SolutionLimits = DEFAULT_SOLUTION_LIMITS): Promise<SolutionContent> {
  const content = emptyContent();
  for (const path of paths) await loadPath(path, limits, content);
  return content;
}

async function loadPath(path: string, limits: SolutionLimits, into: SolutionContent): Promise<void> {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return void into.errors.push({ file: path, message: 'not found' });
  }
  if (stat.isDirectory()) return loadFolder(path, limits, into);
  if (/\.zip$/i.test(path)) return loadZip(path, stat.size, limits, into);
  if (stat.size > limits.maxBytes) return void into.errors.push({ file: path, message: `file is ${stat.size} bytes; the limit is ${limits.maxBytes} bytes` });
  readXml(readFileSync(path), path, limits, into);
}

function readXml(bytes: Uint8Array | string, file: string, limits: XmlLimits, into: SolutionContent): void {
  const r = parseXml(bytes, file, limits);
  if (!r.ok) into.errors.push(r.error);
  else readSolutionDocument(r.root, file, into);
}

/** Child names of a folder, matched without case: solutions unpacked on Windows vary. */
function entryNamed(dir: string, name: string): string | undefined {
  try {
    const hit = readdirSync(dir).find((n) => n.toLowerCase() === name.toLowerCase());
    return hit === undefined ? undefined : join(dir, hit);
  } catch {
    return undefined;
  }
}

async function loadFolder(dir: string, limits: SolutionLimits, into: SolutionContent): Promise<void> {
  const files: string[] = [];
  const roles = entryNamed(dir, 'Roles');
  if (roles && statSync(roles).isDirectory()) {
    for (const n of readdirSync(roles).sort()) if (/\.xml$/i.test(n)) files.push(join(roles, n));
  }
  const other = entryNamed(dir, 'Other');
  for (const name of ['FieldSecurityProfiles.xml', 'Customizations.xml']) {
    const f = other ? entryNamed(other, name) : undefined;
    if (f) files.push(f);
  }
  const top = entryNamed(dir, 'customizations.xml');
  if (top) files.push(top);
  if (!files.length) return void into.errors.push({ file: dir, message: 'is not an unpacked solution: no Roles/*.xml, Other/FieldSecurityProfiles.xml or customizations.xml in it' });
  for (const f of files) await loadPath(f, limits, into);
}

async function loadZip(path: string, size: number, limits: SolutionLimits, into: SolutionContent): Promise<void> {
  if (size > limits.maxZipBytes) return void into.errors.push({ file: path, message: `zip is ${size} bytes; the limit is ${limits.maxZipBytes} bytes` });
  await readZip(readFileSync(path), path, limits, into);
}

/** Reads a solution zip already in memory (the app passes the bytes of a dropped file). */
export async function readZip(bytes: Uint8Array, label: string, limits: SolutionLimits, into: SolutionContent): Promise<void> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes, { checkCRC32: true });
  } catch (e) {
    return void into.errors.push({ file: label, message: `is not a readable zip (truncated or damaged?): ${(e as Error).message}` });
  }
  const entries = Object.values(zip.files).filter((f) => !f.dir);
  if (entries.length > limits.maxZipEntries) return void into.errors.push({ file: label, message: `zip has ${entries.length} entries; the limit is ${limits.maxZipEntries}` });
  const wanted = entries.filter((f) => isSecurityEntry(f.name)).sort((a, b) => a.name.localeCompare(b.name));
  if (!wanted.length) return void into.errors.push({ file: label, message: 'zip holds no customizations.xml, Roles/*.xml or Other/FieldSecurityProfiles.xml' });
  let budget = limits.maxZipUncompressedBytes;
  for (const entry of wanted) {
    const file = `${label}!${entry.name}`;
    const bytes = await readEntry(entry, Math.min(limits.maxBytes, budget));
    if ('error' in bytes) {
      into.errors.push({ file, message: bytes.error });
      if (bytes.stop) return;
      continue;
    }
    budget -= bytes.data.byteLength;
    readXml(bytes.data, file, limits, into);
  }
}

type EntryBytes = { data: Uint8Array } | { error: string; stop: boolean };

/**
 * Inflates one entry, stopping as soon as it passes `max` bytes: the sizes a zip declares can lie,
 * so the guard counts what actually comes out.
 */
function readEntry(entry: JSZip.JSZipObject, max: number): Promise<EntryBytes> {
  const declared = (entry as unknown as { _data?: { uncompressedSize?: number } })._data?.uncompressedSize;
  if (typeof declared === 'number' && declared > max) return Promise.resolve({ error: `entry inflates to ${declared} bytes; the limit is ${max} bytes`, stop: true });
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    let done = false;
    const stream = entry.nodeStream('nodebuffer') as NodeJS.ReadableStream & { destroy?: () => void };
    stream
      .on('data', (chunk: Uint8Array) => {
        if (done) return;
        total += chunk.byteLength;
        if (total > max) {
          done = true;
          stream.pause();
          stream.destroy?.();
          resolve({ error: `entry inflates to more than ${max} bytes; stopped reading (zip bomb?)`, stop: true });
          return;
        }
        chunks.push(chunk);
      })
      .on('error', (e: Error) => {
        if (done) return;
        done = true;
        resolve({ error: `cannot be inflated (truncated or damaged zip?): ${e.message}`, stop: false });
      })
      .on('end', () => {
        if (done) return;
        done = true;
        const data = new Uint8Array(total);
        let at = 0;
        for (const c of chunks) {
          data.set(c, at);
          at += c.byteLength;
        }
        resolve({ data });
      });
  });
}

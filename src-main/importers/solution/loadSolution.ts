import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_XML_LIMITS, parseXml, type XmlLimits } from '../xml/safeXml';
import { emptyContent, readSolutionDocument, type SolutionContent } from './readSolution';
import { ZipError, readEntry, zipEntries, type InflateMeter, type ZipEntry } from './zipReader';

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

export async function loadSolutionPaths(paths: readonly string[], limits: SolutionLimits = DEFAULT_SOLUTION_LIMITS, meter?: InflateMeter): Promise<SolutionContent> {
  const content = emptyContent();
  for (const path of paths) await loadPath(path, limits, content, meter);
  return content;
}

async function loadPath(path: string, limits: SolutionLimits, into: SolutionContent, meter?: InflateMeter): Promise<void> {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return void into.errors.push({ file: path, message: 'not found' });
  }
  if (stat.isDirectory()) return loadFolder(path, limits, into);
  if (/\.zip$/i.test(path)) return loadZip(path, stat.size, limits, into, meter);
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

async function loadZip(path: string, size: number, limits: SolutionLimits, into: SolutionContent, meter?: InflateMeter): Promise<void> {
  if (size > limits.maxZipBytes) return void into.errors.push({ file: path, message: `zip is ${size} bytes; the limit is ${limits.maxZipBytes} bytes` });
  await readZip(readFileSync(path), path, limits, into, meter);
}

/**
 * Reads a solution zip already in memory (the app passes the bytes of a dropped file). Only the
 * entries that can hold roles or profiles are inflated, each capped by what it declares and by
 * the budget left (zipReader.ts); the first entry past the budget stops the whole zip.
 */
export async function readZip(bytes: Uint8Array, label: string, limits: SolutionLimits, into: SolutionContent, meter?: InflateMeter): Promise<void> {
  let entries: ZipEntry[];
  try {
    entries = zipEntries(bytes).filter((e) => !e.isDirectory);
  } catch (e) {
    return void into.errors.push({ file: label, message: `is not a readable zip (truncated or damaged?): ${(e as Error).message}` });
  }
  if (entries.length > limits.maxZipEntries) return void into.errors.push({ file: label, message: `zip has ${entries.length} entries; the limit is ${limits.maxZipEntries}` });
  const wanted = entries.filter((f) => isSecurityEntry(f.name)).sort((a, b) => a.name.localeCompare(b.name));
  if (!wanted.length) return void into.errors.push({ file: label, message: 'zip holds no customizations.xml, Roles/*.xml or Other/FieldSecurityProfiles.xml' });
  let budget = limits.maxZipUncompressedBytes;
  for (const entry of wanted) {
    const file = `${label}!${entry.name}`;
    if (entry.declaredSize > budget && budget < limits.maxBytes) {
      return void into.errors.push({ file, message: `the zip's entries to read come to more than ${limits.maxZipUncompressedBytes} bytes uncompressed (the limit for one zip); stopped before this entry of ${entry.declaredSize} bytes (zip bomb?)` });
    }
    let data: Uint8Array;
    try {
      data = readEntry(bytes, entry, Math.min(limits.maxBytes, budget), meter);
    } catch (e) {
      into.errors.push({ file, message: (e as Error).message });
      // A lie about sizes or a bomb ends the zip; a damaged entry is reported and the rest read.
      if (e instanceof ZipError && /zip bomb/.test(e.message)) return;
      continue;
    }
    budget -= data.byteLength;
    readXml(data, file, limits, into);
  }
}

import { readFileSync, statSync } from 'node:fs';
import { CliError } from './errors';
import { fromInterchange } from '../core/interchange/toState';
import { writeAtomically as writeFileAtomically, writeInterchange } from '../files/atomicWrite';
import type { OrgState } from '../core/model/org';

/** Larger inputs are refused before parsing: an interchange file of the benchmark organization is ~150 MB. */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024;

export function readJson(path: string, what: string): unknown {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new CliError(`${what} ${path}: file not found`);
  }
  if (size > MAX_INPUT_BYTES) throw new CliError(`${what} ${path}: file is ${size} bytes; the limit is ${MAX_INPUT_BYTES}`);
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new CliError(`${what} ${path}: not valid JSON (${(e as Error).message})`);
  }
}

export function loadOrg(path: string): OrgState {
  const r = fromInterchange(readJson(path, 'organization file'));
  if (!r.ok) throw new CliError(`organization file ${path}: ${r.error.message}`);
  return r.value;
}

/** Writes through a temporary file renamed over the target (see files/atomicWrite.ts); a failure names the file. */
export function writeAtomically(path: string, write: (chunk: (text: string) => void) => void): void {
  try {
    writeFileAtomically(path, write);
  } catch (e) {
    throw new CliError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

export function writeOrg(path: string, state: OrgState): void {
  writeAtomically(path, (out) => writeInterchange(state, out));
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { CliError } from './errors';
import { fromInterchange } from '../core/interchange/toState';
import { toInterchange } from '../core/interchange/fromState';
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

/**
 * Writes through a temporary file in the same folder, then renames it over the target, so a
 * crash leaves either the old file or the new one. Rows are written one by one to keep memory flat.
 */
export function writeAtomically(path: string, write: (chunk: (text: string) => void) => void): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    let buffer = '';
    const chunk = (text: string) => {
      buffer += text;
      if (buffer.length > 1 << 20) {
        writeSync(fd, buffer);
        buffer = '';
      }
    };
    write(chunk);
    writeSync(fd, buffer);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    rmSync(tmp, { force: true });
    throw new CliError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

export function writeOrg(path: string, state: OrgState): void {
  const file = toInterchange(state) as unknown as Record<string, unknown>;
  writeAtomically(path, (out) => {
    out('{');
    let first = true;
    for (const [key, value] of Object.entries(file)) {
      out(`${first ? '' : ','}\n  ${JSON.stringify(key)}: `);
      first = false;
      if (Array.isArray(value)) {
        out('[');
        value.forEach((row, i) => out(`${i ? ',' : ''}\n    ${JSON.stringify(row)}`));
        out(value.length ? '\n  ]' : ']');
      } else out(JSON.stringify(value));
    }
    out('\n}\n');
  });
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

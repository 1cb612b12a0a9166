import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { toInterchange } from '../core/interchange/fromState';
import type { OrgState } from '../core/model/org';

/**
 * Writes through a temporary file in the same folder, renamed over the target when complete: a
 * crash or a failure leaves the earlier file (or none), never half of one. Text is buffered into
 * 1 MB writes. Returns the bytes written.
 */
export function writeAtomically(path: string, write: (out: (text: string) => void) => void): number {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`);
  const fd = openSync(tmp, 'w');
  let bytes = 0;
  try {
    let buffer = '';
    const flush = () => {
      bytes += writeSync(fd, buffer);
      buffer = '';
    };
    write((t) => {
      buffer += t;
      if (buffer.length > 1 << 20) flush();
    });
    flush();
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
    return bytes;
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** The interchange file one row per line, written row by row rather than built as one string. */
export function writeInterchange(state: OrgState, out: (text: string) => void): void {
  const file = toInterchange(state) as unknown as Record<string, unknown>;
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
}

/** An organization as an interchange file, atomically. Returns the bytes written. */
export function writeOrgFile(path: string, state: OrgState): number {
  return writeAtomically(path, (out) => writeInterchange(state, out));
}

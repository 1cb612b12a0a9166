import { chmodSync, closeSync, copyFileSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';

/**
 * The vault folder is 0700 and every file in it 0600: the files are encrypted, but a copy is all
 * an offline passphrase guess needs, so other local users get none. Windows ignores the modes.
 */
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Creates the folder (and parents) if needed and makes the vault folder itself 0700. */
export function ensureVaultDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  chmodSync(dir, DIR_MODE);
}

/** Writes a whole file 0600 and syncs it (the caller renames it into place). */
export function writeFileSecure(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, 'w', FILE_MODE);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, FILE_MODE);
}

/** copyFileSync keeps the source's mode, which may predate this rule: the copy is set to 0600. */
export function copyFileSecure(from: string, to: string): void {
  copyFileSync(from, to);
  chmodSync(to, FILE_MODE);
  const fd = openSync(to, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

import { chmodSync, existsSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { seal, unseal } from './crypto';
import { VaultError } from './errors';
import { copyFileSecure, DIR_MODE, FILE_MODE } from './fileModes';
import { headerSchema, type VaultHeader } from './header';
import { syncDir } from './journalFile';
import { confStore, type DocumentStore, type StoreFactory } from './store';

/**
 * The vault's own files besides the journal: vault.json and its exact copy vault.json.bak,
 * snapshot.rav and its backup snapshot.rav.bak, and what an interrupted write leaves behind.
 */

export const HEADER_FILE = 'vault.json';
/** An exact copy of vault.json, rewritten with it: a damaged header is put back from it. */
export const HEADER_COPY = 'vault.json.bak';
const SNAPSHOT = { name: 'snapshot', extension: 'rav' } as const;
export const SNAPSHOT_FILE = 'snapshot.rav';
const SNAPSHOT_PREFIX = 'RAVS1 ';

/** A vault folder: vault.json or, when that was lost, its copy. */
export function vaultExists(dir: string): boolean {
  return existsSync(join(dir, HEADER_FILE)) || existsSync(join(dir, HEADER_COPY));
}

export function vaultFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/**
 * `to` replaced by a copy of `from` in one rename, so a crash leaves the old `to` or the whole
 * copy, never part of one: the snapshot's backup, vault.json's copy, vault.json put back.
 */
export function copyIntoPlace(from: string, to: string): void {
  const tmp = `${to}.tmp`;
  copyFileSecure(from, tmp);
  renameSync(tmp, to);
}

function headerStore(dir: string, store: StoreFactory, extension = 'json'): DocumentStore<VaultHeader> {
  const file = join(dir, `vault.${extension}`);
  return store<VaultHeader>({
    cwd: dir,
    name: 'vault',
    extension,
    serialize: (v) => JSON.stringify(v, null, 2),
    deserialize: (text) => {
      const parsed = headerSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new VaultError('not-a-vault', `${file} is not a RoleAtlas vault header (${parsed.error.issues[0].message})`, file);
      return parsed.data;
    },
  });
}

/** vault.json, then its exact copy: a crash between the two leaves a copy that verify reports and restore-backup rewrites. */
export function writeHeaderFiles(dir: string, header: VaultHeader, store: StoreFactory): void {
  headerStore(dir, store).write(header);
  headerStore(dir, store, 'json.bak').write(header);
  syncDir(dir);
}

export function readHeaderFile(dir: string, store: StoreFactory, extension: string): VaultHeader {
  const file = join(dir, `vault.${extension}`);
  try {
    const h = headerStore(dir, store, extension).read();
    if (!h) throw new VaultError('not-a-vault', `${file} is missing`, file);
    return h;
  } catch (e) {
    if (e instanceof VaultError) throw e;
    throw new VaultError('not-a-vault', `${file} cannot be read: ${(e as Error).message}`, file);
  }
}

/** vault.json; when it is missing or unreadable but its copy reads, that is damage (restore-backup puts the copy back). */
export function readHeader(dir: string, store: StoreFactory = confStore): VaultHeader {
  if (!vaultExists(dir)) throw new VaultError('not-a-vault', `${dir} is not a vault (no vault.json); create one with roleatlas vault init`);
  try {
    return readHeaderFile(dir, store, 'json');
  } catch (e) {
    const file = join(dir, HEADER_FILE);
    try {
      readHeaderFile(dir, store, 'json.bak');
    } catch {
      throw e;
    }
    throw new VaultError('tampered', `${file} is missing or damaged (${(e as Error).message}); its copy ${HEADER_COPY} is intact`, file);
  }
}

/** After vault.json refused the unlock: if its copy differs and unlocks, vault.json was altered, not the passphrase wrong. */
export async function headerCopyVerdict(dir: string, store: StoreFactory, e: unknown, unwrap: (copy: VaultHeader) => Promise<Buffer>): Promise<unknown> {
  const copy = differingCopy(dir, store, e);
  if (!copy) return e;
  try {
    (await unwrap(copy)).fill(0);
  } catch {
    return e;
  }
  return new VaultError('tampered', `${join(dir, HEADER_FILE)} was altered: the passphrase unlocks its copy ${HEADER_COPY} but not it`, join(dir, HEADER_FILE));
}

function differingCopy(dir: string, store: StoreFactory, e: unknown): VaultHeader | null {
  if (!(e instanceof VaultError) || e.code !== 'wrong-passphrase') return null;
  if (!existsSync(join(dir, HEADER_COPY)) || headerCopyMatches(dir)) return null;
  try {
    return readHeaderFile(dir, store, 'json.bak');
  } catch {
    return null;
  }
}

/** snapshot.rav: "RAVS1 " then base64 of iv | AES-256-GCM(body) | tag, the AAD binding format, kind and vault. */
export function snapshotStore(dir: string, header: VaultHeader, key: Buffer, store: StoreFactory, extension: 'rav' | 'rav.bak' = 'rav'): DocumentStore<{ body: Buffer }> {
  const aad = Buffer.from(`roleatlas/vault@1|snapshot|${header.vaultid}`);
  const file = join(dir, `${SNAPSHOT.name}.${extension}`);
  return store<{ body: Buffer }>({
    cwd: dir,
    name: SNAPSHOT.name,
    extension,
    serialize: (v) => SNAPSHOT_PREFIX + seal(key, v.body as Buffer, aad).toString('base64'),
    deserialize: (text) => {
      if (!text.startsWith(SNAPSHOT_PREFIX)) throw new VaultError('tampered', `${file} is not a vault snapshot of this format (it was altered or replaced)`, file);
      return { body: unseal(key, Buffer.from(text.slice(SNAPSHOT_PREFIX.length), 'base64'), aad, file, file) };
    },
  });
}

/** Whether vault.json.bak is there and byte for byte vault.json. */
export function headerCopyMatches(dir: string): boolean {
  const copy = join(dir, HEADER_COPY);
  return existsSync(copy) && readFileSync(copy).equals(readFileSync(join(dir, HEADER_FILE)));
}

/** After an open for writing: leftovers of interrupted writes removed, the folder 0700 and its files 0600. */
export function tidyFolder(dir: string): void {
  for (const f of readdirSync(dir)) {
    const path = join(dir, f);
    if (/^snapshot\.rav(\.bak)?\.tmp(-.*)?$|^snapshot\.rav\.restore\.tmp$|^vault\.json(\.bak)?\.tmp(-.*)?$|^journal\.head\.tmp$|^audit-\d+-\d+\.rav\.tmp$|^writer\.lock\..*\.tmp$/.test(f)) {
      unlinkSync(path);
      continue;
    }
    try {
      if (statSync(path).isFile()) chmodSync(path, FILE_MODE);
    } catch {
      /* Windows, or a file owned by someone else: reported by nobody, the folder mode still guards it */
    }
  }
  try {
    chmodSync(dir, DIR_MODE);
  } catch {
    /* as above */
  }
}

import { emptyOrg } from '../core/model/org';
import { GENESIS } from './audit';
import { newDataKey, tuneScrypt, type ScryptParams } from './crypto';
import { VaultError } from './errors';
import { ensureVaultDir } from './fileModes';
import { headerCopyVerdict, readHeader, snapshotStore, vaultExists, writeHeaderFiles } from './files';
import type { SnapshotMeta } from './frames';
import { newHeader, unwrapForDevice, unwrapWithPassphrase, type VaultHeader } from './header';
import type { KeyProtector } from './keyProtector';
import { segmentPath, SegmentWriter, syncDir } from './journalFile';
import { writeHeadFresh } from './journalHead';
import { readVault, type Loaded } from './replay';
import { DEFAULT_SETTINGS } from './settings';
import { encodeState } from './snapshotCodec';
import { confStore, type StoreFactory } from './store';
import { lockHolder, WriterLock } from './writerLock';

/** Getting from a folder to what a Vault is built from: files created, the key unwrapped, the state read under the writer lock. */

export interface VaultOptions {
  /** The local admin profile written in the journal and the audit log. */
  readonly actor: string;
  readonly now?: () => Date;
  /** conf by default; electron-store in the app. */
  readonly store?: StoreFactory;
  /** Frames in the journal after which a snapshot is written in the background. */
  readonly compactAfter?: number;
  readonly compactDelayMs?: number;
  /**
   * 'write' (the default) holds the vault's writer lock (writer.lock) from open until lock() or
   * exit, so no other process writes meanwhile. 'read' takes no lock and refuses every write
   * with VaultError('read-only'): for commands that only look.
   */
  readonly access?: 'read' | 'write';
  /** What another process's refusal names as the holder: "RoleAtlas (desktop app)", "roleatlas apply". */
  readonly program?: string;
  /** How long open() waits for another writer to let go before refusing with VaultError('busy'); 0 by default. */
  readonly lockWaitMs?: number;
}
export type Unlock = { readonly passphrase: string } | { readonly protector: KeyProtector };

export function lockOptions(options: VaultOptions): { program: string; waitMs: number } {
  return { program: options.program ?? `${process.argv.slice(1, 3).join(' ')}`, waitMs: options.lockWaitMs ?? 0 };
}

/** The files of a new vault holding an empty organization, under the writer lock the new vault then holds. */
export async function createFiles(dir: string, passphrase: string, options: VaultOptions & { kdf?: ScryptParams }): Promise<{ header: VaultHeader; key: Buffer; lock: WriterLock }> {
  if (vaultExists(dir)) throw new VaultError('exists', `${dir} already holds a vault`);
  if (passphrase.length < 8) throw new VaultError('invalid', 'the passphrase must be at least 8 characters');
  ensureVaultDir(dir);
  const lock = await WriterLock.acquire(dir, lockOptions(options));
  try {
    if (vaultExists(dir)) throw new VaultError('exists', `${dir} already holds a vault`);
    const key = newDataKey();
    const header = await newHeader(key, passphrase, options.kdf ?? (await tuneScrypt()), (options.now ?? (() => new Date()))());
    const meta: SnapshotMeta = { format: 'roleatlas/snapshot@1', n: 0, seq: 0, auditHead: GENESIS, undo: [], redo: [], pending: [], staged: [], settings: DEFAULT_SETTINGS, journalHead: true };
    // The snapshot, the first segment and the head go first: a vault.json only ever points at a whole vault.
    snapshotStore(dir, header, key, options.store ?? confStore).write({ body: encodeState(emptyOrg('New organization'), meta as unknown as Record<string, unknown>) });
    new SegmentWriter({ start: 1, path: segmentPath(dir, 1) }).close();
    writeHeadFresh(dir, key, header.vaultid, { c: 0, n: 0, last: '', segment: 1, seq: 0, snapshot: 0 });
    writeHeaderFiles(dir, header, options.store ?? confStore);
    syncDir(dir);
    return { header, key, lock };
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** vault.json and the data key it wraps; a refusal that its intact copy would not give names vault.json as altered. */
export async function unlockKey(dir: string, unlock: Unlock, store: StoreFactory): Promise<{ header: VaultHeader; key: Buffer }> {
  const header = readHeader(dir, store);
  const unwrap = (h: VaultHeader) => ('passphrase' in unlock ? unwrapWithPassphrase(h, unlock.passphrase) : unwrapForDevice(h, unlock.protector));
  try {
    return { header, key: await unwrap(header) };
  } catch (e) {
    throw await headerCopyVerdict(dir, store, e, unwrap);
  }
}

/**
 * The state read strictly, under the writer lock (taken here unless `held`) when opening for
 * writing. On failure the lock is released and the key zeroed.
 */
export async function readForOpen(dir: string, header: VaultHeader, key: Buffer, options: VaultOptions, held: WriterLock | null): Promise<{ loaded: Loaded; lock: WriterLock | null }> {
  const store = options.store ?? confStore;
  let lock = held;
  try {
    if (!lock && (options.access ?? 'write') === 'write') lock = await WriterLock.acquire(dir, lockOptions(options));
    if (lock) return { loaded: readVault(dir, header, key, store, { extension: 'rav' }), lock };
    // A reader takes no lock: a writer's snapshot landing between the reader's reads of the
    // snapshot and the head looks like damage for a moment. Read again before saying so.
    for (let attempt = 1; ; attempt++) {
      try {
        return { loaded: readVault(dir, header, key, store, { extension: 'rav' }), lock: null };
      } catch (e) {
        if (!(e instanceof VaultError && e.code === 'tampered' && attempt < 3 && lockHolder(dir))) throw e;
      }
    }
  } catch (e) {
    lock?.release();
    key.fill(0);
    throw e;
  }
}

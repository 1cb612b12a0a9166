import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { VaultError } from './errors';
import { copyFileSecure } from './fileModes';
import { copyIntoPlace, HEADER_COPY, HEADER_FILE, headerCopyMatches, readHeaderFile, SNAPSHOT_FILE, vaultExists } from './files';
import { unwrapWithPassphrase, type VaultHeader } from './header';
import { syncDir } from './journalFile';
import { headPath } from './journalHead';
import { lockOptions, type VaultOptions } from './open';
import { readVault, type Loaded } from './replay';
import { confStore, type StoreFactory } from './store';
import { WriterLock } from './writerLock';

/** What restore-backup did and what it could not bring back. */
export interface RestoreReport {
  /** The snapshot the state was rebuilt from. */
  readonly from: 'snapshot.rav' | 'snapshot.rav.bak';
  /** The damaged snapshot.rav, moved aside, or null (a readable snapshot.rav is never moved). */
  readonly damaged: string | null;
  /** Every file moved aside (renamed, never deleted): damaged files and journal segments past the damage. */
  readonly movedAside: readonly string[];
  /** The journal position the vault now ends at. */
  readonly restoredFrame: number;
  /** Acknowledged edits the surviving files cannot bring back: journal positions and audit entries (seq), inclusive. */
  readonly lost: { readonly frames: readonly [number, number]; readonly auditEntries: readonly [number, number] | null } | null;
  /** True when journal.head was unreadable, so edits after restoredFrame can be neither proven nor ruled out. */
  readonly headUnknown: boolean;
  /** True when vault.json was damaged and put back from its copy. */
  readonly headerRestored: boolean;
}

/** What a restore rebuilt, for the vault to anchor: it then holds the key and the lock. */
export interface Salvaged {
  readonly header: VaultHeader;
  readonly key: Buffer;
  readonly loaded: Loaded;
  readonly lock: WriterLock;
  readonly report: RestoreReport;
}

/**
 * The newest state a damaged vault's surviving files prove. vault.json is put back from its copy
 * if needed; the state is rebuilt from snapshot.rav, or from snapshot.rav.bak when that gets
 * further, replaying the journal up to the first damage. A readable snapshot.rav is never moved
 * aside; damaged files and the journal segments after the damage are renamed
 * (`*.damaged-<time>`), never deleted or overwritten. The report names the acknowledged edits
 * (journal positions, audit entries) that journal.head records and the files no longer hold.
 */
export async function salvage(dir: string, passphrase: string, options: VaultOptions): Promise<Salvaged> {
  const store = options.store ?? confStore;
  const stamp = `damaged-${Date.now()}`;
  const movedAside: string[] = [];
  const aside = (path: string): string => {
    const to = `${path}.${stamp}`;
    renameSync(path, to);
    movedAside.push(to);
    return to;
  };
  if (!vaultExists(dir)) throw new VaultError('not-a-vault', `${dir} is not a vault (no vault.json); there is nothing to restore`);
  // Nothing is touched, not even vault.json, while another program holds the vault.
  const lock = await WriterLock.acquire(dir, lockOptions(options));
  let key: Buffer | null = null;
  try {
    const restored = await restoreHeader(dir, passphrase, store, aside);
    const { header, headerRestored } = restored;
    key = restored.key;
    const tried: { from: RestoreReport['from']; loaded?: Loaded; error?: unknown }[] = (['rav', 'rav.bak'] as const).map((extension) => {
      try {
        return { from: `snapshot.${extension}` as const, loaded: readVault(dir, header, key!, store, { extension, salvage: true }) };
      } catch (error) {
        return { from: `snapshot.${extension}` as const, error };
      }
    });
    const usable = tried.filter((t) => t.loaded);
    if (!usable.length) {
      const why = tried.map((t) => `${t.from}: ${t.error instanceof Error ? t.error.message : String(t.error)}`).join('; ');
      throw new VaultError('no-backup', `nothing in ${dir} can be restored: ${why}`);
    }
    // The furthest journal position wins; snapshot.rav on a tie, so a readable one stays where it is.
    const best = usable.reduce((a, b) => (b.loaded!.last.n > a.loaded!.last.n ? b : a));
    const loaded = best.loaded!;
    const snapPath = join(dir, SNAPSHOT_FILE);
    const damaged = best.from === 'snapshot.rav.bak' && existsSync(snapPath) ? aside(snapPath) : null;
    for (const seg of loaded.beyond) if (existsSync(seg.path)) aside(seg.path);
    if (loaded.tail.torn && existsSync(loaded.tail.segment.path)) {
      // The segment holding the damage: the original kept aside, its good frames kept in place.
      const original = `${loaded.tail.segment.path}.${stamp}`;
      copyFileSecure(loaded.tail.segment.path, original);
      movedAside.push(original);
    }
    // A damaged head may have lost its newest copy: what it records is then a lower bound.
    const headUnknown = !loaded.head || loaded.headProblem !== undefined;
    if (existsSync(headPath(dir)) && (loaded.headProblem || loaded.stoppedAt)) aside(headPath(dir));
    const head = loaded.head;
    const lost =
      head && head.n > loaded.last.n
        ? { frames: [loaded.last.n + 1, head.n] as const, auditEntries: head.seq > loaded.meta.seq ? ([loaded.meta.seq + 1, head.seq] as const) : null }
        : null;
    return { header, key, loaded, lock, report: { from: best.from, damaged, movedAside, restoredFrame: loaded.last.n, lost, headUnknown, headerRestored } };
  } catch (e) {
    lock.release();
    key?.fill(0);
    throw e;
  }
}

/** restore-backup's first step: the header that unlocks, vault.json put back from its copy if needed, the copy rewritten if it differs. */
async function restoreHeader(dir: string, passphrase: string, store: StoreFactory, aside: (path: string) => string): Promise<{ header: VaultHeader; key: Buffer; headerRestored: boolean }> {
  const main = join(dir, HEADER_FILE);
  const copy = join(dir, HEADER_COPY);
  try {
    const header = readHeaderFile(dir, store, 'json');
    const key = await unwrapWithPassphrase(header, passphrase);
    if (!headerCopyMatches(dir)) {
      if (existsSync(copy)) aside(copy);
      copyIntoPlace(main, copy);
      syncDir(dir);
    }
    return { header, key, headerRestored: false };
  } catch (e) {
    if (!existsSync(copy)) throw e;
    let header: VaultHeader;
    let key: Buffer;
    try {
      header = readHeaderFile(dir, store, 'json.bak');
      key = await unwrapWithPassphrase(header, passphrase);
    } catch {
      throw e;
    }
    if (existsSync(main)) aside(main);
    copyIntoPlace(copy, main);
    syncDir(dir);
    return { header, key, headerRestored: true };
  }
}

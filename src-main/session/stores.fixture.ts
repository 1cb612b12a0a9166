import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OrgState } from '../core/model/org';
import { createVaultWith } from '../vault/testing/vaultWith';
import { VaultSession } from '../vault/session';
import { MemoryStore, type ModelStore } from './modelStore';
import { VaultModelStore } from './vaultModelStore';

const PASSPHRASE = 'correct horse battery staple';

/** A store holding `state`, and what removes it once its test is done. */
export interface OpenedStore {
  readonly store: ModelStore;
  readonly close: () => void;
}

/**
 * The two places an organization can live, each opened on a given state: the app's encrypted
 * vault (in a temporary folder, unlocked) and memory. Contract tests run `describe.each` over
 * these, so a behaviour that holds in memory but not in the vault fails by name.
 */
export const STORES: readonly (readonly [string, (state: OrgState) => Promise<OpenedStore>])[] = [
  [
    'in the encrypted vault',
    async (state) => {
      const dir = mkdtempSync(join(tmpdir(), 'roleatlas-store-'));
      const vaultDir = join(dir, 'vault');
      await createVaultWith(vaultDir, PASSPHRASE, state);
      const vaults = new VaultSession(vaultDir, { actor: 'tester' });
      await vaults.unlock({ passphrase: PASSPHRASE });
      return {
        store: new VaultModelStore(vaults),
        close: () => {
          vaults.lock();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
  ['in memory', (state) => Promise.resolve({ store: new MemoryStore(state), close: () => {} })],
];

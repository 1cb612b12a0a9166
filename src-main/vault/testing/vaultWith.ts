import type { OrgState } from '../../core/model/org';
import { Vault } from '../vault';
import { TEST_KDF } from './kdf';

/**
 * Creates a vault in `dir` holding `state` and leaves it locked, as the app finds a vault it made
 * earlier. The state is written as given (no interchange file in between), so a test's fixture is
 * exactly what the screens open.
 */
export async function createVaultWith(dir: string, passphrase: string, state: OrgState): Promise<void> {
  const vault = await Vault.create(dir, passphrase, { actor: 'tester', kdf: TEST_KDF });
  try {
    vault.replaceState(state, 'the test organization');
  } finally {
    vault.lock();
  }
}

import type { ScryptParams } from '../crypto';

/**
 * The scrypt cost test vaults are created with: the app's floor (MIN_SCRYPT, ~370 ms a
 * derivation) would make every screen test that opens a vault wait for it. Passed only as the
 * Workspace's or Vault.create's `kdf`, which the app never sets below MIN_SCRYPT.
 */
export const TEST_KDF: ScryptParams = { N: 1024, r: 8, p: 1 };

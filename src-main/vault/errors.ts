/**
 * Why the vault refused: the desktop app and the command line turn the code into their own words.
 * - wrong-passphrase: the key could not be unwrapped; nothing was changed.
 * - tampered: a file failed authentication (edited, truncated or corrupted); it was not loaded and is left as it is.
 * - locked: the vault is locked; unlock it first.
 * - busy: another process holds the vault open for writing (writer.lock names it); nothing was read or written.
 * - read-only: this instance was opened for reading (access: 'read') and cannot write.
 * - lock-lost: the writer lock file was removed or replaced while the vault was open; the change was not written.
 */
export type VaultErrorCode = 'wrong-passphrase' | 'tampered' | 'locked' | 'not-a-vault' | 'exists' | 'refused' | 'unavailable' | 'no-backup' | 'invalid' | 'busy' | 'read-only' | 'lock-lost';

export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
    /** The file concerned, when there is one. */
    readonly file?: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}

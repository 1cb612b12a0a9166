/**
 * "Unlock on this computer": the data key wrapped a second time by the operating system's secret
 * store (Electron's safeStorage). The vault only sees this interface; the Electron adapter is built
 * in the composition root from electron's safeStorage, tests use the fake.
 */
export type ProtectorAvailability = { readonly available: true; readonly backend: string } | { readonly available: false; readonly reason: string };

export interface KeyProtector {
  availability(): ProtectorAvailability;
  protect(secret: string): Promise<Buffer>;
  /** Throws when this computer (or user) cannot decrypt it. */
  unprotect(data: Buffer): Promise<string>;
}

/** The part of Electron's safeStorage we use; the async pair is preferred where Electron has it. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  getSelectedStorageBackend?(): string;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  encryptStringAsync?(plainText: string): Promise<Buffer>;
  decryptStringAsync?(encrypted: Buffer): Promise<string | { result: string }>;
}

export function safeStorageProtector(safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform): KeyProtector {
  return {
    availability() {
      if (!safeStorage.isEncryptionAvailable()) return { available: false, reason: 'the operating system offers no secret store to Electron' };
      const backend = platform === 'linux' ? (safeStorage.getSelectedStorageBackend?.() ?? 'unknown') : platform === 'darwin' ? 'keychain' : 'dpapi';
      // basic_text encrypts with a key hard-coded in Chromium: no protection at all.
      if (backend === 'basic_text') return { available: false, reason: 'no keyring was found (safeStorage would use basic_text, a fixed key in Chromium); unlock with the passphrase instead' };
      if (backend === 'unknown') return { available: false, reason: 'the secret store is not ready yet (before app ready)' };
      return { available: true, backend };
    },
    async protect(secret) {
      return safeStorage.encryptStringAsync ? safeStorage.encryptStringAsync(secret) : safeStorage.encryptString(secret);
    },
    async unprotect(data) {
      if (!safeStorage.decryptStringAsync) return safeStorage.decryptString(data);
      const r = await safeStorage.decryptStringAsync(data);
      return typeof r === 'string' ? r : r.result;
    },
  };
}

/** A stand-in for tests: XOR with a per-"computer" byte, and an availability that can be switched. */
export function fakeProtector(options: { computer?: number; unavailable?: string } = {}): KeyProtector {
  const pad = options.computer ?? 7;
  const xor = (b: Buffer) => Buffer.from(b.map((x) => x ^ pad));
  return {
    availability: () => (options.unavailable ? { available: false, reason: options.unavailable } : { available: true, backend: 'fake' }),
    async protect(secret) {
      return Buffer.concat([Buffer.from('FAKE'), xor(Buffer.from(secret, 'utf8'))]);
    },
    async unprotect(data) {
      if (data.subarray(0, 4).toString() !== 'FAKE') throw new Error('not protected on this computer');
      return xor(data.subarray(4)).toString('utf8');
    },
  };
}

import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { belowMinimum, deriveKey, raisedTo, seal, unseal, type ScryptParams } from './crypto';
import { VaultError } from './errors';
import type { KeyProtector } from './keyProtector';

export const VAULT_FORMAT = 'roleatlas/vault@1';

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
/**
 * vault.json, in clear: nothing in it is secret. The data key is sealed under the passphrase key
 * with the header's own fields as AAD, so editing any of them makes unlocking fail.
 */
export const headerSchema = z.object({
  format: z.literal(VAULT_FORMAT),
  vaultid: z.uuid(),
  created: z.string(),
  kdf: z.object({ name: z.literal('scrypt'), N: z.number().int().min(2).max(2 ** 22), r: z.number().int().min(1).max(32), p: z.number().int().min(1).max(16), salt: b64 }),
  passphrasekey: b64,
  /** The data key wrapped by the OS secret store (safeStorage), for "unlock on this computer". */
  devicekey: z.object({ backend: z.string(), wrapped: b64 }).optional(),
});
export type VaultHeader = z.infer<typeof headerSchema>;

const aadOf = (h: Pick<VaultHeader, 'format' | 'vaultid' | 'kdf'>) => Buffer.from(JSON.stringify([h.format, h.vaultid, h.kdf.name, h.kdf.N, h.kdf.r, h.kdf.p, h.kdf.salt]));
const deviceAad = (h: VaultHeader) => Buffer.from(`${h.format}|device|${h.vaultid}`);

export async function newHeader(dataKey: Buffer, passphrase: string, kdf: ScryptParams, created: Date): Promise<VaultHeader> {
  return wrapWithPassphrase({ format: VAULT_FORMAT, vaultid: randomUUID(), created: created.toISOString() }, dataKey, passphrase, kdf);
}

/** A fresh salt every time: changing the passphrase re-wraps the key, the data stays as it is. */
export async function wrapWithPassphrase(base: Pick<VaultHeader, 'format' | 'vaultid' | 'created'> & { devicekey?: VaultHeader['devicekey'] }, dataKey: Buffer, passphrase: string, kdf: ScryptParams): Promise<VaultHeader> {
  const partial = { ...base, kdf: { name: 'scrypt' as const, N: kdf.N, r: kdf.r, p: kdf.p, salt: randomBytes(16).toString('base64') } };
  const kek = await deriveKey(passphrase, Buffer.from(partial.kdf.salt, 'base64'), kdf);
  try {
    return { ...partial, passphrasekey: seal(kek, dataKey, aadOf(partial)).toString('base64') };
  } finally {
    kek.fill(0);
  }
}

/** The data key wrapped anew under `next` once `current` is proven; by default at the header's own cost, raised to the minimum where it is below. */
export async function rewrapWithPassphrase(h: VaultHeader, dataKey: Buffer, current: string, next: string, kdf?: ScryptParams): Promise<VaultHeader> {
  if (next.length < 8) throw new VaultError('invalid', 'the new passphrase must be at least 8 characters');
  (await unwrapWithPassphrase(h, current)).fill(0);
  const { passphrasekey: _, kdf: own, ...base } = h;
  return wrapWithPassphrase(base, dataKey, next, kdf ?? (belowMinimum(own) ? raisedTo(own) : own));
}

export async function unwrapWithPassphrase(h: VaultHeader, passphrase: string): Promise<Buffer> {
  return unwrapWith(h, await deriveKey(passphrase, Buffer.from(h.kdf.salt, 'base64'), h.kdf));
}

function unwrapWith(h: VaultHeader, kek: Buffer): Buffer {
  try {
    return unseal(kek, Buffer.from(h.passphrasekey, 'base64'), aadOf(h), 'the key');
  } catch {
    throw new VaultError('wrong-passphrase', 'wrong passphrase (or vault.json was edited); nothing was changed');
  } finally {
    kek.fill(0);
  }
}

export async function wrapForDevice(h: VaultHeader, dataKey: Buffer, protector: KeyProtector): Promise<VaultHeader> {
  const a = protector.availability();
  if (!a.available) throw new VaultError('unavailable', `unlock on this computer is not offered: ${a.reason}`);
  // The OS store holds a key that seals the data key, so the data key itself never goes to it.
  const deviceKey = randomBytes(32);
  const sealed = seal(deviceKey, dataKey, deviceAad(h));
  const wrapped = await protector.protect(deviceKey.toString('base64'));
  deviceKey.fill(0);
  return { ...h, devicekey: { backend: a.backend, wrapped: Buffer.concat([u32(wrapped.length), wrapped, sealed]).toString('base64') } };
}

export async function unwrapForDevice(h: VaultHeader, protector: KeyProtector): Promise<Buffer> {
  if (!h.devicekey) throw new VaultError('unavailable', 'unlock on this computer is not set up for this vault; use the passphrase');
  const a = protector.availability();
  if (!a.available) throw new VaultError('unavailable', `unlock on this computer is not available: ${a.reason}`);
  const all = Buffer.from(h.devicekey.wrapped, 'base64');
  const n = all.readUInt32BE(0);
  let deviceKey: Buffer;
  try {
    deviceKey = Buffer.from(await protector.unprotect(all.subarray(4, 4 + n)), 'base64');
    return unseal(deviceKey, all.subarray(4 + n), deviceAad(h), 'the device key');
  } catch {
    throw new VaultError('wrong-passphrase', 'this computer cannot unlock the vault (the secret store changed or the vault came from elsewhere); use the passphrase');
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { VaultError } from './errors';

/** AES-256-GCM: 96-bit random IV per message, 128-bit tag. */
export const KEY_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

/** iv | ciphertext | tag. The AAD binds what the bytes are (format, file kind, vault id) without being stored. */
export function seal(key: Buffer, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return Buffer.concat([iv, body, final, cipher.getAuthTag()]);
}

/** Throws VaultError('tampered') when the bytes, the AAD or the key do not match. */
export function unseal(key: Buffer, sealed: Uint8Array, aad: Uint8Array, what: string, file?: string): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new VaultError('tampered', `${what} is truncated`, file);
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, IV_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(buf.subarray(IV_BYTES, buf.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new VaultError('tampered', `${what} failed authentication: it was altered, truncated or corrupted`, file);
  }
}

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** 128·N·r bytes of memory; OpenSSL refuses past maxmem. */
const maxmem = (k: ScryptParams) => 128 * k.N * k.r * k.p + 64 * 1024 * 1024;

export function deriveKey(passphrase: string, salt: Buffer, k: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: k.N, r: k.r, p: k.p, maxmem: maxmem(k) };
  return new Promise((resolve, reject) => scrypt(passphrase.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/**
 * The least scrypt cost a vault is created or re-wrapped with: OWASP's Password Storage Cheat Sheet
 * (N = 2^17, r = 8, p = 1; 128 MiB and a few hundred ms per unlock). Each vault keeps its own
 * parameters in vault.json; a vault below this is offered a re-wrap (Vault.rewrap).
 */
export const MIN_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

/** Whether stored parameters cost less than MIN_SCRYPT (memory and time both scale with N·r, time with p). */
export const belowMinimum = (k: ScryptParams, min: ScryptParams = MIN_SCRYPT): boolean => k.N * k.r < min.N * min.r || k.N * k.r * k.p < min.N * min.r * min.p;

/** Each parameter at least the minimum's: what rewrapping an older vault raises its cost to. */
export const raisedTo = (k: ScryptParams, min: ScryptParams = MIN_SCRYPT): ScryptParams => ({ N: Math.max(k.N, min.N), r: Math.max(k.r, min.r), p: Math.max(k.p, min.p) });

/** The scrypt cost that takes about `targetMs` on this machine: a power of two, never below MIN_SCRYPT. */
export async function tuneScrypt(targetMs = 250): Promise<ScryptParams> {
  const probe: ScryptParams = { N: 2 ** 14, r: 8, p: 1 };
  const t = performance.now();
  await deriveKey('calibration', randomBytes(16), probe);
  const ms = Math.max(1, performance.now() - t);
  const factor = Math.max(0, Math.round(Math.log2(targetMs / ms)));
  return { ...probe, N: 2 ** Math.min(20, Math.max(Math.log2(MIN_SCRYPT.N), 14 + factor)) };
}

export const newDataKey = (): Buffer => randomBytes(KEY_BYTES);

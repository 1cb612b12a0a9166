/**
 * Password hashes of server accounts: scrypt, stored as scrypt$N$r$p$salt$key so every hash
 * carries its own cost. The verifier uses the stored cost, so the minimum can be raised without
 * locking anyone out: a hash below it is replaced on the account's next successful sign-in.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';

export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** OWASP's current recommendation for scrypt (Password Storage Cheat Sheet): N = 2^17, r = 8, p = 1. */
export const MIN_PASSWORD_COST: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };

/** Bounds on a stored cost, so a tampered hash cannot make a sign-in take minutes or gigabytes. */
const MAX_N = 2 ** 22;
const MAX_R = 32;
const MAX_P = 16;

/** scrypt needs 128·N·r bytes; Node refuses anything over maxmem (32 MiB by default). */
const maxmemOf = (c: ScryptCost) => 128 * c.N * c.r + 32 * 1024 * 1024;

const scrypt = (password: string, salt: Buffer, length: number, cost: ScryptCost) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(password, salt, length, { ...cost, maxmem: maxmemOf(cost) }, (err, key) => (err ? reject(err) : resolve(key))));

export function costProblem(c: ScryptCost): string | null {
  if (!Number.isSafeInteger(c.N) || c.N < 2 || (c.N & (c.N - 1)) !== 0 || c.N > MAX_N) return `scrypt N must be a power of two up to 2^22 (got ${c.N})`;
  if (!Number.isSafeInteger(c.r) || c.r < 1 || c.r > MAX_R) return `scrypt r must be 1..${MAX_R} (got ${c.r})`;
  if (!Number.isSafeInteger(c.p) || c.p < 1 || c.p > MAX_P) return `scrypt p must be 1..${MAX_P} (got ${c.p})`;
  return null;
}

/** True when `c` costs less than `min` in memory or time (each parameter compared on its own). */
export const belowCost = (c: ScryptCost, min: ScryptCost): boolean => c.N < min.N || c.r < min.r || c.p < min.p;

export async function hashPassword(password: string, cost: ScryptCost = MIN_PASSWORD_COST): Promise<string> {
  const problem = costProblem(cost);
  if (problem) throw new Error(problem);
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export interface StoredHash {
  readonly cost: ScryptCost;
  readonly salt: Buffer;
  readonly key: Buffer;
}

export function parseHash(stored: string): StoredHash | null {
  const [kind, n, r, p, salt, key, ...more] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !key || more.length) return null;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (costProblem(cost)) return null;
  return { cost, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
}

/** Checks a password against a stored hash with the cost stored in it. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parseHash(stored);
  if (!h || h.key.length < 16) return false;
  const key = await scrypt(password, h.salt, h.key.length, h.cost);
  return timingSafeEqual(key, h.key);
}

/** Compared against when the account does not exist, so a wrong name takes as long as a wrong password. */
export const dummyHash = (cost: ScryptCost): string => `scrypt$${cost.N}$${cost.r}$${cost.p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

/**
 * Password guessing held back per account and per address: after a few failed sign-ins in a row
 * the account (or the address) must wait before it may try again, the wait doubling with every
 * further failure up to a ceiling. A success clears the account's count, never the address's, so
 * an attacker holding one good account cannot reset the count of its guesses at others.
 * In memory: a restart forgets the counts, as the request rate limit does.
 */

export interface ThrottleRule {
  /** Failures in a row allowed before the first wait. */
  readonly free: number;
  /** First wait, ms; each further failure doubles it. */
  readonly baseMs: number;
  readonly maxMs: number;
}

export const ACCOUNT_RULE: ThrottleRule = { free: 5, baseMs: 1_000, maxMs: 15 * 60_000 };
export const ADDRESS_RULE: ThrottleRule = { free: 20, baseMs: 1_000, maxMs: 15 * 60_000 };

/** Entries kept per kind; the oldest are dropped past it, so a spray of names cannot fill memory. */
const MAX_ENTRIES = 100_000;

interface Count {
  failures: number;
  /** Until when (epoch ms) further tries are refused; 0 when not locked. */
  lockedUntil: number;
  last: number;
}

export interface Lock {
  readonly by: 'account' | 'address';
  readonly key: string;
  readonly retryAfterMs: number;
  readonly failures: number;
}

class Counter {
  private readonly counts = new Map<string, Count>();
  constructor(
    readonly by: 'account' | 'address',
    private readonly rule: ThrottleRule,
  ) {}

  lock(key: string, now: number): Lock | null {
    const c = this.counts.get(key);
    return c && c.lockedUntil > now ? { by: this.by, key, retryAfterMs: c.lockedUntil - now, failures: c.failures } : null;
  }

  /** Counts a failure; the lock it starts, if any. */
  fail(key: string, now: number): Lock | null {
    let c = this.counts.get(key);
    // A count forgotten after a quiet spell as long as the longest wait.
    if (c && now - c.last > this.rule.maxMs) c = undefined;
    c ??= { failures: 0, lockedUntil: 0, last: now };
    c.failures++;
    c.last = now;
    this.counts.delete(key);
    this.counts.set(key, c);
    if (this.counts.size > MAX_ENTRIES) this.counts.delete(this.counts.keys().next().value!);
    if (c.failures <= this.rule.free) return null;
    const wait = Math.min(this.rule.maxMs, this.rule.baseMs * 2 ** Math.min(30, c.failures - this.rule.free - 1));
    c.lockedUntil = now + wait;
    return { by: this.by, key, retryAfterMs: wait, failures: c.failures };
  }

  clear(key: string): void {
    this.counts.delete(key);
  }
}

export class LoginThrottle {
  private readonly accounts: Counter;
  private readonly addresses: Counter;
  private readonly now: () => number;

  constructor(o: { account?: ThrottleRule; address?: ThrottleRule; now?: () => number } = {}) {
    this.accounts = new Counter('account', o.account ?? ACCOUNT_RULE);
    this.addresses = new Counter('address', o.address ?? ADDRESS_RULE);
    this.now = o.now ?? Date.now;
  }

  /** The lock that refuses a sign-in of this account from this address now, or null. */
  locked(account: string, address: string): Lock | null {
    const now = this.now();
    return this.addresses.lock(address, now) ?? this.accounts.lock(account.toLowerCase(), now);
  }

  /** Counts a failed sign-in; the locks it starts (for the audit). */
  failed(account: string, address: string): Lock[] {
    const now = this.now();
    return [this.accounts.fail(account.toLowerCase(), now), this.addresses.fail(address, now)].filter((l): l is Lock => l !== null);
  }

  succeeded(account: string): void {
    this.accounts.clear(account.toLowerCase());
  }
}

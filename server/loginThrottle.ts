/**
 * Password guessing held back per account and per address: after a few failed sign-ins in a row
 * the account (or the address) must wait before it may try again, the wait doubling with every
 * further failure up to a ceiling. A success clears the account's count, never the address's, so
 * an attacker holding one good account cannot reset the count of its guesses at others.
 * The counts live in the server's database (table login_throttle), counted with one atomic
 * statement per failure: every instance over the same PostgreSQL sees the same counts, and a
 * restart keeps them. Counts quiet for as long as the longest wait are forgotten.
 */
import type { Queryable } from './db';

export interface ThrottleRule {
  /** Failures in a row allowed before the first wait. */
  readonly free: number;
  /** First wait, ms; each further failure doubles it. */
  readonly baseMs: number;
  readonly maxMs: number;
}

export const ACCOUNT_RULE: ThrottleRule = { free: 5, baseMs: 1_000, maxMs: 15 * 60_000 };
export const ADDRESS_RULE: ThrottleRule = { free: 20, baseMs: 1_000, maxMs: 15 * 60_000 };

export interface Lock {
  readonly by: 'account' | 'address';
  readonly key: string;
  readonly retryAfterMs: number;
  readonly failures: number;
}

export const LOGIN_THROTTLE_TABLE = `
  create table if not exists login_throttle (
    kind text not null,
    key text not null,
    failures integer not null,
    -- epoch ms: until when further tries are refused (0: not locked), and the last failure
    lockeduntil bigint not null default 0,
    last bigint not null,
    primary key (kind, key)
  );
  create index if not exists login_throttle_last on login_throttle (last);`;

class Counter {
  constructor(
    private readonly db: Queryable,
    readonly by: 'account' | 'address',
    private readonly rule: ThrottleRule,
  ) {}

  async lock(key: string, now: number): Promise<Lock | null> {
    const rows = await this.db.query<{ failures: number; lockeduntil: string | number }>('select failures, lockeduntil from login_throttle where kind = $1 and key = $2', [this.by, key]);
    const until = rows.length ? Number(rows[0].lockeduntil) : 0;
    return until > now ? { by: this.by, key, retryAfterMs: until - now, failures: rows[0].failures } : null;
  }

  /** Counts a failure (one statement, so concurrent failures on several instances all count); the lock it starts, if any. */
  async fail(key: string, now: number): Promise<Lock | null> {
    const [{ failures }] = await this.db.query<{ failures: number }>(
      `insert into login_throttle (kind, key, failures, lockeduntil, last) values ($1, $2, 1, 0, $3)
       on conflict (kind, key) do update set
         failures = case when $3 - login_throttle.last > $4 then 1 else login_throttle.failures + 1 end,
         lockeduntil = case when $3 - login_throttle.last > $4 then 0 else login_throttle.lockeduntil end,
         last = $3
       returning failures`,
      [this.by, key, now, this.rule.maxMs],
    );
    // Now and then, counts quiet for longer than the longest wait are dropped, so a spray of names cannot fill the table.
    if (failures === 1 && Math.random() < 0.01) await this.db.query('delete from login_throttle where last < $1', [now - this.rule.maxMs]);
    if (failures <= this.rule.free) return null;
    const wait = Math.min(this.rule.maxMs, this.rule.baseMs * 2 ** Math.min(30, failures - this.rule.free - 1));
    await this.db.query('update login_throttle set lockeduntil = greatest(lockeduntil, $3) where kind = $1 and key = $2', [this.by, key, now + wait]);
    return { by: this.by, key, retryAfterMs: wait, failures };
  }

  async clear(key: string): Promise<void> {
    await this.db.query('delete from login_throttle where kind = $1 and key = $2', [this.by, key]);
  }
}

export class LoginThrottle {
  private readonly accounts: Counter;
  private readonly addresses: Counter;
  private readonly now: () => number;

  constructor(db: Queryable, o: { account?: ThrottleRule; address?: ThrottleRule; now?: () => number } = {}) {
    this.accounts = new Counter(db, 'account', o.account ?? ACCOUNT_RULE);
    this.addresses = new Counter(db, 'address', o.address ?? ADDRESS_RULE);
    this.now = o.now ?? Date.now;
  }

  /** The lock that refuses a sign-in of this account from this address now, or null. */
  async locked(account: string, address: string): Promise<Lock | null> {
    const now = this.now();
    return (await this.addresses.lock(address, now)) ?? (await this.accounts.lock(account.toLowerCase(), now));
  }

  /** Counts a failed sign-in; the locks it starts (for the audit). */
  async failed(account: string, address: string): Promise<Lock[]> {
    const now = this.now();
    return [await this.accounts.fail(account.toLowerCase(), now), await this.addresses.fail(address, now)].filter((l): l is Lock => l !== null);
  }

  async succeeded(account: string): Promise<void> {
    await this.accounts.clear(account.toLowerCase());
  }
}

/**
 * Server accounts and bearer tokens. An account is a name, a scrypt hash of its password (passwords.ts) and a
 * user of the server's own model: that user's roles decide what the account may do, computed by
 * the same access engine the app uses.
 *
 * The rule: reading (GET, delta pulls) needs prvReadRole at any depth; changing anything (push,
 * POST, PATCH, DELETE, associations, actions) needs prvWriteRole, prvAssignRole and prvWriteUser
 * at Global (Organization) depth, what System Administrator and System Customizer hold: security
 * roles are organization-wide, so changing them is an organization-level right.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AccessEngine } from '../src-main/core/access/engine';
import { DEPTHS, depthOfLevel } from '../src-main/core/model/depth';
import type { OrgState } from '../src-main/core/model/org';
import type { Refusal } from '../src-main/core/result';
import type { ServerModel } from './model';
import { MIN_PASSWORD_COST, belowCost, costProblem, dummyHash, hashPassword, parseHash, verifyPassword, type ScryptCost } from './passwords';

export type Need = 'read' | 'write';

export const READ_PRIVILEGES: readonly { name: string; level: number }[] = [{ name: 'prvReadRole', level: 1 }];
export const WRITE_PRIVILEGES: readonly { name: string; level: number }[] = [
  { name: 'prvWriteRole', level: 4 },
  { name: 'prvAssignRole', level: 4 },
  { name: 'prvWriteUser', level: 4 },
];

export interface Account {
  readonly name: string;
  readonly systemuserid: string;
}

/** Why the account's user may not do this, naming the missing privilege; null when it may. */
export function privilegeProblem(state: OrgState, account: Account, need: Need): Refusal | null {
  const engine = AccessEngine.of(state);
  const u = engine.userIndex(account.systemuserid);
  if (u === undefined) return { code: 'forbidden', message: `account ${account.name}: its user ${account.systemuserid} is not in the organization` };
  if (!engine.isActive(u)) return { code: 'forbidden', message: `account ${account.name}: its user is disabled (or in a disabled business unit)` };
  for (const p of need === 'read' ? READ_PRIVILEGES : WRITE_PRIVILEGES) {
    const def = engine.catalog.privilege(p.name);
    const level = def ? engine.levelOf(u, def.index) : 0;
    if (level < p.level) {
      const wanted = p.level === 1 ? 'any depth' : `${DEPTHS[p.level - 1]} depth`;
      return {
        code: 'forbidden',
        message: `account ${account.name} lacks ${p.name} at ${wanted} (holds ${depthOfLevel(level) ?? 'None'}); ${need === 'write' ? 'changing security' : 'reading security'} needs ${(need === 'read' ? READ_PRIVILEGES : WRITE_PRIVILEGES).map((x) => x.name).join(', ')}`,
      };
    }
  }
  return null;
}

// ---- accounts and tokens ----------------------------------------------------------------------------

export const TOKEN_TTL_SECONDS = 12 * 3600;
/** The longest token life an admin may set: a stolen token must not outlive a working week by much. */
export const MAX_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface AccountOptions {
  /** Cost of new password hashes (and of the rehash at sign-in); at least MIN_PASSWORD_COST. */
  readonly passwordCost?: ScryptCost;
  /**
   * Tests only: a cost below the minimum, so a suite does not spend 128 MiB and a third of a
   * second on every account. Nothing a user runs sets it.
   */
  readonly testPasswordCost?: ScryptCost;
  /** Life of a new bearer token, seconds (default 12 h, at most 30 days). */
  readonly tokenTtlSeconds?: number;
}

/** What the sign-in audit records (table auth_event). */
export type AuthEvent = 'login-failed' | 'login-locked' | 'login-refused-disabled' | 'rehashed' | 'token-revoked' | 'account-disabled' | 'account-enabled' | 'account-added';

export function tokenTtlProblem(seconds: number): string | null {
  if (!Number.isSafeInteger(seconds) || seconds < 60 || seconds > MAX_TOKEN_TTL_SECONDS) return `the token lifetime must be a whole number of seconds from 60 to ${MAX_TOKEN_TTL_SECONDS} (30 days); got ${seconds}`;
  return null;
}

/** "3600", "90s", "30m", "12h", "7d" as seconds; null when it is none of these. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
}

export class Accounts {
  readonly passwordCost: ScryptCost;
  readonly tokenTtlSeconds: number;

  constructor(
    private readonly model: ServerModel,
    o: AccountOptions = {},
  ) {
    const cost = o.testPasswordCost ?? o.passwordCost ?? MIN_PASSWORD_COST;
    const problem = costProblem(cost);
    if (problem) throw new Error(problem);
    if (!o.testPasswordCost && belowCost(cost, MIN_PASSWORD_COST)) {
      throw new Error(`the password hashing cost N=${cost.N}, r=${cost.r}, p=${cost.p} is below the minimum N=${MIN_PASSWORD_COST.N}, r=${MIN_PASSWORD_COST.r}, p=${MIN_PASSWORD_COST.p}`);
    }
    this.passwordCost = cost;
    this.tokenTtlSeconds = o.tokenTtlSeconds ?? TOKEN_TTL_SECONDS;
    const ttl = tokenTtlProblem(this.tokenTtlSeconds);
    if (ttl) throw new Error(ttl);
  }

  /**
   * Creates an account and its user in the root business unit holding `role` (a role id or name).
   * The user and the role assignment are ordinary commands, audited like any other change. On a
   * server that holds no organization yet, the account waits: its user is created holding `role`
   * when an organization is published (until then it may only publish).
   */
  async add(args: { name: string; password: string; role: string; by?: string }): Promise<Account & { placed: boolean }> {
    const by = args.by ? ` (added by ${args.by})` : '';
    const name = args.name.trim();
    if (!/^[A-Za-z0-9._@-]{1,100}$/.test(name)) throw new Error(`account name "${args.name}" must be 1 to 100 letters, digits, . _ @ or -`);
    if (args.password.length < 8) throw new Error('the password must have at least 8 characters');
    if (!args.role.trim()) throw new Error('the role must name a role of the organization, such as "System Administrator"');
    const db = this.model.db;
    if ((await db.query('select 1 from account where name = $1', [name])).length) throw new Error(`account ${name} already exists`);
    await this.model.refresh();
    const passwordhash = await hashPassword(args.password, this.passwordCost);
    if (!this.model.hasOrganization) {
      const systemuserid = randomUUID();
      await db.query('insert into account (name, systemuserid, passwordhash, role) values ($1, $2, $3, $4)', [name, systemuserid, passwordhash, args.role.trim()]);
      await this.audit('account-added', name, null, `to hold ${args.role.trim()} once an organization is published${by}`);
      return { name, systemuserid, placed: false };
    }
    const state = this.model.state;
    const roles = [...state.roles.values()];
    const role = state.roles.get(args.role) ?? roles.find((r) => r.name.toLowerCase() === args.role.trim().toLowerCase());
    if (!role) throw new Error(`no role "${args.role}" in the server's organization (roles: ${roles.slice(0, 8).map((r) => r.name).join(', ')}${roles.length > 8 ? ', …' : ''})`);
    const root = [...state.businessunits.values()].find((b) => b.parentbusinessunitid === null)!;
    const domainname = `${name}@roleatlas.server`;
    const existing = [...state.systemusers.values()].find((u) => u.domainname.toLowerCase() === domainname.toLowerCase());
    const systemuserid = existing?.systemuserid ?? randomUUID();
    const commands: unknown[] = [];
    if (!existing) commands.push({ type: 'createUser', systemuserid, fullname: `Server account ${name}`, domainname, businessunitid: root.businessunitid });
    commands.push({ type: 'assignRole', systemuserid, roleid: role.roleid });
    const r = await this.model.commit({ account: '(server)', source: 'server', changes: commands.map((command) => ({ id: null, command })) });
    if (!r.ok) throw new Error(r.error.message);
    await db.query('insert into account (name, systemuserid, passwordhash, role) values ($1, $2, $3, $4)', [name, systemuserid, passwordhash, role.name]);
    await this.audit('account-added', name, null, `holding ${role.name}${by}`);
    return { name, systemuserid, placed: true };
  }

  /**
   * A new bearer token for a name and password. The password is checked with the cost stored in
   * its hash; a hash below the current cost is replaced after the check succeeds.
   */
  async issue(name: string, password: string, address: string | null = null): Promise<{ token: string; expiresIn: number } | { refused: 'wrong' | 'disabled' }> {
    const rows = await this.model.db.query<{ passwordhash: string; disabled: boolean }>('select passwordhash, disabled from account where name = $1', [name]);
    const ok = rows.length ? await verifyPassword(password, rows[0].passwordhash) : await verifyPassword(password, dummyHash(this.passwordCost));
    if (!rows.length || !ok) {
      await this.audit('login-failed', name, address, rows.length ? 'wrong password' : 'unknown account');
      return { refused: 'wrong' };
    }
    if (rows[0].disabled) {
      await this.audit('login-refused-disabled', name, address, null);
      return { refused: 'disabled' };
    }
    const stored = parseHash(rows[0].passwordhash);
    if (stored && belowCost(stored.cost, this.passwordCost)) {
      await this.model.db.query('update account set passwordhash = $2 where name = $1 and passwordhash = $3', [name, await hashPassword(password, this.passwordCost), rows[0].passwordhash]);
      await this.audit('rehashed', name, address, `scrypt N=${stored.cost.N}, r=${stored.cost.r}, p=${stored.cost.p} -> N=${this.passwordCost.N}, r=${this.passwordCost.r}, p=${this.passwordCost.p}`);
    }
    const token = randomBytes(32).toString('base64url');
    const expires = new Date(Date.now() + this.tokenTtlSeconds * 1000);
    await this.model.db.query('insert into token (hash, account, expires) values ($1, $2, $3)', [sha256(token), name, expires.toISOString()]);
    return { token, expiresIn: this.tokenTtlSeconds };
  }

  /**
   * The account a token belongs to, looked up on every request (one indexed row): a revoked
   * token, a disabled account or an expired token is refused from the next request on.
   */
  async ofToken(token: string): Promise<Account | null> {
    const rows = await this.model.db.query<{ name: string; systemuserid: string }>(
      'select a.name, a.systemuserid from token t join account a on a.name = t.account where t.hash = $1 and t.expires > now() and not a.disabled',
      [sha256(token)],
    );
    return rows.length ? { name: rows[0].name, systemuserid: rows[0].systemuserid } : null;
  }

  /** Revokes one token (given whole); false when no such token exists. */
  async revokeToken(token: string): Promise<boolean> {
    const rows = await this.model.db.query<{ account: string }>('delete from token where hash = $1 returning account', [sha256(token)]);
    if (rows.length) await this.audit('token-revoked', rows[0].account, null, 'one token');
    return rows.length > 0;
  }

  /** Revokes every token of an account; the number revoked. */
  async revokeTokensOf(name: string): Promise<number> {
    await this.mustExist(name);
    const rows = await this.model.db.query('delete from token where account = $1 returning hash', [name]);
    await this.audit('token-revoked', name, null, `${rows.length} token(s)`);
    return rows.length;
  }

  /** Disables an account: its tokens are revoked and it cannot sign in until enabled again. */
  async setDisabled(name: string, disabled: boolean): Promise<void> {
    await this.mustExist(name);
    await this.model.db.query('update account set disabled = $2 where name = $1', [name, disabled]);
    if (disabled) await this.model.db.query('delete from token where account = $1', [name]);
    await this.audit(disabled ? 'account-disabled' : 'account-enabled', name, null, null);
  }

  async audit(event: AuthEvent, account: string | null, address: string | null, detail: string | null): Promise<void> {
    await this.model.db.query('insert into auth_event (event, account, address, detail) values ($1, $2, $3, $4)', [event, account, address, detail]);
  }

  async auditLog(since: number): Promise<{ id: number; at: string; event: string; account: string | null; address: string | null; detail: string | null }[]> {
    const rows = await this.model.db.query<{ id: string | number; at: string | Date; event: string; account: string | null; address: string | null; detail: string | null }>(
      'select id, at, event, account, address, detail from auth_event where id > $1 order by id limit 1000',
      [since],
    );
    return rows.map((r) => ({ ...r, id: Number(r.id), at: new Date(r.at).toISOString() }));
  }

  private async mustExist(name: string): Promise<void> {
    if (!(await this.model.db.query('select 1 from account where name = $1', [name])).length) throw new Error(`no account named "${name}" on this server`);
  }
}

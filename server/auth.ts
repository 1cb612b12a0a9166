/**
 * Server accounts and bearer tokens. An account is a name, a scrypt hash of its password and a
 * user of the server's own model: that user's roles decide what the account may do, computed by
 * the same access engine the app uses.
 *
 * The rule: reading (GET, delta pulls) needs prvReadRole at any depth; changing anything (push,
 * POST, PATCH, DELETE, associations, actions) needs prvWriteRole, prvAssignRole and prvWriteUser
 * at Global (Organization) depth, what System Administrator and System Customizer hold: security
 * roles are organization-wide, so changing them is an organization-level right.
 */
import { createHash, randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AccessEngine } from '../src-main/core/access/engine';
import { DEPTHS, depthOfLevel } from '../src-main/core/model/depth';
import type { OrgState } from '../src-main/core/model/org';
import type { Refusal } from '../src-main/core/result';
import type { ServerModel } from './model';

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

// ---- passwords -------------------------------------------------------------------------------------

const SCRYPT: ScryptOptions = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const scrypt = (password: string, salt: Buffer, length: number) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(password, salt, length, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))));

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, , , , salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(password, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(key, expected);
}

// ---- accounts and tokens ----------------------------------------------------------------------------

export const TOKEN_TTL_SECONDS = 12 * 3600;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export class Accounts {
  private readonly cache = new Map<string, { account: Account; expires: number }>();

  constructor(private readonly model: ServerModel) {}

  /**
   * Creates an account and its user in the root business unit holding `role` (a role id or name).
   * The user and the role assignment are ordinary commands, audited like any other change.
   */
  async add(args: { name: string; password: string; role: string }): Promise<Account> {
    const name = args.name.trim();
    if (!/^[A-Za-z0-9._@-]{1,100}$/.test(name)) throw new Error(`account name "${args.name}" must be 1 to 100 letters, digits, . _ @ or -`);
    if (args.password.length < 8) throw new Error('the password must have at least 8 characters');
    const db = this.model.db;
    if ((await db.query('select 1 from account where name = $1', [name])).length) throw new Error(`account ${name} already exists`);
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
    await db.query('insert into account (name, systemuserid, passwordhash) values ($1, $2, $3)', [name, systemuserid, await hashPassword(args.password)]);
    return { name, systemuserid };
  }

  /** A new bearer token for a name and password, or null when they do not match. */
  async issue(name: string, password: string): Promise<{ token: string; expiresIn: number } | null> {
    const rows = await this.model.db.query<{ passwordhash: string }>('select passwordhash from account where name = $1', [name]);
    const ok = rows.length ? await verifyPassword(password, rows[0].passwordhash) : await verifyPassword(password, DUMMY_HASH);
    if (!rows.length || !ok) return null;
    const token = randomBytes(32).toString('base64url');
    const expires = new Date(Date.now() + TOKEN_TTL_SECONDS * 1000);
    await this.model.db.query('insert into token (hash, account, expires) values ($1, $2, $3)', [sha256(token), name, expires.toISOString()]);
    return { token, expiresIn: TOKEN_TTL_SECONDS };
  }

  async ofToken(token: string): Promise<Account | null> {
    const hash = sha256(token);
    const hit = this.cache.get(hash);
    if (hit && hit.expires > Date.now()) return hit.account;
    const rows = await this.model.db.query<{ name: string; systemuserid: string; expires: string | Date }>(
      'select a.name, a.systemuserid, t.expires from token t join account a on a.name = t.account where t.hash = $1 and t.expires > now()',
      [hash],
    );
    if (!rows.length) return null;
    const account = { name: rows[0].name, systemuserid: rows[0].systemuserid };
    this.cache.set(hash, { account, expires: Math.min(new Date(rows[0].expires).getTime(), Date.now() + 60_000) });
    return account;
  }
}

// Compared against when the account does not exist, so a wrong name takes as long as a wrong password.
const DUMMY_HASH = `scrypt$16384$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

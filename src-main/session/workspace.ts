import { randomUUID } from 'node:crypto';
import { demoOrganization } from '../core/generate/demo';
import { fromInterchange } from '../core/interchange/toState';
import { newOrganization, type OrgState } from '../core/model/org';
import { refused, type Refusal, type Result } from '../core/result';
import { MIN_SCRYPT, type ScryptParams } from '../vault/crypto';
import type { VaultStatusDto } from '../bridge/channels/vault';
import { VaultError } from '../vault/errors';
import type { KeyProtector } from '../vault/keyProtector';
import { VaultSession, type Timers } from '../vault/session';
import type { StoreFactory } from '../vault/store';
import { Vault, type RestoreReport } from '../vault/vault';
import { SessionUnavailable, UnavailableStore } from './modelStore';
import type { OrgSession } from './orgSession';
import { VaultModelStore } from './vaultModelStore';

/** How a new vault starts. */
export type VaultStart =
  | { readonly kind: 'empty'; readonly name: string }
  | { readonly kind: 'demo' }
  /** An interchange file's text (roleatlas/org@1), read by the renderer from a file the admin picked. */
  | { readonly kind: 'file'; readonly filename: string; readonly contents: string };

/** What the vault screens are told: the bridge contract's shape, written once there. */
export type WorkspaceStatus = VaultStatusDto;

export interface WorkspaceOptions {
  /** The vault folder. */
  readonly dir: string;
  /** The local admin profile written in the journal and audit log. */
  readonly actor: string;
  readonly session: OrgSession;
  /** electron-store in the app; conf (the default) in Node. */
  readonly store?: StoreFactory;
  /** Electron's safeStorage in the app, for "unlock on this computer". */
  readonly protector?: KeyProtector;
  /** scrypt cost for new vaults; tuned to ~250 ms when absent. */
  readonly kdf?: ScryptParams;
  readonly timers?: Timers;
}

export type Outcome = Result<WorkspaceStatus>;

/** What the vault screens can ask for; the app's is the Workspace, tests may hold the organization in memory. */
export interface VaultControl {
  status(): WorkspaceStatus;
  create(passphrase: string, start: VaultStart): Promise<Outcome>;
  unlock(how: { readonly passphrase: string } | { readonly device: true }): Promise<Outcome>;
  lock(): WorkspaceStatus;
  setAutoLock(minutes: number): Promise<Outcome>;
  changePassphrase(current: string, next: string): Promise<Outcome>;
  setDeviceUnlock(enabled: boolean): Promise<Outcome>;
  restoreBackup(passphrase: string): Promise<RestoreOutcome>;
}

export type RestoreOutcome = Result<WorkspaceStatus & { readonly restored: RestoreReport }>;

/** How the app holds the vault's writer lock: named for a command line it refuses, waiting briefly for one that is finishing. */
const APP_LOCK = { program: 'RoleAtlas (desktop app)', lockWaitMs: 2_000 } as const;

const LOCKED = new SessionUnavailable('locked', 'The vault is locked: unlock it to go on.');
const NO_VAULT = new SessionUnavailable('no-vault', 'No vault yet: create one first.');

/**
 * The vault as the desktop app uses it: first run (create), lock and unlock (passphrase or this
 * computer's secret store), auto-lock, and the session's store swapped accordingly. The data key
 * stays in this process; the renderer only ever sees the status.
 */
export class Workspace implements VaultControl {
  readonly vaults: VaultSession;

  constructor(private readonly options: WorkspaceOptions) {
    this.vaults = new VaultSession(options.dir, { actor: options.actor, store: options.store, protector: options.protector, timers: options.timers, ...APP_LOCK });
    options.session.useStore(new UnavailableStore(Vault.exists(options.dir) ? LOCKED : NO_VAULT));
    // Auto-lock (or any lock) takes the organization away from the screens at once.
    this.vaults.onLockChange((locked) => {
      if (locked) options.session.useStore(new UnavailableStore(LOCKED));
    });
  }

  status(): WorkspaceStatus {
    const exists = Vault.exists(this.options.dir);
    const device = this.vaults.deviceUnlock();
    const open = exists && !this.vaults.isLocked;
    const vault = open ? this.vaults.use() : null;
    return {
      phase: !exists ? 'firstRun' : open ? 'open' : 'locked',
      path: this.options.dir,
      organization: vault?.state.organization.name ?? null,
      deviceUnlock: {
        available: device.available,
        enabled: exists && Vault.hasDeviceUnlock(this.options.dir, this.options.store),
        detail: device.available ? `uses ${device.backend}` : device.reason,
      },
      autoLockMinutes: vault?.getSettings().autoLockMinutes ?? null,
      pendingChanges: vault?.pendingChanges().length ?? null,
    };
  }

  async create(passphrase: string, start: VaultStart): Promise<Outcome> {
    if (Vault.exists(this.options.dir)) return refused('exists', `a vault already exists in ${this.options.dir}; unlock it instead`);
    const initial = initialState(start);
    if (!initial.ok) return initial;
    return this.attempt(async () => {
      const vault = await Vault.create(this.options.dir, passphrase, { actor: this.options.actor, store: this.options.store, kdf: this.options.kdf, ...APP_LOCK });
      try {
        vault.replaceState(initial.value, start.kind === 'file' ? start.filename : start.kind === 'demo' ? 'the demo organization' : 'a new empty organization');
      } finally {
        vault.lock();
      }
      await this.vaults.unlock({ passphrase });
      this.options.session.useStore(new VaultModelStore(this.vaults));
    });
  }

  async unlock(how: { readonly passphrase: string } | { readonly device: true }): Promise<Outcome> {
    if (!Vault.exists(this.options.dir)) return refused('no-vault', 'there is no vault to unlock yet; create one first');
    return this.attempt(async () => {
      await this.vaults.unlock(how);
      // The passphrase is in hand: a vault wrapped below today's minimum cost is re-wrapped at it now.
      if ('passphrase' in how) await this.vaults.use().rewrap(how.passphrase, this.options.kdf ?? MIN_SCRYPT);
      this.options.session.useStore(new VaultModelStore(this.vaults));
    });
  }

  lock(): WorkspaceStatus {
    this.vaults.lock();
    return this.status();
  }

  async setAutoLock(minutes: number): Promise<Outcome> {
    return this.attempt(async () => {
      const r = this.vaults.use().setSettings({ autoLockMinutes: minutes });
      if (!r.ok) throw new VaultError('invalid', r.error.message);
    });
  }

  async changePassphrase(current: string, next: string): Promise<Outcome> {
    return this.attempt(() => this.vaults.use().changePassphrase(current, next));
  }

  async setDeviceUnlock(enabled: boolean): Promise<Outcome> {
    return this.attempt(async () => {
      const vault = this.vaults.use();
      if (!enabled) return vault.disableDeviceUnlock();
      const protector = this.options.protector;
      const a = this.vaults.deviceUnlock();
      if (!protector || !a.available) throw new VaultError('unavailable', `unlock on this computer is not available: ${a.available ? '' : a.reason}`);
      await vault.enableDeviceUnlock(protector);
    });
  }

  /** Puts the last good snapshot back after a damaged one was reported; the vault stays locked. */
  async restoreBackup(passphrase: string): Promise<RestoreOutcome> {
    let restored: RestoreReport | undefined;
    const r = await this.attempt(async () => {
      this.vaults.lock();
      restored = await Vault.restoreBackup(this.options.dir, passphrase, { actor: this.options.actor, store: this.options.store, ...APP_LOCK });
    });
    return r.ok ? { ok: true, value: { ...r.value, restored: restored! } } : r;
  }

  private async attempt(action: () => Promise<unknown>): Promise<Outcome> {
    try {
      await action();
      return { ok: true, value: this.status() };
    } catch (e) {
      if (e instanceof VaultError) return refused(e.code, e.message);
      throw e;
    }
  }
}


/**
 * An organization held in memory with no vault behind it (component tests, quick looks at a
 * file): always open; the vault's actions say why they can't be done.
 */
export class MemoryWorkspace implements VaultControl {
  constructor(private readonly session: OrgSession) {}
  status(): WorkspaceStatus {
    return {
      phase: 'open',
      path: '(in memory)',
      organization: this.session.current.organization.name,
      deviceUnlock: { available: false, enabled: false, detail: 'no vault: the organization is held in memory' },
      autoLockMinutes: null,
      pendingChanges: null,
    };
  }
  private none(): Promise<Outcome> {
    return Promise.resolve(refused('no-vault', 'this organization is held in memory, not in a vault'));
  }
  create(): Promise<Outcome> {
    return this.none();
  }
  unlock(): Promise<Outcome> {
    return this.none();
  }
  lock(): WorkspaceStatus {
    return this.status();
  }
  setAutoLock(): Promise<Outcome> {
    return this.none();
  }
  changePassphrase(): Promise<Outcome> {
    return this.none();
  }
  setDeviceUnlock(): Promise<Outcome> {
    return this.none();
  }
  restoreBackup(): Promise<RestoreOutcome> {
    return Promise.resolve(refused('no-vault', 'this organization is held in memory, not in a vault'));
  }
}

function initialState(start: VaultStart): { ok: true; value: OrgState } | { ok: false; error: Refusal } {
  if (start.kind === 'demo') return { ok: true, value: demoOrganization() };
  if (start.kind === 'empty') return { ok: true, value: newOrganization({ name: start.name, rootbusinessunitid: randomUUID(), defaultteamid: randomUUID() }) };
  let json: unknown;
  try {
    json = JSON.parse(start.contents);
  } catch (e) {
    return refused('invalid-file', `${start.filename} is not valid JSON: ${(e as Error).message}`);
  }
  const r = fromInterchange(json);
  return r.ok ? r : refused(r.error.code, `${start.filename}: ${r.error.message}`);
}

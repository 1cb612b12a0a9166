import { Vault, type Unlock, type VaultOptions } from './vault';
import { VaultError } from './errors';
import type { KeyProtector, ProtectorAvailability } from './keyProtector';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * The vault as the main process holds it: locked or unlocked, locking itself after the configured
 * idle time. Handlers call use() for every request, which also counts as activity.
 */
export class VaultSession {
  private vault: Vault | null = null;
  private timer: unknown = null;
  private readonly listeners = new Set<(locked: boolean) => void>();

  constructor(
    readonly dir: string,
    private readonly options: VaultOptions & { protector?: KeyProtector; timers?: Timers },
  ) {}

  get isLocked(): boolean {
    return this.vault === null;
  }

  /** Whether "unlock on this computer" can be offered, and why not. */
  deviceUnlock(): ProtectorAvailability {
    return this.options.protector?.availability() ?? { available: false, reason: 'no secret store is wired in this process' };
  }

  async unlock(unlock: Unlock | { readonly device: true }): Promise<void> {
    if (this.vault) return;
    const how: Unlock = 'device' in unlock ? { protector: this.requireProtector() } : unlock;
    this.vault = await Vault.open(this.dir, how, this.options);
    this.touch();
    this.emit(false);
  }

  lock(): void {
    if (!this.vault) return;
    this.vault.close();
    this.vault = null;
    if (this.timer !== null) (this.options.timers ?? realTimers).clearTimeout(this.timer);
    this.timer = null;
    this.emit(true);
  }

  /** The unlocked vault; throws VaultError('locked') otherwise. Resets the idle timer. */
  use(): Vault {
    if (!this.vault) throw new VaultError('locked', 'the vault is locked; unlock it first');
    this.touch();
    return this.vault;
  }

  onLockChange(listener: (locked: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private touch(): void {
    const timers = this.options.timers ?? realTimers;
    if (this.timer !== null) timers.clearTimeout(this.timer);
    this.timer = null;
    const minutes = this.vault?.getSettings().autoLockMinutes ?? 0;
    if (minutes > 0) this.timer = timers.setTimeout(() => this.lock(), minutes * 60_000);
  }

  private requireProtector(): KeyProtector {
    const p = this.options.protector;
    const a = this.deviceUnlock();
    if (!p || !a.available) throw new VaultError('unavailable', `unlock on this computer is not available: ${a.available ? '' : a.reason}`);
    return p;
  }

  private emit(locked: boolean): void {
    for (const l of this.listeners) l(locked);
  }
}

import type { StateCreator } from 'zustand';
import { api, onVaultLocked, type BridgeError, type BridgeResult, type RestoreReportDto, type VaultStatusDto } from '../../../api';
import type { AppStore } from '../../index';

/** How a new vault starts: the demo organization, an empty one, or an interchange file's text. */
export type VaultStart = { readonly kind: 'demo' } | { readonly kind: 'empty'; readonly name: string } | { readonly kind: 'file'; readonly filename: string; readonly contents: string };

export interface VaultActions {
  /** Asks main where the vault stands and opens the matching gate. */
  loadVaultStatus: () => Promise<void>;
  createVault: (passphrase: string, start: VaultStart) => Promise<BridgeError | null>;
  unlockVault: (how: { readonly passphrase: string } | { readonly device: true }) => Promise<BridgeError | null>;
  lockVault: () => Promise<void>;
  setAutoLock: (minutes: number) => Promise<BridgeError | null>;
  /** Puts the newest provable state back; answers what was restored and what could not be, or why not. */
  restoreBackup: (passphrase: string) => Promise<{ readonly error: BridgeError } | { readonly restored: RestoreReportDto }>;
  changePassphrase: (current: string, next: string) => Promise<BridgeError | null>;
  setDeviceUnlock: (enabled: boolean) => Promise<BridgeError | null>;
}

export interface VaultSliceState {
  readonly vault: VaultStatusDto | null;
  /** A key is being derived (create, unlock): scrypt takes a moment on purpose. */
  readonly vaultBusy: boolean;
}

export type VaultSlice = VaultSliceState & VaultActions;

export const initialVaultState: VaultSliceState = { vault: null, vaultBusy: false };

export const createVaultSlice: StateCreator<AppStore, [], [], VaultSlice> = (set, get) => {
  const adopt = (r: BridgeResult<VaultStatusDto>): BridgeError | null => {
    if (!r.ok) return r.error;
    const wasOpen = get().gate === 'open';
    set({ vault: r.value, gate: r.value.phase });
    // A newly opened vault: the screens start over on its organization.
    if (r.value.phase === 'open' && !wasOpen) void get().loadSummary();
    return null;
  };
  const busy = async <T,>(work: () => Promise<T>): Promise<T> => {
    set({ vaultBusy: true });
    try {
      return await work();
    } finally {
      set({ vaultBusy: false });
    }
  };
  // Auto-lock happens in main; the first answer that says so brings the lock screen.
  onVaultLocked(() => {
    if (get().gate === 'open') void get().loadVaultStatus();
  });
  return {
    ...initialVaultState,
    async loadVaultStatus() {
      adopt(await api()['vault:status']({}));
    },
    createVault: (passphrase, start) => busy(async () => adopt(await api()['vault:create']({ passphrase, start }))),
    unlockVault: (how) => busy(async () => adopt(await api()['vault:unlock']('device' in how ? { device: true } : { passphrase: how.passphrase }))),
    async lockVault() {
      adopt(await api()['vault:lock']({}));
    },
    async setAutoLock(minutes) {
      return adopt(await api()['vault:setAutoLock']({ minutes }));
    },
    restoreBackup: (passphrase) =>
      busy(async () => {
        const r = await api()['vault:restoreBackup']({ passphrase });
        const error = adopt(r);
        return error || !r.ok ? { error: error! } : { restored: r.value.restored };
      }),
    changePassphrase: (current, next) => busy(async () => adopt(await api()['vault:changePassphrase']({ current, next }))),
    setDeviceUnlock: (enabled) => busy(async () => adopt(await api()['vault:setDeviceUnlock']({ enabled }))),
  };
};

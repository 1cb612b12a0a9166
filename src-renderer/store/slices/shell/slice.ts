import type { StateCreator } from 'zustand';
import type { AppStore } from '../../index';

export const SCREENS = ['units', 'hierarchy', 'preview', 'users', 'teams', 'roles', 'fieldSecurity', 'sync', 'dataverse', 'transfer', 'findings', 'reports', 'audit'] as const;
export type Screen = (typeof SCREENS)[number];

export const SCREEN_TITLES: Record<Screen, string> = {
  hierarchy: 'Hierarchy',
  preview: 'Preview',
  units: 'Business units',
  users: 'Users',
  teams: 'Teams',
  roles: 'Security roles',
  fieldSecurity: 'Field security profiles',
  transfer: 'Import & export',
  sync: 'Sync',
  dataverse: 'Dataverse',
  findings: 'Findings',
  reports: 'Reports',
  audit: 'Audit log',
};

/**
 * What stands before the main layout. The vault (first run, lock screen, auto-lock) plugs in
 * here: 'open' shows the screens; the other states are drawn by the vault's own screens.
 */
export type Gate = 'starting' | 'open' | 'locked' | 'firstRun';

export interface ShellActions {
  navigate: (screen: Screen) => void;
  setGate: (gate: Gate) => void;
  openPalette: () => void;
  closePalette: () => void;
}

export interface ShellSliceState {
  readonly screen: Screen;
  readonly gate: Gate;
  readonly paletteOpen: boolean;
}

export type ShellSlice = ShellSliceState & ShellActions;

export const initialShellState: ShellSliceState = { screen: 'units', gate: 'open', paletteOpen: false };

export const createShellSlice: StateCreator<AppStore, [], [], ShellSlice> = (set) => ({
  ...initialShellState,
  navigate: (screen) => set({ screen }),
  setGate: (gate) => set({ gate }),
  openPalette: () => set({ paletteOpen: true }),
  closePalette: () => set({ paletteOpen: false }),
});

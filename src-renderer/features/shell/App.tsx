import { useEffect, type ReactNode } from 'react';
import { BusinessUnitsScreen } from '../businessUnits/BusinessUnitsScreen';
import { FieldSecurityScreen } from '../fieldSecurity/FieldSecurityScreen';
import { RolesScreen } from '../roles/RolesScreen';
import { CommandPalette } from '../search/CommandPalette';
import { TeamsScreen } from '../teams/TeamsScreen';
import { UsersScreen } from '../users/UsersScreen';
import { ImportExportScreen } from '../transfer/ImportExportScreen';
import { SyncScreen } from '../sync/SyncScreen';
import { DataverseScreen } from '../dataverse/DataverseScreen';
import { FindingsScreen } from '../findings/FindingsScreen';
import { ReportsScreen } from '../reports/ReportsScreen';
import { AuditScreen } from '../audit/AuditScreen';
import { HierarchyScreen } from '../hierarchy/HierarchyScreen';
import { PreviewPanel, StagingToggle } from '../preview/PreviewPanel';
import { CheckAccessButton } from '../checkAccess/CheckAccessDialog';
import { orgSelectors, SCREEN_TITLES, SCREENS, useAppStore, type Gate, type Screen } from '../../store';
import { FirstRunScreen } from '../vault/FirstRunScreen';
import { LockScreen } from '../vault/LockScreen';
import { StatusBar } from './StatusBar';
import { useGlobalKeys } from './useGlobalKeys';

const SCREEN: Record<Screen, () => ReactNode> = {
  units: () => <BusinessUnitsScreen />,
  hierarchy: () => <HierarchyScreen />,
  preview: () => <PreviewPanel />,
  users: () => <UsersScreen />,
  teams: () => <TeamsScreen />,
  roles: () => <RolesScreen />,
  fieldSecurity: () => <FieldSecurityScreen />,
  transfer: () => <ImportExportScreen />,
  sync: () => <SyncScreen />,
  dataverse: () => <DataverseScreen />,
  findings: () => <FindingsScreen />,
  reports: () => <ReportsScreen />,
  audit: () => <AuditScreen />,
};

const GATES: Record<Exclude<Gate, 'open'>, () => ReactNode> = {
  starting: () => (
    <p className="gate" role="status">
      Opening RoleAtlas…
    </p>
  ),
  firstRun: () => <FirstRunScreen />,
  locked: () => <LockScreen />,
};

/** The top of the renderer: the vault's gate (first run, locked) stands before the main layout. */
export function App() {
  const gate = useAppStore((s) => s.gate);
  return gate === 'open' ? <MainLayout /> : <>{GATES[gate]()}</>;
}

export function MainLayout() {
  const summary = useAppStore(orgSelectors.summary);
  const status = useAppStore(orgSelectors.status);
  const error = useAppStore(orgSelectors.error);
  const history = useAppStore(orgSelectors.history);
  const screen = useAppStore((s) => s.screen);
  const paletteOpen = useAppStore((s) => s.paletteOpen);
  const { loadSummary, navigate, undo, redo, openPalette } = useAppStore.getState();
  useGlobalKeys();
  useEffect(() => {
    void loadSummary();
    const { loadVaultStatus } = useAppStore.getState();
    if (!useAppStore.getState().vault) void loadVaultStatus();
    // Keeps the vault pill current and notices an auto-lock even while the admin only reads.
    const timer = setInterval(() => void loadVaultStatus(), 30_000);
    return () => clearInterval(timer);
  }, [loadSummary]);

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ◈
          </span>{' '}
          RoleAtlas
        </div>
        <div className="org-name" aria-label="Organization">
          {summary?.name ?? ''}
        </div>
        <button type="button" className="search-button" onClick={openPalette} aria-keyshortcuts="Control+K">
          Search everything… <kbd>Ctrl K</kbd>
        </button>
        <div className="actions inline">
          <StagingToggle />
          <CheckAccessButton />
          <button type="button" onClick={() => void undo()} disabled={!history.canUndo} title={history.undoLabel ? `Undo: ${history.undoLabel}` : 'Nothing to undo'} aria-keyshortcuts="Control+Z">
            ↶ Undo
          </button>
          <button type="button" onClick={() => void redo()} disabled={!history.canRedo} title={history.redoLabel ? `Redo: ${history.redoLabel}` : 'Nothing to redo'} aria-keyshortcuts="Control+Shift+Z">
            ↷ Redo
          </button>
        </div>
      </header>
      <nav className="sidebar" aria-label="Screens">
        {SCREENS.map((s) => (
          <button key={s} type="button" className={s === screen ? 'nav active' : 'nav'} aria-current={s === screen ? 'page' : undefined} onClick={() => navigate(s)}>
            {SCREEN_TITLES[s]}
            {summary && <span className="muted">{navCount(s, summary.counts)}</span>}
          </button>
        ))}
      </nav>
      <main className="content" aria-label={SCREEN_TITLES[screen]}>
        {status === 'failed' && error ? (
          <p role="alert" className="error">
            Could not load the organization: {error.message}
          </p>
        ) : summary ? (
          SCREEN[screen]()
        ) : (
          <p aria-busy="true">Loading the organization…</p>
        )}
      </main>
      <StatusBar />
      {paletteOpen && <CommandPalette />}
    </div>
  );
}

function navCount(s: Screen, c: { businessunits: number; users: number; teams: number; roles: number }): string {
  const n = s === 'units' ? c.businessunits : s === 'users' ? c.users : s === 'teams' ? c.teams : s === 'roles' ? c.roles : null;
  return n === null ? '' : n.toLocaleString();
}

import { orgSelectors, useAppStore, vaultSelectors } from '../../store';
import { SyncPill } from '../sync/SyncPill';

const AUTO_LOCK = [0, 5, 15, 30, 60] as const;

/** Vault and sync state, where undo stands, and the last outcome (a refusal shows its reason). */
export function StatusBar() {
  const notice = useAppStore(orgSelectors.notice);
  const history = useAppStore(orgSelectors.history);
  const dismiss = useAppStore((s) => s.dismissNotice);
  const vault = useAppStore(vaultSelectors.status);
  const vaultLabel = useAppStore(vaultSelectors.label);
  const { lockVault, setAutoLock } = useAppStore.getState();
  const hasVault = vault && vault.path !== '(in memory)';
  return (
    <footer className="statusbar" aria-label="Status">
      <span className="pill" title={vault ? `Encrypted vault: ${vault.path}` : undefined}>
        {vaultLabel}
      </span>
      {hasVault && (
        <>
          <button type="button" className="link" onClick={() => void lockVault()} title="Lock the vault now: the key is dropped from memory">
            Lock
          </button>
          <label className="muted small">
            Auto-lock{' '}
            <select value={vault.autoLockMinutes ?? 0} onChange={(e) => void setAutoLock(Number(e.target.value))} aria-label="Auto-lock after">
              {AUTO_LOCK.map((m) => (
                <option key={m} value={m}>
                  {m ? `${m} min` : 'never'}
                </option>
              ))}
            </select>
          </label>
        </>
      )}
      <SyncPill />
      <span className="muted">{history.undoLabel ? `Undo: ${history.undoLabel}` : 'No changes yet'}</span>
      <span className="status-notice" role={notice?.kind === 'refused' ? 'alert' : 'status'} aria-live="polite">
        {notice && (
          <>
            <span className={notice.kind === 'refused' ? 'refusal' : 'done'}>
              {notice.kind === 'refused' ? 'Refused: ' : ''}
              {notice.text}
            </span>
            <button type="button" className="link" onClick={dismiss} aria-label="Dismiss">
              ×
            </button>
          </>
        )}
      </span>
    </footer>
  );
}

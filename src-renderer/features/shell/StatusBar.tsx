import { orgSelectors, useAppStore } from '../../store';

/** Vault and sync state, where undo stands, and the last outcome (a refusal shows its reason). */
export function StatusBar() {
  const notice = useAppStore(orgSelectors.notice);
  const history = useAppStore(orgSelectors.history);
  const dismiss = useAppStore((s) => s.dismissNotice);
  return (
    <footer className="statusbar" aria-label="Status">
      <span className="pill" title="The vault is not part of this build yet: changes live in memory until it lands.">
        Vault: in memory
      </span>
      <span className="pill" title="Not connected to an environment.">
        Sync: offline
      </span>
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

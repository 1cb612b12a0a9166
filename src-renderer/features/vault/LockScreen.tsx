import { useId, useState } from 'react';
import { useAppStore, vaultSelectors } from '../../store';
import type { RestoreReportDto } from '../../api';

/** The vault is locked (by the admin, at start, or after the idle time): unlock it to go on. */
export function LockScreen() {
  const status = useAppStore(vaultSelectors.status);
  const busy = useAppStore(vaultSelectors.busy);
  const { unlockVault, restoreBackup } = useAppStore.getState();
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [restored, setRestored] = useState<RestoreReportDto | null>(null);
  const id = useId();

  const unlock = async (how: { passphrase: string } | { device: true }) => {
    setError(null);
    const e = await unlockVault(how);
    if (e) setError(e);
    else setPassphrase('');
  };

  const restore = async () => {
    const r = await restoreBackup(passphrase);
    if ('error' in r) setError(r.error);
    else {
      setRestored(r.restored);
      setError(null);
    }
  };

  return (
    <main className="gate-screen" aria-labelledby="lock-title">
      <form
        className="gate-card"
        onSubmit={(e) => {
          e.preventDefault();
          if (passphrase && !busy) void unlock({ passphrase });
        }}
      >
        <h1 id="lock-title">
          <span aria-hidden="true">🔒</span> RoleAtlas is locked
        </h1>
        <p className="muted">The organization is encrypted on this computer. Enter the vault's passphrase to open it.</p>
        {status && <p className="muted small">Vault: {status.path}</p>}
        <label htmlFor={id}>Passphrase</label>
        <input id={id} type="password" autoComplete="current-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoFocus />
        {error && (
          <p role="alert" className="error">
            {error.message}
          </p>
        )}
        {restored && <RestoredNote report={restored} />}
        <div className="actions inline">
          <button type="submit" className="primary" disabled={!passphrase || busy}>
            {busy ? 'Unlocking…' : 'Unlock'}
          </button>
          {status?.deviceUnlock.enabled && (
            <button type="button" disabled={busy || !status.deviceUnlock.available} title={status.deviceUnlock.detail} onClick={() => void unlock({ device: true })}>
              Unlock on this computer
            </button>
          )}
          {error?.code === 'tampered' && (
            <button type="button" className="danger" disabled={!passphrase || busy} onClick={() => void restore()}>
              Restore the last good copy
            </button>
          )}
        </div>
      </form>
    </main>
  );
}

const range = ([a, b]: readonly [number, number]) => (a === b ? `${a}` : `${a}–${b}`);

/** What restore-backup brought back, and, in so many words, what it could not. */
function RestoredNote({ report }: { report: RestoreReportDto }) {
  return (
    <div role="status" aria-label="Restored">
      <p>
        The newest state the surviving files prove was restored from {report.from}
        {report.headerRestored ? ', with vault.json put back from its copy' : ''}. Unlock to go on.
      </p>
      {report.lost ? (
        <p className="warning">
          Could not be recovered: journal {report.lost.frames[0] === report.lost.frames[1] ? 'position' : 'positions'} {range(report.lost.frames)}
          {report.lost.auditEntries ? ` (audit ${report.lost.auditEntries[0] === report.lost.auditEntries[1] ? 'entry' : 'entries'} ${range(report.lost.auditEntries)})` : ''}. Redo those changes after unlocking.
        </p>
      ) : report.headUnknown ? (
        <p className="warning">The record of where the journal ended was unreadable: changes after journal position {report.restoredFrame} can be neither proven nor ruled out.</p>
      ) : (
        <p className="muted small">No acknowledged change was lost.</p>
      )}
      {report.movedAside.length > 0 && <p className="muted small">Moved aside (kept, not deleted): {report.movedAside.join(', ')}</p>}
    </div>
  );
}

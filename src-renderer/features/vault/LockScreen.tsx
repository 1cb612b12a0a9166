import { useId, useState } from 'react';
import { useAppStore, vaultSelectors } from '../../store';

/** The vault is locked (by the admin, at start, or after the idle time): unlock it to go on. */
export function LockScreen() {
  const status = useAppStore(vaultSelectors.status);
  const busy = useAppStore(vaultSelectors.busy);
  const { unlockVault, restoreBackup } = useAppStore.getState();
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [restored, setRestored] = useState(false);
  const id = useId();

  const unlock = async (how: { passphrase: string } | { device: true }) => {
    setError(null);
    const e = await unlockVault(how);
    if (e) setError(e);
    else setPassphrase('');
  };

  const restore = async () => {
    const e = await restoreBackup(passphrase);
    if (e) setError(e);
    else {
      setRestored(true);
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
        {restored && <p role="status">The last good copy was restored; unlock to go on.</p>}
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

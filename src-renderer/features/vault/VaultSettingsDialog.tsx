import { useId, useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { useAppStore, vaultSelectors } from '../../store';
import { usePassphraseStrength } from './passphraseStrength';

const AUTO_LOCK = [0, 5, 15, 30, 60] as const;

/**
 * The vault's settings: where it is, auto-lock, "unlock on this computer" (offered only where
 * the system has a real secret store), and a new passphrase (the data key is re-wrapped; the
 * data is not re-encrypted).
 */
export function VaultSettingsDialog({ onClose }: { onClose: () => void }) {
  const vault = useAppStore(vaultSelectors.status);
  const busy = useAppStore(vaultSelectors.busy);
  const { setAutoLock, setDeviceUnlock, changePassphrase } = useAppStore.getState();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [message, setMessage] = useState<{ kind: 'error' | 'done'; text: string } | null>(null);
  const strength = usePassphraseStrength(next);
  const ids = { auto: useId(), current: useId(), next: useId(), again: useId() };
  if (!vault) return null;

  const report = (error: { message: string } | null, done: string) => setMessage(error ? { kind: 'error', text: error.message } : { kind: 'done', text: done });
  const canChange = current.length > 0 && next.length >= 8 && next === again && !busy;
  const changeIt = async () => {
    const e = await changePassphrase(current, next);
    report(e, 'Passphrase changed: the key was re-wrapped, the data stays as it is.');
    if (!e) {
      setCurrent('');
      setNext('');
      setAgain('');
    }
  };

  return (
    <Dialog title="Vault settings" onClose={onClose}>
      <p className="muted small">Vault: {vault.path}</p>
      <label htmlFor={ids.auto}>Lock after being idle for</label>
      <select id={ids.auto} value={vault.autoLockMinutes ?? 0} onChange={(e) => void setAutoLock(Number(e.target.value)).then((error) => report(error, 'Auto-lock saved.'))}>
        {AUTO_LOCK.map((m) => (
          <option key={m} value={m}>
            {m ? `${m} minutes` : 'never'}
          </option>
        ))}
      </select>

      <fieldset>
        <legend>Unlock on this computer</legend>
        {vault.deviceUnlock.available ? (
          <label className="radio">
            <input type="checkbox" checked={vault.deviceUnlock.enabled} disabled={busy} onChange={(e) => {
                const on = e.target.checked;
                void setDeviceUnlock(on).then((error) => report(error, on ? 'This computer can now unlock the vault.' : 'Only the passphrase unlocks the vault now.'));
              }}
            />
            Let this computer's secret store unlock the vault ({vault.deviceUnlock.detail})
          </label>
        ) : (
          <p className="muted small">Not offered: {vault.deviceUnlock.detail}</p>
        )}
      </fieldset>

      <fieldset>
        <legend>Change the passphrase</legend>
        <label htmlFor={ids.current}>Current passphrase</label>
        <input id={ids.current} type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
        <label htmlFor={ids.next}>New passphrase</label>
        <input id={ids.next} type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
        {strength && (
          <span className={`strength-label score-${strength.score}`} aria-live="polite">
            {strength.label}: about {strength.crackTime} to guess
          </span>
        )}
        <label htmlFor={ids.again}>New passphrase again</label>
        <input id={ids.again} type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} />
        <button
          type="button"
          disabled={!canChange}
          onClick={() => void changeIt()}
        >
          {busy ? 'Working…' : 'Change passphrase'}
        </button>
      </fieldset>
      {message && (
        <p role={message.kind === 'error' ? 'alert' : 'status'} className={message.kind === 'error' ? 'error' : undefined}>
          {message.text}
        </p>
      )}
    </Dialog>
  );
}

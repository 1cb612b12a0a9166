import { useId, useState, type ChangeEvent } from 'react';
import { useAppStore, vaultSelectors } from '../../store';
import type { VaultStart } from '../../store/slices/vault/slice';
import { usePassphraseStrength } from './passphraseStrength';

type StartKind = VaultStart['kind'];

/**
 * First run: the admin chooses a passphrase (its strength shown) for the encrypted vault, and
 * what to start from. The key is derived in main; the passphrase is never stored.
 */
export function FirstRunScreen() {
  const busy = useAppStore(vaultSelectors.busy);
  const status = useAppStore(vaultSelectors.status);
  const createVault = useAppStore((s) => s.createVault);
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [kind, setKind] = useState<StartKind>('demo');
  const [name, setName] = useState('');
  const [file, setFile] = useState<{ filename: string; contents: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const strength = usePassphraseStrength(passphrase);
  const ids = { pass: useId(), confirm: useId(), name: useId(), file: useId(), meter: useId() };

  const problem =
    passphrase.length < 8 ? 'The passphrase needs at least 8 characters.'
    : confirm !== passphrase ? 'The two passphrases differ.'
    : kind === 'empty' && !name.trim() ? 'Name the organization.'
    : kind === 'file' && !file ? 'Choose an organization file.'
    : null;

  const readFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    setFile(f ? { filename: f.name, contents: await f.text() } : null);
  };

  const submit = async () => {
    if (problem || busy) return;
    setError(null);
    const start: VaultStart = kind === 'demo' ? { kind } : kind === 'empty' ? { kind, name: name.trim() } : { kind, ...file! };
    const e = await createVault(passphrase, start);
    if (e) setError(e.message);
  };

  return (
    <main className="gate-screen" aria-labelledby="first-run-title">
      <form
        className="gate-card"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h1 id="first-run-title">Create your vault</h1>
        <p className="muted">
          RoleAtlas keeps the organization's security model encrypted on this computer (AES-256-GCM under a key derived from your passphrase). There is no way to recover a forgotten
          passphrase.
        </p>
        {status && <p className="muted small">Location: {status.path}</p>}
        <label htmlFor={ids.pass}>Passphrase</label>
        <input id={ids.pass} type="password" autoComplete="new-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} aria-describedby={ids.meter} autoFocus />
        <div id={ids.meter} className="strength" aria-live="polite">
          <meter min={0} max={4} low={2} high={3} optimum={4} value={strength?.score ?? 0} aria-label="Passphrase strength" />
          {strength && (
            <span className={`strength-label score-${strength.score}`}>
              {strength.label}: about {strength.crackTime} to guess{strength.warning ? `. ${strength.warning}` : ''}
            </span>
          )}
          {strength && strength.score < 3 && strength.suggestions[0] && <span className="muted small">{strength.suggestions[0]}</span>}
        </div>
        <label htmlFor={ids.confirm}>Passphrase again</label>
        <input id={ids.confirm} type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} />

        <fieldset>
          <legend>Start from</legend>
          <label className="radio">
            <input type="radio" name="start" checked={kind === 'demo'} onChange={() => setKind('demo')} /> The demo organization (Contoso: 13 units, 40 users)
          </label>
          <label className="radio">
            <input type="radio" name="start" checked={kind === 'empty'} onChange={() => setKind('empty')} /> An empty organization
          </label>
          {kind === 'empty' && (
            <>
              <label htmlFor={ids.name}>Organization name</label>
              <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} placeholder="Northwind Traders" />
            </>
          )}
          <label className="radio">
            <input type="radio" name="start" checked={kind === 'file'} onChange={() => setKind('file')} /> An organization file (roleatlas/org@1 JSON)
          </label>
          {kind === 'file' && <input id={ids.file} type="file" accept=".json,application/json" aria-label="Organization file" onChange={(e) => void readFile(e)} />}
        </fieldset>

        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={!!problem || busy} title={problem ?? undefined}>
          {busy ? 'Creating the vault…' : 'Create vault'}
        </button>
        {problem && passphrase && <p className="muted small">{problem}</p>}
      </form>
    </main>
  );
}

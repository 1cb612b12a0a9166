import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { useAppStore } from '../../store';
import { ago, syncSelectors } from '../../store/slices/sync/selectors';
import { ConflictsView } from './ConflictsView';
import { PendingList } from './PendingList';
import './sync.css';

const PHASE: Record<string, string> = {
  pulling: 'Pulling what changed on the server…',
  pushing: 'Pushing this vault’s changes…',
  done: 'Synced.',
  conflicts: 'Stopped: objects changed here and on the server. Choose a side below, then sync again.',
  failed: 'The sync failed.',
};

/** Sign in to a sync server, sync now, resolve conflicts, and see what waits to be pushed. */
export function SyncScreen() {
  const status = useAppStore(syncSelectors.status);
  const revision = useAppStore((s) => s.history.revision);
  useEffect(() => {
    const s = useAppStore.getState();
    void s.loadSyncStatus();
    void s.loadConflicts();
  }, []);
  useEffect(() => {
    void useAppStore.getState().loadPending();
  }, [revision]);

  return (
    <div className="sync-screen">
      <div className="sync-top">
        <section className="panel" aria-labelledby="sync-server-title">
          <h2 id="sync-server-title">Sync server</h2>
          {!status ? <p aria-busy="true">Loading…</p> : !status.available ? <p className="note">{status.message}</p> : status.connection ? <Connected /> : <SignIn />}
        </section>
        <SyncNow />
      </div>
      <ConflictsView />
      <PendingList />
    </div>
  );
}

function SignIn() {
  const [server, setServer] = useState('');
  const [account, setAccount] = useState('');
  const [password, setPassword] = useState('');
  const [allowInsecureHttp, setAllowInsecureHttp] = useState(false);
  const [busy, setBusy] = useState(false);
  const error = useAppStore(syncSelectors.error);
  const ids = { server: useId(), account: useId(), password: useId() };
  const errorAt = (path: string) => (error && (error.path === path || (!error.path && path === 'server')) ? error.message : null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      if (!(await useAppStore.getState().connectSync(server.trim(), account.trim(), password, { allowInsecureHttp }))) setPassword('');
    } finally {
      setBusy(false);
    }
  };
  const field = (id: string, label: string, path: string, input: ReactNode) => (
    <div className="field">
      <label htmlFor={id}>
        <span className="muted">{label}</span>
      </label>
      {input}
      {errorAt(path) && (
        <span className="field-error" role="alert" id={`${id}-error`}>
          {errorAt(path)}
        </span>
      )}
    </div>
  );
  return (
    <form className="sync-form" onSubmit={(e) => void submit(e)} aria-label="Sign in to a sync server">
      <p className="muted">The password is sent once to the server for a sign-in token; only the token is kept, encrypted in the vault.</p>
      {field(ids.server, 'Server address', 'server', <input id={ids.server} type="url" placeholder="https://roleatlas.example.com" value={server} onChange={(e) => setServer(e.target.value)} autoComplete="url" required />)}
      {field(ids.account, 'Account name', 'account', <input id={ids.account} value={account} onChange={(e) => setAccount(e.target.value)} autoComplete="username" required />)}
      {field(ids.password, 'Password', 'password', <input id={ids.password} type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required />)}
      {/^http:\/\//i.test(server.trim()) && (
        <label className="field">
          <input type="checkbox" checked={allowInsecureHttp} onChange={(e) => setAllowInsecureHttp(e.target.checked)} /> Allow unencrypted http:// (the token crosses the network in cleartext; only for a trusted network)
        </label>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !server.trim() || !account.trim() || !password}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </div>
    </form>
  );
}

function Connected() {
  const status = useAppStore(syncSelectors.status)!;
  const running = useAppStore(syncSelectors.running);
  return (
    <>
      <dl className="facts">
        <dt>Server</dt>
        <dd>
          {status.connection!.server}
          {status.insecure && <strong className="field-error"> unencrypted http://: the token crosses the network in cleartext</strong>}
        </dd>
        <dt>Account</dt>
        <dd>{status.connection!.account}</dd>
        <dt>Last sync</dt>
        <dd>{status.lastsyncat ? `${new Date(status.lastsyncat).toLocaleString()} (${ago(status.lastsyncat, Date.now())})` : 'never'}</dd>
      </dl>
      <button type="button" className="link" disabled={running} onClick={() => void useAppStore.getState().disconnectSync()} title="Forget the sign-in token; what was synced stays">
        Sign out
      </button>
    </>
  );
}

function SyncNow() {
  const status = useAppStore(syncSelectors.status);
  const job = useAppStore(syncSelectors.job);
  const running = useAppStore(syncSelectors.running);
  const error = useAppStore(syncSelectors.error);
  const undecided = useAppStore(syncSelectors.undecided);
  const connected = !!status?.connection;
  const p = job?.progress;
  const lastFailed = status?.state === 'error' && !running && !(p && p.phase !== 'failed');
  return (
    <section className="panel" aria-labelledby="sync-now-title">
      <h2 id="sync-now-title">Sync</h2>
      <div className="sync-state">
        <button type="button" className="primary" disabled={!connected || running || undecided > 0} onClick={() => void useAppStore.getState().startSync()}>
          {running ? 'Syncing…' : 'Sync now'}
        </button>
        <span className="muted">
          {!connected ? 'Sign in to a sync server first.' : undecided ? `Choose a side for ${undecided} conflict(s) first.` : `${status!.pending} change(s) to push.`}
        </span>
      </div>
      {p && (
        <div className="sync-progress" role="status" aria-label="Sync progress">
          {running && <progress max={Math.max(1, p.total)} value={p.phase === 'pushing' ? p.pushed : undefined} />}
          <span>
            {PHASE[p.phase]} {p.phase !== 'failed' && `Pulled ${p.pulled} row(s), pushed ${p.pushed} of ${p.total} change(s).`}
          </span>
        </div>
      )}
      {p?.phase === 'failed' && p.error && (
        <p className="error" role="alert">
          {p.error}
        </p>
      )}
      {lastFailed && !p && status?.message && (
        <p className="error" role="alert">
          The last sync failed: {status.message}
        </p>
      )}
      {error && error.code !== 'unauthorized' && error.path === undefined && connected && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
    </section>
  );
}

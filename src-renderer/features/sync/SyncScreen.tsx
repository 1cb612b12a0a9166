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

/**
 * The server holds no organization: nothing was sent. Publishing puts this vault's organization on
 * it for everyone who syncs with it, so it is asked, never done by a plain "Sync now".
 */
function PublishQuestion({ message, jobid }: { message: string; jobid: string }) {
  const [dismissed, setDismissed] = useState<string | null>(null);
  if (dismissed === jobid) return <p className="muted">Nothing was published. Sync again to be asked again.</p>;
  return (
    <div className="panel" role="alertdialog" aria-label="Publish to the empty server" aria-describedby={`publish-${jobid}`}>
      <p id={`publish-${jobid}`}>{message}.</p>
      <p className="muted">Nothing was sent yet. A server that already holds an organization is never overwritten.</p>
      <div className="actions">
        <button type="button" className="primary" onClick={() => void useAppStore.getState().startSync({ publish: true })}>
          Publish this organization
        </button>
        <button type="button" onClick={() => setDismissed(jobid)}>
          Not now
        </button>
      </div>
    </div>
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
          {!connected ? 'Sign in to a sync server first.' : undecided ? `Choose a side for ${undecided} conflict(s) first.` : `${status.pending} change(s) to push.`}
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
      {p?.phase === 'failed' && p.code === 'server-empty' && !running ? (
        <PublishQuestion message={p.error ?? ''} jobid={job!.jobid} />
      ) : p?.phase === 'failed' && p.code === 'server-holds-other-organization' && !running ? (
        <div className="panel" role="alertdialog" aria-label="The server holds another organization">
          <p className="error">{p.error}</p>
          <div className="actions">
            <button type="button" onClick={() => void useAppStore.getState().disconnectSync()} title="Forget this server's sign-in; then sign in to an empty server to publish there">
              Sign out of this server
            </button>
          </div>
        </div>
      ) : (
        p?.phase === 'failed' &&
        p.error && (
          <p className="error" role="alert">
            {p.error}
          </p>
        )
      )}
      {p?.published && (
        <p className="note" role="status" aria-label="Published">
          {p.published.duplicate ? 'The server already had' : 'Published'} the organization “{p.published.organization}”, with {p.published.changes} change(s) of this vault; everyone who syncs with this server now works on it.
          {p.published.unplaced.length > 0 && ` Server accounts without a user (the organization has no role of the name they were added with): ${p.published.unplaced.join(', ')}.`}
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

import { useEffect, useId, useState, type FormEvent } from 'react';
import { dataverseSelectors, heldText, pullProgressText, stagingSelectors, toPushText, useAppStore } from '../../store';
import { ago } from '../../store/slices/sync/selectors';
import { PushResults } from './PushResults';
import { PushReview } from './PushReview';
import { KeptConflict } from './KeptConflict';
import '../sync/sync.css';
import './dataverse.css';

/** The vault's link to a Dataverse environment: where it is, pulling it in, and pushing back what it lacks (changes applied since the pull, then the staged ones) after a review. */
export function DataverseScreen() {
  const status = useAppStore(dataverseSelectors.status);
  const revision = useAppStore((s) => s.history.revision);
  useEffect(() => {
    void useAppStore.getState().loadDataverse();
  }, [revision]);

  if (!status) return <p aria-busy="true">Loading…</p>;
  if (!status.available) {
    return (
      <section className="panel">
        <h2>Dataverse</h2>
        <p className="note">{status.message}</p>
      </section>
    );
  }
  return (
    <div className="dataverse-screen">
      <div className="sync-top">
        <EnvironmentSettings />
        <Pull />
      </div>
      <Push />
    </div>
  );
}

function EnvironmentSettings() {
  const status = useAppStore(dataverseSelectors.status)!;
  const error = useAppStore(dataverseSelectors.error);
  const errorAt = useAppStore(dataverseSelectors.errorAt);
  const busy = useAppStore(dataverseSelectors.busy);
  const [env, setEnv] = useState(status.settings.env ?? '');
  const [clientid, setClientid] = useState(status.settings.clientid ?? '');
  const [authority, setAuthority] = useState(status.settings.authority ?? '');
  const [saved, setSaved] = useState(false);
  const ids = { env: useId(), clientid: useId(), authority: useId() };
  const fieldError = (path: string) => (errorAt === 'settings' && error?.path === path ? error.message : null);
  const changed = env.trim() !== (status.settings.env ?? '') || clientid.trim() !== (status.settings.clientid ?? '') || authority.trim() !== (status.settings.authority ?? '');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    const refused = await useAppStore.getState().saveDataverseSettings({ env: env.trim(), clientid: clientid.trim() || null, authority: authority.trim() || null });
    if (!refused) {
      const s = useAppStore.getState().dataverseStatus?.settings;
      setEnv(s?.env ?? '');
      setClientid(s?.clientid ?? '');
      setAuthority(s?.authority ?? '');
      setSaved(true);
    }
  };
  return (
    <section className="panel" aria-labelledby="dv-env-title">
      <h2 id="dv-env-title">Environment</h2>
      <form className="sync-form" onSubmit={(e) => void submit(e)} aria-label="Dataverse environment">
        <div className="field">
          <label htmlFor={ids.env}>
            <span className="muted">Environment URL</span>
          </label>
          <input id={ids.env} type="url" placeholder="https://contoso.crm.dynamics.com" value={env} onChange={(e) => (setEnv(e.target.value), setSaved(false))} aria-invalid={!!fieldError('env')} aria-describedby={fieldError('env') ? `${ids.env}-error` : undefined} required />
          {fieldError('env') && (
            <span className="field-error" role="alert" id={`${ids.env}-error`}>
              {fieldError('env')}
            </span>
          )}
        </div>
        <div className="field">
          <label htmlFor={ids.clientid}>
            <span className="muted">Application (client) id — empty for the default</span>
          </label>
          <input id={ids.clientid} placeholder="51f81489-12ee-4a9e-aaae-a2591f45987d" value={clientid} onChange={(e) => (setClientid(e.target.value), setSaved(false))} aria-invalid={!!fieldError('clientid')} spellCheck={false} />
          {fieldError('clientid') && (
            <span className="field-error" role="alert" id={`${ids.clientid}-error`}>
              {fieldError('clientid')}
            </span>
          )}
        </div>
        <div className="field">
          <label htmlFor={ids.authority}>
            <span className="muted">Sign-in authority — empty for work and school accounts of any tenant</span>
          </label>
          <input id={ids.authority} type="url" placeholder="https://login.microsoftonline.com/organizations" value={authority} onChange={(e) => (setAuthority(e.target.value), setSaved(false))} aria-invalid={!!fieldError('authority')} spellCheck={false} />
          {fieldError('authority') && (
            <span className="field-error" role="alert" id={`${ids.authority}-error`}>
              {fieldError('authority')}
            </span>
          )}
        </div>
        {errorAt === 'settings' && error && error.path !== 'env' && error.path !== 'clientid' && error.path !== 'authority' && (
          <p className="error" role="alert">
            {error.message}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy === 'saving' || !env.trim() || !changed}>
            {busy === 'saving' ? 'Saving…' : 'Save'}
          </button>
          {saved && !changed && (
            <span className="muted" role="status">
              Saved in the vault.
            </span>
          )}
        </div>
      </form>
      <dl className="facts">
        <dt>Signed in</dt>
        <dd>
          {status.account ?? <span className="muted">nobody is signed in to this environment</span>}
          {status.account && status.signInRequired && <span className="badge">sign-in expired</span>}
        </dd>
      </dl>
      {status.signInRequired && (
        <p className="error" aria-label="Sign-in required">
          {status.signInRequired}. Sign in again to pull or push; the settings are kept.
        </p>
      )}
      <div className="actions inline">
        {status.account && !status.signInRequired ? (
          <button type="button" disabled={busy !== null} onClick={() => void useAppStore.getState().signOutDataverse()} title="Forget the sign-in kept in the vault">
            Sign out
          </button>
        ) : (
          <button type="button" className="primary" disabled={!status.settings.env || changed || busy !== null} onClick={() => void useAppStore.getState().signInDataverse()}>
            {busy === 'signing-in' ? 'Signing in… finish in your browser' : status.signInRequired ? 'Sign in again' : 'Sign in'}
          </button>
        )}
        {busy === 'signing-in' && (
          <button type="button" onClick={() => void useAppStore.getState().cancelSignInDataverse()} title="Give up this sign-in (for example after closing the browser tab)">
            Cancel
          </button>
        )}
        {!status.account && (!status.settings.env || changed) && <span className="muted">Save the environment URL first.</span>}
      </div>
    </section>
  );
}

function Pull() {
  const status = useAppStore(dataverseSelectors.status)!;
  const job = useAppStore(dataverseSelectors.pull);
  const pulling = useAppStore(dataverseSelectors.pulling);
  const busy = useAppStore(dataverseSelectors.busy);
  const error = useAppStore(dataverseSelectors.error);
  const errorAt = useAppStore(dataverseSelectors.errorAt);
  const link = status.link;
  const env = status.settings.env;
  const [confirming, setConfirming] = useState(false);
  const { pullDataverse } = useAppStore.getState();
  return (
    <section className="panel" aria-labelledby="dv-pull-title">
      <h2 id="dv-pull-title">Pull</h2>
      {link ? (
        <dl className="facts" aria-label="Last pull">
          <dt>Environment</dt>
          <dd>{link.env}</dd>
          <dt>Last pulled</dt>
          <dd>
            {new Date(link.pulledat).toLocaleString()} ({ago(link.pulledat, Date.now())})
          </dd>
          <dt>It held</dt>
          <dd>{heldText(link.counts, link.privileges)}</dd>
        </dl>
      ) : (
        <p className="muted">This vault has not been pulled from a Dataverse environment yet.</p>
      )}
      <div className="sync-state">
        <button type="button" className="primary" disabled={!env || pulling || busy === 'pushing'} onClick={() => void pullDataverse()}>
          {pulling ? 'Pulling…' : 'Pull'}
        </button>
        <span className="muted">{!env ? 'Set the environment URL first.' : `Reads every security table of ${env} and replaces this vault's organization with it (audited; staged changes are kept).`}</span>
      </div>
      {status.applied > 0 && (
        <div className="dv-unpushed" role="group" aria-label="Changes not pushed">
          <p className="warn">
            {status.applied} change(s) applied since the pull are not in the environment: a pull waits until they are pushed, so that it does not revert them.
          </p>
          {confirming ? (
            <div className="actions inline">
              <button type="button" className="danger" disabled={pulling || busy !== null} onClick={() => (setConfirming(false), void pullDataverse({ discard: true }))}>
                Discard {status.applied} change(s) and pull
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                Keep them
              </button>
              <span className="muted">The organization is replaced with the environment's; the audit log records what was discarded.</span>
            </div>
          ) : (
            <div className="actions inline">
              <button type="button" disabled={!env || pulling || busy !== null} onClick={() => setConfirming(true)}>
                Discard and pull
              </button>
            </div>
          )}
        </div>
      )}
      {job && (
        <div className="sync-progress" role="status" aria-label="Pull progress">
          {job.state === 'running' && <progress max={Math.max(1, job.of)} value={job.done} />}
          <span className={job.state === 'failed' ? 'error' : undefined}>{pullProgressText(job)}</span>
        </div>
      )}
      {errorAt === 'pull' && error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
    </section>
  );
}

function Push() {
  const status = useAppStore(dataverseSelectors.status)!;
  const plan = useAppStore(dataverseSelectors.plan);
  const result = useAppStore(dataverseSelectors.push);
  const busy = useAppStore(dataverseSelectors.busy);
  const pulling = useAppStore(dataverseSelectors.pulling);
  const stagingOn = useAppStore(stagingSelectors.enabled);
  const error = useAppStore(dataverseSelectors.error);
  const errorAt = useAppStore(dataverseSelectors.errorAt);
  const staged = status.staged;
  const toPush = toPushText(status, status.link?.env ?? 'the environment');
  return (
    <section className="panel" aria-labelledby="dv-push-title">
      <div className="panel-head">
        <h2 id="dv-push-title">Push</h2>
        <span className="muted" aria-label="To push">
          {toPush ?? (stagingOn ? 'Nothing is staged: edits on any screen wait in the change set, then come here to be pushed.' : 'Nothing is staged, and nothing was applied since the pull. Edits applied with “Stage changes” off come here too.')}
        </span>
      </div>
      {status.kept > 0 && <p className="muted">{status.kept} change(s) applied since the pull (records, shares) have no Dataverse equivalent: they stay in this vault only.</p>}
      {status.sincePull && <p className="warn">{status.sincePull}</p>}
      {!plan && (
        <div className="actions inline">
          <button type="button" className="primary" disabled={!(staged || status.applied) || !status.link || pulling || busy !== null} onClick={() => void useAppStore.getState().reviewPush()}>
            {busy === 'planning' ? 'Reading the environment…' : 'Review push'}
          </button>
          {!status.link && staged > 0 && <span className="muted">Pull first: a push addresses rows by the ids the pull read.</span>}
        </div>
      )}
      {errorAt === 'push' && error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      {status.conflict && !plan?.conflicts.length && !result?.conflicts.length && <KeptConflict conflict={status.conflict} />}
      {plan && <PushReview plan={plan} />}
      {result && <PushResults result={result} />}
    </section>
  );
}

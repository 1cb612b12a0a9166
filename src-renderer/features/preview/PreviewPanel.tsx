import '../hierarchy/hierarchy.css';
import { useEffect, useState } from 'react';
import { AccessDiffTables } from '../../components/AccessDiff';
import { orgSelectors, stagingSelectors, useAppStore } from '../../store';

/** The staging toggle, for the top bar: on, every screen's edits wait in the change set. */
export function StagingToggle() {
  const on = useAppStore(stagingSelectors.enabled);
  const pending = useAppStore(stagingSelectors.pending);
  const { setStagingEnabled, loadStaged, navigate } = useAppStore.getState();
  useEffect(() => {
    void loadStaged();
  }, [loadStaged]);
  return (
    <span className="staging-toggle">
      <label>
        <input type="checkbox" checked={on} onChange={(e) => setStagingEnabled(e.target.checked)} /> Stage changes
      </label>
      <button type="button" onClick={() => navigate('preview')} aria-label={`Preview: ${pending} staged`}>
        Preview <span className="pill">{pending}</span>
      </button>
    </span>
  );
}

/**
 * The change set before it is applied: the pending commands (apply or discard each, or all) and
 * the access diff of the whole set (the core's diff(), as `roleatlas diff` prints it) per table and
 * right, with the users who gain and lose and their records.
 */
export function PreviewPanel() {
  const staged = useAppStore(stagingSelectors.staged);
  const diff = useAppStore(stagingSelectors.diff);
  const diffError = useAppStore(stagingSelectors.diffError);
  const revision = useAppStore(stagingSelectors.revision);
  const orgRevision = useAppStore(orgSelectors.revision);
  const on = useAppStore(stagingSelectors.enabled);
  const { loadStaged, loadDiff, applyStaged, unstage, discardStaged, setStagingEnabled } = useAppStore.getState();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void loadStaged();
  }, [orgRevision, loadStaged]);
  useEffect(() => {
    void loadDiff();
  }, [revision, orgRevision, loadDiff]);
  const run = async (f: () => Promise<unknown>) => {
    setBusy(true);
    await f();
    setBusy(false);
  };
  const groups = diff?.groups ?? [];
  return (
    <div className="preview-panel">
      <section className="panel" aria-label="Staged changes">
        <div className="panel-head">
          <h2>Staged changes</h2>
          <label className="staging-toggle">
            <input type="checkbox" checked={on} onChange={(e) => setStagingEnabled(e.target.checked)} /> Stage edits from every screen
          </label>
        </div>
        {staged.problem && (
          <p role="alert" className="error">
            Change {staged.problem.index + 1} no longer applies: {staged.problem.message}
          </p>
        )}
        {staged.commands.length === 0 ? (
          <p className="muted">Nothing is staged. {on ? 'Edits on any screen land here first.' : 'Turn staging on to review edits before they are applied.'}</p>
        ) : (
          <>
            <ol className="staged-list" aria-label="Pending changes">
              {staged.commands.map((c, i) => (
                <li key={i}>
                  {c.summary ?? c.command.type}
                  <span className="inline">
                    <button type="button" disabled={busy} onClick={() => void run(() => applyStaged([i]))} aria-label={`Apply change ${i + 1}`}>
                      Apply
                    </button>
                    <button type="button" disabled={busy} onClick={() => void run(() => unstage([i]))} aria-label={`Discard change ${i + 1}`}>
                      Discard
                    </button>
                  </span>
                </li>
              ))}
            </ol>
            <div className="actions inline">
              <button type="button" className="primary" disabled={busy || !!staged.problem} onClick={() => void run(() => applyStaged())}>
                Apply all
              </button>
              <button type="button" className="danger" disabled={busy} onClick={() => void run(() => discardStaged())}>
                Discard all
              </button>
            </div>
          </>
        )}
      </section>
      <section className="panel" aria-label="Access diff">
        <div className="panel-head">
          <h2>Access diff</h2>
          {diff && (
            <span className="muted">
              {diff.totalRows.toLocaleString()} user × table × right rows{diff.rows.length < diff.totalRows ? ` (the ${diff.rows.length.toLocaleString()} most affected listed)` : ''}
            </span>
          )}
        </div>
        {diffError && (
          <p role="alert" className="error">
            {diffError.message}
          </p>
        )}
        {diff && groups.length === 0 && staged.commands.length > 0 && <p className="muted">No user gains or loses access.</p>}
        <AccessDiffTables diff={diff} />
      </section>
    </div>
  );
}

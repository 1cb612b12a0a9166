import { AccessDiffTables } from '../../components/AccessDiff';
import { dataverseSelectors, useAppStore } from '../../store';
import type { DataversePlanDto } from '../../../src-main/bridge/channels/dataverseLink';
import { FieldConflicts } from './FieldConflicts';

/**
 * What the push sends: the changes applied since the pull (by the undo step they were applied in),
 * then the staged ones; every Web API request in order, and the access diff from the organization
 * as pulled. Nothing is sent until Send.
 */
export function PushReview({ plan }: { plan: DataversePlanDto }) {
  const busy = useAppStore(dataverseSelectors.busy);
  const { sendPush, closePushReview, pullDataverse } = useAppStore.getState();
  const toSend = plan.requests.filter((r) => !r.inEffect).length;
  if (plan.conflicts.length) {
    return (
      <div className="push-review" aria-label="Push review">
        <p className="error" role="alert">
          {plan.message}
        </p>
        <FieldConflicts conflicts={plan.conflicts} />
        <div className="actions inline">
          <button type="button" className="primary" onClick={() => void pullDataverse()}>
            Pull again
          </button>
          <button type="button" onClick={closePushReview}>
            Close
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="push-review" aria-label="Push review">
      <h3>
        {toSend} Web API request(s) in {plan.changeSets} change set(s) to {plan.env}
        {toSend < plan.requests.length && <span className="muted"> — {plan.requests.length - toSend} already in effect there, not sent again</span>}
      </h3>
      {plan.applied.length > 0 && <AppliedSincePull applied={plan.applied} />}
      {plan.kept.length > 0 && (
        <>
          <h3>
            Kept in the vault only <span className="muted">{plan.kept.length} change(s) applied since the pull with no Dataverse equivalent; they block nothing</span>
          </h3>
          <ul className="dv-kept" aria-label="Kept in the vault only">
            {plan.kept.map((k, i) => (
              <li key={i} title={k.why}>
                {k.summary} <span className="muted">({k.step})</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <table className="dv-requests" aria-label="Web API requests">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Method</th>
            <th scope="col">Path (under /api/data/v9.2/)</th>
            <th scope="col">Body</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          {plan.requests.map((r, i) => (
            <tr key={i} className={r.inEffect ? 'in-effect' : undefined}>
              <td className="num">{i + 1}</td>
              <td>
                <span className={`method method-${r.method.toLowerCase()}`}>{r.method}</span>
              </td>
              <td className="mono">
                {r.path}
                {r.ifMatch && <span className="muted"> If-Match: {r.ifMatch}</span>}
              </td>
              <td className="mono body">{r.body ?? ''}</td>
              <td>
                <span className={`badge part part-${r.part}`}>{r.part}</span>
                {r.change}. {r.summary}
                {r.inEffect && <span className="badge neutral">already in effect</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>
        Access diff <span className="muted">{plan.diff.totalRows.toLocaleString()} user × table × right row(s)</span>
      </h3>
      {plan.diff.groups.length === 0 && <p className="muted">No user gains or loses access.</p>}
      <AccessDiffTables diff={plan.diff} />
      <div className="actions inline">
        <button type="button" className="primary" disabled={busy !== null || !plan.planid} onClick={() => void sendPush()}>
          {busy === 'pushing' ? 'Sending…' : `Send ${toSend} request(s) to Dataverse`}
        </button>
        <button type="button" disabled={busy === 'pushing'} onClick={closePushReview}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** The changes applied since the pull, under the undo step each was applied in. */
function AppliedSincePull({ applied }: { applied: DataversePlanDto['applied'] }) {
  const steps: { step: string; changes: { n: number; summary: string }[] }[] = [];
  applied.forEach((a, i) => {
    const last = steps.at(-1);
    if (last && last.step === a.step) last.changes.push({ n: i + 1, summary: a.summary });
    else steps.push({ step: a.step, changes: [{ n: i + 1, summary: a.summary }] });
  });
  return (
    <>
      <h3>
        Applied since the pull <span className="muted">{applied.length} change(s) in the vault and not in the environment, sent first</span>
      </h3>
      <ol className="dv-applied" aria-label="Applied since the pull">
        {steps.map((s, i) => (
          <li key={i}>
            {s.step}
            {(s.changes.length > 1 || s.changes[0].summary !== s.step) && (
              <ul>
                {s.changes.map((c) => (
                  <li key={c.n} className="muted">
                    {c.n}. {c.summary}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
    </>
  );
}

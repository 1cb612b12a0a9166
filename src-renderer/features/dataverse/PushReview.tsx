import { AccessDiffTables } from '../../components/AccessDiff';
import { dataverseSelectors, useAppStore } from '../../store';
import type { DataversePlanDto } from '../../../src-main/bridge/channels/dataverseLink';
import { FieldConflicts } from './FieldConflicts';

/** Every Web API request the push would send, in order, and the access diff of the staged set; nothing is sent until Send. */
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
      <table className="dv-requests" aria-label="Web API requests">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Method</th>
            <th scope="col">Path (under /api/data/v9.2/)</th>
            <th scope="col">Body</th>
            <th scope="col">Staged change</th>
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

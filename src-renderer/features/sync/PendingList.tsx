import { useAppStore } from '../../store';
import { syncSelectors } from '../../store/slices/sync/selectors';

/** Changes journaled in this vault and not yet pushed, oldest first. */
export function PendingList() {
  const pending = useAppStore(syncSelectors.pending);
  return (
    <section className="panel" aria-labelledby="sync-pending-title">
      <div className="panel-head">
        <h2 id="sync-pending-title">Changes not yet synced</h2>
        {pending && <span className="muted">{pending.total ? `${pending.total} change(s)` : ''}</span>}
      </div>
      {!pending ? (
        <p aria-busy="true">Loading…</p>
      ) : !pending.total ? (
        <p className="muted">Nothing waits to be pushed.</p>
      ) : (
        <table className="pending-changes" aria-label="Changes not yet synced">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {pending.entries.map((e) => (
              <tr key={e.seq}>
                <td className="when">{new Date(e.at).toLocaleString()}</td>
                <td>{e.actor}</td>
                <td>{e.summary}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pending && pending.total > pending.entries.length && <p className="muted">…and {pending.total - pending.entries.length} more.</p>}
    </section>
  );
}

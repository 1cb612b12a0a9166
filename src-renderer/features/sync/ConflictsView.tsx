import { useAppStore } from '../../store';
import { ago, syncSelectors } from '../../store/slices/sync/selectors';
import type { SyncConflictDto } from '../../../src-main/bridge/channels/sync';

type Take = 'mine' | 'theirs';

/** Each object changed both here and on the server, with both sides per field and a choice per object or field. */
export function ConflictsView() {
  const conflicts = useAppStore(syncSelectors.conflicts);
  const message = useAppStore(syncSelectors.message);
  if (!conflicts.length) return null;
  const undecided = conflicts.filter((c) => !c.resolved).length;
  return (
    <section className="panel" aria-labelledby="sync-conflicts-title">
      <div className="panel-head">
        <h2 id="sync-conflicts-title">Conflicts</h2>
        <span className="muted">{undecided ? `${undecided} of ${conflicts.length} to decide; the next sync pushes your choices.` : 'All decided: sync to push your choices.'}</span>
      </div>
      {message && (
        <p className="note" role="status">
          {message}
        </p>
      )}
      {conflicts.map((c) => (
        <Conflict key={c.id} c={c} />
      ))}
    </section>
  );
}

const titleOf = (c: SyncConflictDto) => (c.name ? `${c.name}` : c.key);

function Conflict({ c }: { c: SyncConflictDto }) {
  const resolve = (take: Take, fields?: readonly string[]) => void useAppStore.getState().resolveConflict(c.id, take, fields);
  const running = useAppStore(syncSelectors.running);
  const whole = c.resolved && c.fields.every((f) => f.choice === c.fields[0].choice) ? c.fields[0].choice : null;
  return (
    <article className={c.resolved ? 'conflict resolved' : 'conflict'} aria-label={`Conflict on ${c.entityset} ${titleOf(c)}`}>
      <div className="conflict-head">
        <h3>
          {titleOf(c)} <span className="muted">{c.entityset}({c.key})</span>
        </h3>
        <span className="muted">
          Theirs changed by <strong>{c.changedby ?? 'another client'}</strong>
          {c.changedat ? `, ${new Date(c.changedat).toLocaleString()} (${ago(c.changedat, Date.now())})` : `; seen ${new Date(c.detectedat).toLocaleString()}`}
        </span>
        {c.resolved && <span className="badge">Decided</span>}
        <div className="actions segmented" role="group" aria-label={`Whole ${titleOf(c)}`}>
          <button type="button" aria-pressed={whole === 'mine'} disabled={running} onClick={() => resolve('mine')}>
            Keep all mine
          </button>
          <button type="button" aria-pressed={whole === 'theirs'} disabled={running} onClick={() => resolve('theirs')}>
            Take all theirs
          </button>
        </div>
      </div>
      <table className="conflict-fields" aria-label={`Fields of ${titleOf(c)}`}>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Mine (this vault)</th>
            <th scope="col">Theirs ({c.changedby ?? 'server'})</th>
            <th scope="col">Choice</th>
          </tr>
        </thead>
        <tbody>
          {c.fields.map((f) => (
            <tr key={f.field}>
              <th scope="row">
                <code>{f.field}</code>
              </th>
              <td className={f.choice === 'mine' ? 'value chosen' : 'value'}>{f.mine}</td>
              <td className={f.choice === 'theirs' ? 'value chosen' : 'value'}>{f.theirs}</td>
              <td>
                <div className="segmented" role="group" aria-label={`Choice for ${f.field}`}>
                  <button type="button" aria-pressed={f.choice === 'mine'} disabled={running} onClick={() => resolve('mine', [f.field])}>
                    Keep mine
                  </button>
                  <button type="button" aria-pressed={f.choice === 'theirs'} disabled={running} onClick={() => resolve('theirs', [f.field])}>
                    Take theirs
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}

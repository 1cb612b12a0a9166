import '../features/hierarchy/hierarchy.css';
import { useState } from 'react';
import type { DiffDto } from '../../src-main/bridge/channels/staging';
import { rowsOf, type DiffSort } from '../store';
import { DEPTH_LABEL, depthKey } from './depth';

/**
 * An access diff (the core's diff(), as `roleatlas diff` prints it): per table and right the users
 * who gain and lose and their records, then the users of the chosen row. The staged review and the
 * Dataverse push review both show it.
 */
export function AccessDiffTables({ diff }: { diff: DiffDto | null }) {
  const [group, setGroup] = useState<string | null>(null);
  const [sort, setSort] = useState<DiffSort>('affected');
  const groups = diff?.groups ?? [];
  const active = groups.find((g) => `${g.entity}|${g.right}|${g.privilege}` === group) ?? groups[0];
  const rows = active && diff ? rowsOf(diff.rows, active.entity, active.right, sort).filter((r) => r.privilege === active.privilege) : [];
  return (
    <>
      {groups.length > 0 && (
        <table className="diff-table" aria-label="Changes per table and right">
          <thead>
            <tr>
              <th>Table</th>
              <th>Right</th>
              <th>Users gaining</th>
              <th>Users losing</th>
              <th>Records gained</th>
              <th>Records lost</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => {
              const key = `${g.entity}|${g.right}|${g.privilege}`;
              return (
                <tr key={key} className={g === active ? 'active' : undefined} onClick={() => setGroup(key)} aria-selected={g === active}>
                  <td>
                    <button type="button" className="link" onClick={() => setGroup(key)}>
                      {g.entity ?? g.privilege}
                    </button>
                  </td>
                  <td>{g.right ?? ''}</td>
                  <td className="dir-gain">{g.gain}</td>
                  <td className="dir-lose">{g.lose}</td>
                  <td>{signed('+', g.recordsGained)}</td>
                  <td>{signed('−', g.recordsLost)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {active && (
        <>
          <div className="toolbar">
            <h3>
              {active.entity ? `${active.right} ${active.entity}` : active.privilege}
            </h3>
            <label>
              Sort{' '}
              <select aria-label="Sort users" value={sort} onChange={(e) => setSort(e.target.value as DiffSort)}>
                <option value="affected">most affected first</option>
                <option value="user">by user</option>
                <option value="records">by records after</option>
              </select>
            </label>
          </div>
          <table className="diff-table" aria-label="Users affected">
            <thead>
              <tr>
                <th>User</th>
                <th>Change</th>
                <th>Depth</th>
                <th>Records</th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, 1000).map((r) => {
                const d = r.direction;
                return (
                  <tr key={`${r.systemuserid}|${r.privilege}|${r.entity}`}>
                    <td>{r.fullname}</td>
                    <td className={`dir-${d}`}>{d === 'gain' ? 'gains' : d === 'lose' ? 'loses' : 'changes'}</td>
                    <td>
                      {DEPTH_LABEL[depthKey(r.depthBefore)]} → {DEPTH_LABEL[depthKey(r.depthAfter)]}
                    </td>
                    <td>
                      {r.recordsBefore.toLocaleString()} → {r.recordsAfter.toLocaleString()}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

/** A count of records gained or lost with its sign; none is a plain 0, not +0 or −0. */
function signed(sign: '+' | '−', n: number): string {
  return n === 0 ? '0' : `${sign}${n.toLocaleString()}`;
}

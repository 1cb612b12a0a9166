import { useRef, useState, type KeyboardEvent } from 'react';
import type { Depth, MatrixDto } from '../../api';
import { DepthCell, DepthLegend } from '../../components/DepthCell';
import { DEPTH_LABEL } from '../../components/depth';
import { fitDepth, grantedIn, nextDepth, rolesSelectors, useAppStore, visibleGroups } from '../../store';

const RIGHT_LABEL: Record<string, string> = { AppendTo: 'Append To' };
const SET_TO: readonly (Depth | 'None')[] = ['None', 'Basic', 'Local', 'Deep', 'Global'];

type Cell = { name: string; depths: Depth[]; depth: Depth | null; saved?: Depth | null; status: 'known' | 'inferred' | 'unverified' };

/** The Dynamics role editor: tabs of tables, a column per right, cells cycling through the allowed depths. */
export function PrivilegeMatrix({ matrix }: { matrix: MatrixDto }) {
  const tab = useAppStore(rolesSelectors.tab);
  const query = useAppStore(rolesSelectors.query);
  const { setMatrixTab, setMatrixQuery, setPrivilege, setPrivileges } = useAppStore.getState();
  const [focus, setFocus] = useState<{ r: number; c: number }>({ r: 0, c: 0 });
  const grid = useRef<HTMLDivElement>(null);
  const groups = visibleGroups(matrix, tab, query);
  const current = tab ?? matrix.groups[0]?.group;

  // Every cell of the shown tables, row by row, for arrow-key moves (misc privileges are one-cell rows).
  const rows: (Cell | null)[][] = [];
  for (const g of groups) {
    for (const e of g.entities) rows.push(e.cells);
    for (const m of g.miscellaneous) rows.push([m]);
  }

  const moveFocus = (r: number, c: number) => {
    const rr = Math.max(0, Math.min(rows.length - 1, r));
    const row = rows[rr];
    let cc = Math.max(0, Math.min(row.length - 1, c));
    if (!row[cc]) {
      const right = row.findIndex((x, i) => x && i >= cc);
      cc = right >= 0 ? right : row.findLastIndex((x) => !!x);
    }
    setFocus({ r: rr, c: cc });
    requestAnimationFrame(() => grid.current?.querySelector<HTMLElement>(`[data-cell="${rr}:${cc}"] button`)?.focus());
  };
  const onKey = (e: KeyboardEvent, r: number, c: number) => {
    const step: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const s = step[e.key];
    if (!s) return;
    e.preventDefault();
    if (s[1] !== 0) {
      // Skip rights a table does not have.
      let cc = c + s[1];
      while (cc >= 0 && cc < rows[r].length && !rows[r][cc]) cc += s[1];
      if (cc >= 0 && cc < rows[r].length) moveFocus(r, cc);
    } else moveFocus(r + s[0], c);
  };

  const setMany = (cells: (Cell | null)[], to: Depth | 'None', what: string) => {
    const wanted = to === 'None' ? null : to;
    const changes = cells
      .filter((x): x is Cell => !!x)
      .map((x) => ({ privilege: x.name, before: x.depth, depth: fitDepth(wanted, x.depths) }))
      .filter((x) => x.depth !== x.before)
      .map(({ privilege, depth }) => ({ privilege, depth }));
    void setPrivileges(changes, `Set ${what} to ${DEPTH_LABEL[to]} in ${matrix.role.name}`);
  };

  let rowIndex = 0;
  return (
    <div className="matrix" ref={grid}>
      <div className="matrix-top">
        <div className="tabs scroll" role="tablist" aria-label="Privilege tabs">
          {matrix.groups.map((g) => (
            <button
              key={g.group}
              type="button"
              role="tab"
              aria-selected={!query && g.group === current}
              className={!query && g.group === current ? 'tab active' : 'tab'}
              onClick={() => {
                setMatrixQuery('');
                setMatrixTab(g.group);
              }}
            >
              {g.group} <span className="count-pill">{grantedIn(g)}</span>
            </button>
          ))}
        </div>
        <input type="search" aria-label="Search privileges" placeholder="Search tables and privileges" value={query} onChange={(e) => setMatrixQuery(e.target.value)} />
      </div>
      <DepthLegend
        unverified={groups.some((g) => g.entities.some((e) => e.cells.some((c) => c?.status === 'unverified')) || g.miscellaneous.some((m) => m.status === 'unverified'))}
        staged={matrix.groups.some((g) => g.entities.some((e) => e.cells.some((c) => c?.saved !== undefined)) || g.miscellaneous.some((m) => m.saved !== undefined))}
      />
      {groups.length === 0 && <p className="muted">No table or privilege matches “{query}”.</p>}
      {groups.map((g) => (
        <div key={g.group} className="matrix-group">
          {query && <h3>{g.group}</h3>}
          {g.entities.length > 0 && (
            <table className="privileges" aria-label={`${g.group} privileges`}>
              <thead>
                <tr>
                  <th scope="col">Table</th>
                  {matrix.rights.map((right, ci) => (
                    <th scope="col" key={right}>
                      <div>{RIGHT_LABEL[right] ?? right}</div>
                      <SetMenu label={`Set column ${RIGHT_LABEL[right] ?? right}`} onSet={(to) => setMany(g.entities.map((e) => e.cells[ci]), to, `${RIGHT_LABEL[right] ?? right} on ${g.group}`)} />
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {g.entities.map((e) => {
                  const r = rowIndex++;
                  return (
                    <tr key={e.logicalname}>
                      <th scope="row">
                        <span className="row-name" title={e.logicalname}>
                          {e.displayname}
                        </span>
                        <SetMenu label={`Set row ${e.displayname}`} onSet={(to) => setMany(e.cells, to, `every right on ${e.displayname}`)} />
                      </th>
                      {e.cells.map((cell, c) => (
                        <td key={c} data-cell={`${r}:${c}`}>
                          {cell ? (
                            <DepthCell
                              depth={cell.depth}
                              allowed={cell.depths}
                              unverified={cell.status === 'unverified'}
                              saved={cell.saved}
                              label={`${RIGHT_LABEL[matrix.rights[c]] ?? matrix.rights[c]} ${e.displayname}`}
                              tabIndex={focus.r === r && focus.c === c ? 0 : -1}
                              onCycle={() => {
                                setFocus({ r, c });
                                void setPrivilege(cell.name, nextDepth(cell.depth, cell.depths));
                              }}
                              onKeyDown={(ev) => onKey(ev, r, c)}
                            />
                          ) : (
                            <span className="no-privilege" aria-hidden="true" />
                          )}
                        </td>
                      ))}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          {g.miscellaneous.length > 0 && (
            <table className="privileges misc" aria-label={`${g.group} miscellaneous privileges`}>
              <thead>
                <tr>
                  <th scope="col">Miscellaneous privilege</th>
                  <th scope="col">Depth</th>
                </tr>
              </thead>
              <tbody>
                {g.miscellaneous.map((m) => {
                  const r = rowIndex++;
                  return (
                    <tr key={m.name}>
                      <th scope="row" title={m.name}>
                        {m.displayname}
                      </th>
                      <td data-cell={`${r}:0`}>
                        <DepthCell
                          depth={m.depth}
                          allowed={m.depths}
                          unverified={m.status === 'unverified'}
                          saved={m.saved}
                          label={m.displayname}
                          tabIndex={focus.r === r && focus.c === 0 ? 0 : -1}
                          onCycle={() => {
                            setFocus({ r, c: 0 });
                            void setPrivilege(m.name, nextDepth(m.depth, m.depths));
                          }}
                          onKeyDown={(ev) => onKey(ev, r, 0)}
                        />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </div>
      ))}
    </div>
  );
}

/** "Set the whole row/column to…": a depth a privilege does not allow falls back to the deepest it does below it. */
function SetMenu({ label, onSet }: { label: string; onSet: (to: Depth | 'None') => void }) {
  return (
    <select
      className="set-menu"
      aria-label={label}
      title={label}
      value=""
      onChange={(e) => {
        if (e.target.value) onSet(e.target.value as Depth | 'None');
      }}
    >
      <option value="">⋯</option>
      {SET_TO.map((d) => (
        <option key={d} value={d}>
          {DEPTH_LABEL[d]}
        </option>
      ))}
    </select>
  );
}

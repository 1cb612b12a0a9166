import '../hierarchy/hierarchy.css';
import { useEffect, useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { UserPicker } from '../../components/UserPicker';
import { DEPTH_LABEL, depthKey } from '../../components/depth';
import { checkAccessSelectors, hierarchySelectors, useAppStore } from '../../store';
import type { RecordHit } from '../../store/slices/checkAccess/slice';
import type { UserRowDto } from '../../api';

const HOW: Record<string, string> = {
  organization: 'Organization',
  'businessunit-and-below': 'Parent: Child Business Units',
  businessunit: 'Business Unit',
  owner: 'owns the record',
  'team-owner': 'a team of the user owns the record',
  share: 'shared',
  hierarchy: 'manager hierarchy',
};

/** The top bar's button and the dialog. */
export function CheckAccessButton() {
  const open = useAppStore(checkAccessSelectors.open);
  const { openCheckAccess } = useAppStore.getState();
  return (
    <>
      <button type="button" onClick={openCheckAccess}>
        Check access
      </button>
      {open && <CheckAccessDialog />}
    </>
  );
}

/**
 * Dataverse's Check access: a user and a record (or a table, owning unit and owner for a record
 * yet to exist) give every right with how it is obtained, and for each right denied what would
 * grant it; a remedy can be staged from here.
 */
export function CheckAccessDialog() {
  const result = useAppStore(checkAccessSelectors.result);
  const error = useAppStore(checkAccessSelectors.error);
  const busy = useAppStore(checkAccessSelectors.busy);
  const entities = useAppStore(hierarchySelectors.entities);
  const units = useAppStore(hierarchySelectors.units);
  const { closeCheckAccess, runCheckAccess, findRecords, applyCommand, loadGraphUnits } = useAppStore.getState();
  const [user, setUser] = useState<UserRowDto | null>(null);
  const [mode, setMode] = useState<'record' | 'hypothetical'>('record');
  const [entity, setEntity] = useState('account');
  const [recordQuery, setRecordQuery] = useState('');
  const [records, setRecords] = useState<readonly RecordHit[]>([]);
  const [recordid, setRecordid] = useState('');
  const [unit, setUnit] = useState('');
  const [staged, setStaged] = useState<string | null>(null);
  useEffect(() => {
    if (!entities.length) void loadGraphUnits();
  }, [entities.length, loadGraphUnits]);
  useEffect(() => {
    if (mode !== 'record') return;
    let live = true;
    const t = setTimeout(() => void findRecords(entity, recordQuery).then((r) => live && setRecords(r)), 120);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [mode, entity, recordQuery, findRecords]);
  const ready = !!user && (mode === 'record' ? !!recordid : !!entity);
  const submit = () => {
    if (!user) return;
    setStaged(null);
    void runCheckAccess(mode === 'record' ? { systemuserid: user.systemuserid, recordid } : { systemuserid: user.systemuserid, entity, ...(unit ? { owningbusinessunitid: unit } : {}) });
  };
  return (
    <Dialog title="Check access" onClose={closeCheckAccess} onSubmit={submit} submitLabel={busy ? 'Checking…' : 'Check'} submitDisabled={!ready || busy} error={error?.message ?? null}>
      <div className="check-access">
        <div className="toolbar">
          {user ? (
            <span>
              User: <strong>{user.fullname}</strong>{' '}
              <button type="button" className="link" onClick={() => setUser(null)}>
                change
              </button>
            </span>
          ) : (
            <UserPicker label="User to check" onPick={setUser} />
          )}
        </div>
        <div className="toolbar">
          <label>
            Table{' '}
            <select aria-label="Table" value={entity} onChange={(e) => (setEntity(e.target.value), setRecordid(''))}>
              {entities.map((e) => (
                <option key={e.logicalname} value={e.logicalname}>
                  {e.displayname}
                </option>
              ))}
            </select>
          </label>
          <label>
            <input type="radio" name="check-mode" checked={mode === 'record'} onChange={() => setMode('record')} /> a record
          </label>
          <label>
            <input type="radio" name="check-mode" checked={mode === 'hypothetical'} onChange={() => setMode('hypothetical')} /> a new record in a unit
          </label>
        </div>
        {mode === 'record' ? (
          <div className="toolbar">
            <input aria-label="Find a record" placeholder="Record name…" value={recordQuery} onChange={(e) => setRecordQuery(e.target.value)} />
            <select aria-label="Record" value={recordid} onChange={(e) => setRecordid(e.target.value)}>
              <option value="">Pick a record…</option>
              {records.map((r) => (
                <option key={r.recordid} value={r.recordid}>
                  {r.name ?? r.recordid} (owner {r.ownername})
                </option>
              ))}
            </select>
          </div>
        ) : (
          <div className="toolbar">
            <select aria-label="Owning business unit" value={unit} onChange={(e) => setUnit(e.target.value)}>
              <option value="">The user's own unit</option>
              {units?.map((u) => (
                <option key={u.businessunitid} value={u.businessunitid}>
                  {u.name}
                </option>
              ))}
            </select>
            <span className="muted">owned by another user of that unit</span>
          </div>
        )}
        {result && (
          <>
            <p>
              <strong>{result.fullname}</strong> on {result.record.name ?? (result.record.recordid ? result.record.recordid : `a new ${result.entity}`)} in {result.record.owningbusinessunitname ?? '—'}
              {result.record.ownername ? `, owned by ${result.record.ownername}` : ''}
            </p>
            <table className="rights" aria-label="Rights">
              <thead>
                <tr>
                  <th>Right</th>
                  <th>Allowed</th>
                  <th>How, or what would grant it</th>
                </tr>
              </thead>
              <tbody>
                {result.rights.map((r) => (
                  <tr key={r.right} data-right={r.right} data-allowed={r.allowed}>
                    <td>{r.right}</td>
                    <td>{r.allowed ? '✓ Yes' : '✗ No'}</td>
                    <td>
                      {r.allowed ? (
                        <ul>
                          {r.paths.map((p, i) => (
                            <li key={i}>
                              {p.rolename} {p.via === 'direct' ? '(direct)' : `(team ${p.teamname})`}, {DEPTH_LABEL[p.depth]} from {p.scopebusinessunitname}: {HOW[p.reach]}
                            </li>
                          ))}
                        </ul>
                      ) : (
                        <>
                          <span className="muted">{r.reasons[0]}</span>
                          <ul aria-label={`What would grant ${r.right}`}>
                            {r.remedies.map((m, i) => (
                              <li key={i}>
                                {m.kind === 'role'
                                  ? `${m.rolename} ${m.via === 'direct' ? '' : `(through ${m.teamname}) `}at ${DEPTH_LABEL[m.depth]} (now ${DEPTH_LABEL[depthKey(m.from)]}, scope ${m.scopebusinessunitname})`
                                  : `Share the record with ${result.fullname} for ${r.right}${m.sufficient ? '' : ' (also needs a role granting it at User level)'}`}
                                {m.command && (
                                  <button
                                    type="button"
                                    className="link"
                                    onClick={() => {
                                      const c = m.command!;
                                      void applyCommand(c).then((e) => setStaged(e ? e.message : `Done: ${c.type}`));
                                    }}
                                  >
                                    {useAppStore.getState().stagingEnabled ? 'Stage' : 'Apply'}
                                  </button>
                                )}
                              </li>
                            ))}
                          </ul>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {staged && <p role="status">{staged}</p>}
          </>
        )}
      </div>
    </Dialog>
  );
}

import { useEffect } from 'react';
import { DEPTH_LABEL, depthKey } from '../../components/depth';
import type { HierarchyUnitDto } from '../../../src-main/bridge/channels/hierarchy';
import { ancestorsOf, colourAt, hierarchySelectors, useAppStore } from '../../store';
import type { ExplanationDto } from '../../store/slices/hierarchy/slice';
import { USER_DRAG_TYPE } from './UnitNode';

type Path = ExplanationDto['paths'][number];

const REACH: Record<Path['reach'], string> = {
  organization: 'every unit',
  'businessunit-and-below': 'its scope unit and below',
  businessunit: 'its scope unit',
  owner: "the user's own records",
  'team-owner': "the team's records",
  share: 'shared records',
  hierarchy: "reports' records",
};

/** Whether a path reaches records owned in `unit`: Global everywhere, Deep below its scope, Local in it, Basic where owners are. */
function reaches(p: Path, unit: string, ancestors: readonly string[]): boolean {
  if (p.depth === 'Global') return true;
  if (p.depth === 'Deep') return p.scopebusinessunitid === unit || ancestors.includes(p.scopebusinessunitid);
  if (p.depth === 'Local') return p.scopebusinessunitid === unit;
  return false;
}

/** The selected unit: its overlay figures, the paths that reach it (explain), its users and teams on demand. */
export function UnitPanel({ unit }: { unit: HierarchyUnitDto }) {
  const index = useAppStore(hierarchySelectors.unitIndex);
  const overlay = useAppStore(hierarchySelectors.overlay);
  const q = useAppStore(hierarchySelectors.overlayQuery);
  const pathsFor = useAppStore(hierarchySelectors.pathsFor);
  const answered = useAppStore(hierarchySelectors.paths);
  const paths = pathsFor === q ? answered : null;
  const members = useAppStore(hierarchySelectors.members);
  const { loadGraphMembers, loadGraphPaths, selectGraphUnit } = useAppStore.getState();
  useEffect(() => {
    void loadGraphMembers(unit.businessunitid);
  }, [unit.businessunitid, loadGraphMembers]);
  // The paths are asked for while the panel is open only (the overview recolours without them):
  // here when it opens, by loadOverlay() when the query changes with it open.
  useEffect(() => {
    void loadGraphPaths();
  }, [unit.businessunitid, loadGraphPaths]);
  const colour = colourAt(overlay, index?.at.get(unit.businessunitid) ?? -1);
  const ancestors = index ? ancestorsOf(index, unit.businessunitid) : [];
  const here = paths?.paths.filter((p) => reaches(p, unit.businessunitid, ancestors)) ?? [];
  const basic = paths?.paths.filter((p) => p.depth === 'Basic' || !reaches(p, unit.businessunitid, ancestors)) ?? [];
  return (
    <aside className="panel unit-panel" aria-label={`Unit ${unit.name}`}>
      <div className="panel-head">
        <h2>{unit.name}</h2>
        {unit.isdisabled && <span className="badge">Disabled</span>}
        <button type="button" className="link" onClick={() => selectGraphUnit(null)} aria-label="Close unit">
          ×
        </button>
      </div>
      <p className="muted">
        {unit.users.toLocaleString()} users · {unit.teams.toLocaleString()} teams besides the default team · {unit.records.toLocaleString()} records
      </p>
      {overlay && (
        <section aria-label="Access here">
          <h3>
            {q.principalLabel}: {q.right} {q.entity}
          </h3>
          <p>
            {DEPTH_LABEL[depthKey(colour?.depth ?? null)]}, {(colour?.records ?? 0).toLocaleString()} records here
            {colour?.after && (
              <>
                {' '}
                → staged: {DEPTH_LABEL[depthKey(colour.after.depth)]}, {colour.after.records.toLocaleString()} records
              </>
            )}
          </p>
          {paths && (
            <ul className="paths" aria-label="Paths to this unit">
              {here.map((p, i) => (
                <li key={`h${i}`}>
                  <strong>{p.rolename}</strong> {p.via === 'direct' ? 'held directly' : `through team ${p.teamname}${p.inheritedfromteam ? ' (as the user)' : ''}`}, {DEPTH_LABEL[p.depth]} from {p.scopebusinessunitname}: reaches {REACH[p.reach]}
                </li>
              ))}
              {!here.length && <li className="muted">No role reaches this unit as a whole.</li>}
              {basic.length > 0 && (
                <li className="muted">
                  Owned, team and shared records only: {basic.map((p) => `${p.rolename} (${DEPTH_LABEL[p.depth]} from ${p.scopebusinessunitname})`).join('; ')}
                </li>
              )}
            </ul>
          )}
          {paths && !paths.allowed && <p className="muted">{paths.reasons.join(' ')}</p>}
        </section>
      )}
      <section aria-label="Users and teams">
        <h3>Users {members && members.businessunitid === unit.businessunitid ? `(${members.totalusers.toLocaleString()})` : ''}</h3>
        <p className="muted">Drag a user onto another unit to move them.</p>
        {members && members.businessunitid === unit.businessunitid ? (
          <>
            <ul className="member-list" aria-label="Users of the unit">
              {members.users.map((u) => (
                <li
                  key={u.systemuserid}
                  draggable
                  onDragStart={(e) => {
                    e.dataTransfer.setData(USER_DRAG_TYPE, u.systemuserid);
                    e.dataTransfer.effectAllowed = 'move';
                  }}
                >
                  {u.fullname}
                  {u.isdisabled && <span className="muted"> (disabled)</span>}
                </li>
              ))}
            </ul>
            <h3>Teams</h3>
            <ul className="member-list" aria-label="Teams of the unit">
              {members.teams.map((t) => (
                <li key={t.teamid}>
                  {t.name}
                  {t.isdefault && <span className="muted"> (default)</span>}
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p aria-busy="true">Loading…</p>
        )}
      </section>
    </aside>
  );
}

import { useEffect, useState } from 'react';
import { UserPicker } from '../../components/UserPicker';
import { DEPTH_LABEL, DEPTH_ORDER } from '../../components/depth';
import { hierarchySelectors, orgSelectors, useAppStore } from '../../store';
import type { AccessRight } from '../../../src-main/core/model/accessRights';

type Kind = 'user' | 'team' | 'role';

/** Whose access colours the graph (a user, a team, or a holder of a role in a unit), for which table and right. */
export function OverlayPicker() {
  const q = useAppStore(hierarchySelectors.overlayQuery);
  const entities = useAppStore(hierarchySelectors.entities);
  const units = useAppStore(hierarchySelectors.units);
  const summary = useAppStore(orgSelectors.summary);
  const { setOverlayQuery, findGraphTeams } = useAppStore.getState();
  const [kind, setKind] = useState<Kind>(q.principal?.kind ?? 'user');
  const [teamQuery, setTeamQuery] = useState('');
  const [teams, setTeams] = useState<readonly { teamid: string; name: string; businessunitname: string }[]>([]);
  const [roleid, setRoleid] = useState(q.principal?.kind === 'role' ? q.principal.roleid : '');
  const [roleUnit, setRoleUnit] = useState(q.principal?.kind === 'role' ? q.principal.businessunitid : (units?.[0]?.businessunitid ?? ''));
  useEffect(() => {
    if (kind !== 'team') return;
    let live = true;
    const t = setTimeout(() => void findGraphTeams(teamQuery).then((r) => live && setTeams(r)), 120);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [kind, teamQuery, findGraphTeams]);
  const setRole = (role: string, unit: string) => {
    setRoleid(role);
    setRoleUnit(unit);
    const r = summary?.roles.find((x) => x.roleid === role);
    const u = units?.find((x) => x.businessunitid === unit);
    if (r && u) setOverlayQuery({ principal: { kind: 'role', roleid: role, businessunitid: unit }, principalLabel: `${r.name} held in ${u.name}` });
  };
  const entity = entities.find((e) => e.logicalname === q.entity);
  return (
    <fieldset className="overlay-picker">
      <legend>Access overlay</legend>
      <label>
        Colour by{' '}
        <select aria-label="Colour by" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
          <option value="user">a user</option>
          <option value="team">a team</option>
          <option value="role">a role held in a unit</option>
        </select>
      </label>
      {kind === 'user' && <UserPicker label="Overlay user" placeholder="User…" onPick={(u) => setOverlayQuery({ principal: { kind: 'user', systemuserid: u.systemuserid }, principalLabel: u.fullname })} />}
      {kind === 'team' && (
        <>
          <input aria-label="Overlay team search" placeholder="Team…" value={teamQuery} onChange={(e) => setTeamQuery(e.target.value)} />
          <select
            aria-label="Overlay team"
            value={q.principal?.kind === 'team' ? q.principal.teamid : ''}
            onChange={(e) => {
              const t = teams.find((x) => x.teamid === e.target.value);
              if (t) setOverlayQuery({ principal: { kind: 'team', teamid: t.teamid }, principalLabel: `team ${t.name}` });
            }}
          >
            <option value="">Pick a team…</option>
            {teams.map((t) => (
              <option key={t.teamid} value={t.teamid}>
                {t.name} ({t.businessunitname})
              </option>
            ))}
          </select>
        </>
      )}
      {kind === 'role' && (
        <>
          <select aria-label="Overlay role" value={roleid} onChange={(e) => setRole(e.target.value, roleUnit)}>
            <option value="">Pick a role…</option>
            {summary?.roles.map((r) => (
              <option key={r.roleid} value={r.roleid}>
                {r.name}
              </option>
            ))}
          </select>
          <select aria-label="Held in unit" value={roleUnit} onChange={(e) => setRole(roleid, e.target.value)}>
            {units?.map((u) => (
              <option key={u.businessunitid} value={u.businessunitid}>
                {u.name}
              </option>
            ))}
          </select>
        </>
      )}
      <label>
        Table{' '}
        <select aria-label="Overlay table" value={q.entity} onChange={(e) => setOverlayQuery({ entity: e.target.value })}>
          {entities.map((e) => (
            <option key={e.logicalname} value={e.logicalname}>
              {e.displayname}
            </option>
          ))}
        </select>
      </label>
      <label>
        Right{' '}
        <select aria-label="Overlay right" value={q.right} onChange={(e) => setOverlayQuery({ right: e.target.value as AccessRight })}>
          {(entity?.rights ?? ['Read']).map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      {q.principal && (
        <span className="overlay-who" aria-label="Overlay principal">
          {q.principalLabel}
        </span>
      )}
    </fieldset>
  );
}

/** The key to the colours, the records reached in total, and the staged difference. */
export function OverlayLegend() {
  const overlay = useAppStore(hierarchySelectors.overlay);
  const error = useAppStore(hierarchySelectors.overlayError);
  const showAfter = useAppStore(hierarchySelectors.showAfter);
  const { setGraphShowAfter } = useAppStore.getState();
  if (error)
    return (
      <div className="overlay-legend" role="alert">
        {error.message}
      </div>
    );
  if (!overlay) return null;
  const after = overlay.after;
  return (
    <div className="overlay-legend" aria-label="Overlay legend">
      <ul>
        {DEPTH_ORDER.map((d) => (
          <li key={d}>
            <span className={`swatch overlay-${d}`} aria-hidden="true" /> {d === 'Basic' ? 'User (own, team and shared records only)' : DEPTH_LABEL[d]}
          </li>
        ))}
      </ul>
      <p aria-label="Records reached">
        {overlay.privilege}: <strong>{overlay.before.records.toLocaleString()}</strong> records in total
        {after && (
          <>
            {' '}
            → <strong>{after.records.toLocaleString()}</strong> with the staged changes
          </>
        )}
      </p>
      {after && (
        <>
          <p className="legend-diff">
            <span className="swatch diff-gains" aria-hidden="true" /> gains <span className="swatch diff-loses" aria-hidden="true" /> loses
          </p>
          <label>
            <input type="checkbox" checked={showAfter} onChange={(e) => setGraphShowAfter(e.target.checked)} /> Colour the staged state
          </label>
        </>
      )}
    </div>
  );
}

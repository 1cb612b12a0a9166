import { AssignRoleForm } from '../../components/AssignRoleForm';
import { useEffect, useState } from 'react';
import type { Command } from '../../api';
import { Dialog } from '../../components/Dialog';
import { UserPicker } from '../../components/UserPicker';
import { VirtualList } from '../../components/VirtualList';
import { orgSelectors, teamsSelectors, useAppStore } from '../../store';
import { TEAMS_SHOWN, type TeamTypeFilter } from '../../store/slices/teams/slice';
import { NameDialog } from '../businessUnits/BusinessUnitsScreen';

export const TEAM_TYPE_NAMES = ['Owner', 'Access', 'Entra security group', 'Entra Office group'] as const;
const TYPES: readonly TeamTypeFilter[] = ['all', 0, 1, 2, 3];

/** Teams by type; the selected team's members, administrator and roles. A unit's default team is read-only. */
export function TeamsScreen() {
  const revision = useAppStore(orgSelectors.revision);
  const rows = useAppStore(teamsSelectors.rows);
  const total = useAppStore(teamsSelectors.total);
  const type = useAppStore(teamsSelectors.type);
  const selectedId = useAppStore(teamsSelectors.selectedId);
  const { loadTeams, selectTeam } = useAppStore.getState();
  const [query, setQuery] = useState(useAppStore.getState().teamQuery);
  const [adding, setAdding] = useState(false);
  const active = rows.findIndex((t) => t.teamid === selectedId);

  useEffect(() => {
    void loadTeams();
  }, [revision, loadTeams]);
  useEffect(() => {
    if (query === useAppStore.getState().teamQuery) return;
    const t = setTimeout(() => void loadTeams({ query }), 120);
    return () => clearTimeout(t);
  }, [query, loadTeams]);

  return (
    <div className="split wide-left">
      <section className="panel list-panel" aria-labelledby="teams-title">
        <div className="panel-head">
          <h2 id="teams-title">Teams</h2>
          <span className="muted">
            {total.toLocaleString()} teams{total > TEAMS_SHOWN ? ` · first ${TEAMS_SHOWN} shown, refine the search` : ''}
          </span>
          <button type="button" className="primary push-right" onClick={() => setAdding(true)}>
            New team
          </button>
        </div>
        <div className="tabs" role="tablist" aria-label="Team type">
          {TYPES.map((t) => (
            <button key={t} type="button" role="tab" aria-selected={type === t} className={type === t ? 'tab active' : 'tab'} onClick={() => void loadTeams({ teamtype: t })}>
              {t === 'all' ? 'All' : TEAM_TYPE_NAMES[t]}
            </button>
          ))}
        </div>
        <div className="toolbar" role="search">
          <input type="search" aria-label="Search teams" placeholder="Search teams" value={query} onChange={(e) => setQuery(e.target.value)} />
        </div>
        <div className="vlist-head teams" aria-hidden="true">
          <span>Team</span>
          <span>Type</span>
          <span>Business unit</span>
          <span>Members</span>
        </div>
        <VirtualList
          label="Teams"
          count={rows.length}
          rowHeight={34}
          activeIndex={active}
          onActiveIndexChange={(i) => void selectTeam(rows[i].teamid)}
          renderRow={(i) => {
            const t = rows[i];
            return (
              <div className={`team-row${t.teamid === selectedId ? ' selected' : ''}`} role="gridcell" aria-label={t.name} onClick={() => void selectTeam(t.teamid)}>
                <span className="strong ellipsis">
                  {t.name} {t.isdefault && <span className="badge neutral">Default</span>}
                </span>
                <span className="muted">{TEAM_TYPE_NAMES[t.teamtype]}</span>
                <span className="ellipsis">{t.businessunitname}</span>
                <span className="num">{t.members.toLocaleString()}</span>
              </div>
            );
          }}
        />
      </section>
      <TeamDetailPanel />
      {adding && <NewTeamDialog onClose={() => setAdding(false)} />}
    </div>
  );
}

function TeamDetailPanel() {
  const detail = useAppStore(teamsSelectors.detail);
  const summary = useAppStore(orgSelectors.summary);
  const applyCommand = useAppStore((s) => s.applyCommand);
  const applyAll = useAppStore((s) => s.applyAll);
  const [ticked, setTicked] = useState<ReadonlySet<string>>(new Set());
  const [pending, setPending] = useState<{ id: string; name: string }[]>([]);
  const [renaming, setRenaming] = useState(false);
  useEffect(() => {
    setTicked(new Set());
    setPending([]);
  }, [detail?.team.teamid]);
  if (!detail || !summary) {
    return (
      <section className="panel detail empty" aria-label="Team">
        <p className="muted">Select a team to see its members and roles.</p>
      </section>
    );
  }
  const t = detail.team;
  const readOnly = t.isdefault;
  const memberIds = new Set(detail.members.map((m) => m.id));
  const canHoldRoles = t.teamtype !== 1;
  return (
    <section className="panel detail" aria-label={`Team ${t.name}`}>
      <p className="eyebrow">{TEAM_TYPE_NAMES[t.teamtype]} team</p>
      <h2 className="detail-title">{t.name}</h2>
      {readOnly && (
        <p className="note">
          The default team of <strong>{t.businessunitname}</strong>: its members are always exactly the unit’s users, and it is renamed with the unit. Its roles can still be changed.
        </p>
      )}
      <dl className="facts">
        <dt>Business unit</dt>
        <dd>{t.businessunitname}</dd>
        <dt>Administrator</dt>
        <dd>{t.administratorname ?? '—'}</dd>
        <dt>Members</dt>
        <dd>{t.members.toLocaleString()}</dd>
      </dl>
      {!readOnly && (
        <>
          <UserPicker label="Set administrator" placeholder="Set administrator: type a name…" onPick={(u) => void applyCommand({ type: 'updateTeam', teamid: t.teamid, administratorid: u.systemuserid })} />
          <div className="actions">
            <button type="button" onClick={() => setRenaming(true)}>
              Rename…
            </button>
            <button type="button" className="danger" onClick={() => void applyCommand({ type: 'deleteTeam', teamid: t.teamid })}>
              Delete
            </button>
          </div>
        </>
      )}
      {canHoldRoles && (
        <>
          <h3>Security roles</h3>
          <ul className="chips" aria-label="Team roles">
            {detail.roles.map((r) => (
              <li key={r.roleid} className="chip">
                {r.name}
                <button type="button" aria-label={`Remove ${r.name}`} onClick={() => void applyCommand({ type: 'removeRole', teamid: t.teamid, roleid: r.roleid, businessunitid: r.businessunitid })}>
                  ×
                </button>
              </li>
            ))}
            {detail.roles.length === 0 && <li className="muted">No roles.</li>}
          </ul>
          <AssignRoleForm key={t.teamid} principal={{ teamid: t.teamid }} label="Role to assign to the team" />
        </>
      )}
      <h3>Members</h3>
      {!readOnly && (
        <div className="member-add">
          <UserPicker label="Add members" placeholder="Add members: type a name…" exclude={new Set([...memberIds, ...pending.map((p) => p.id)])} onPick={(u) => setPending((p) => [...p, { id: u.systemuserid, name: u.fullname }])} />
          {pending.length > 0 && (
            <div className="pending">
              {pending.map((p) => (
                <span key={p.id} className="chip">
                  {p.name}
                </span>
              ))}
              <button
                type="button"
                className="primary"
                onClick={() =>
                  void applyAll(
                    pending.map((p): Command => ({ type: 'addTeamMember', teamid: t.teamid, systemuserid: p.id })),
                    `Added ${pending.length} member(s) to ${t.name}`,
                  ).then((r) => !r && setPending([]))
                }
              >
                Add {pending.length}
              </button>
            </div>
          )}
          <button
            type="button"
            disabled={ticked.size === 0}
            onClick={() =>
              void applyAll(
                [...ticked].map((id): Command => ({ type: 'removeTeamMember', teamid: t.teamid, systemuserid: id })),
                `Removed ${ticked.size} member(s) from ${t.name}`,
              ).then((r) => !r && setTicked(new Set()))
            }
          >
            Remove ticked ({ticked.size})
          </button>
        </div>
      )}
      <ul className="members" aria-label="Members">
        {detail.members.map((m) => (
          <li key={m.id}>
            {!readOnly && (
              <input
                type="checkbox"
                aria-label={`Tick ${m.name}`}
                checked={ticked.has(m.id)}
                onChange={() =>
                  setTicked((s) => {
                    const n = new Set(s);
                    if (n.has(m.id)) n.delete(m.id);
                    else n.add(m.id);
                    return n;
                  })
                }
              />
            )}
            {m.name} {m.isdisabled && <span className="badge">Disabled</span>}
          </li>
        ))}
      </ul>
      {t.members > detail.members.length && <p className="muted">and {(t.members - detail.members.length).toLocaleString()} more</p>}
      {renaming && (
        <NameDialog title={`Rename ${t.name}`} label="Name" initial={t.name} submitLabel="Rename" onClose={() => setRenaming(false)} onSubmit={(name) => applyCommand({ type: 'updateTeam', teamid: t.teamid, name })} />
      )}
    </section>
  );
}

function NewTeamDialog({ onClose }: { onClose: () => void }) {
  const summary = useAppStore(orgSelectors.summary)!;
  const applyCommand = useAppStore((s) => s.applyCommand);
  const [v, setV] = useState<{ name: string; teamtype: 0 | 1 | 2 | 3; unit: string }>({ name: '', teamtype: 0, unit: summary.businessunits[0]?.businessunitid ?? '' });
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog
      title="New team"
      submitLabel="Create"
      error={error}
      submitDisabled={!v.name.trim()}
      onClose={onClose}
      onSubmit={async () => {
        const r = await applyCommand({ type: 'createTeam', name: v.name, teamtype: v.teamtype, businessunitid: v.unit });
        if (r) setError(r.message);
        else onClose();
      }}
    >
      <label className="field">
        <span>Name</span>
        <input autoFocus value={v.name} onChange={(e) => setV({ ...v, name: e.target.value })} />
      </label>
      <label className="field">
        <span>Type</span>
        <select value={v.teamtype} onChange={(e) => setV({ ...v, teamtype: Number(e.target.value) as 0 | 1 | 2 | 3 })}>
          {TEAM_TYPE_NAMES.map((n, i) => (
            <option key={n} value={i}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Business unit</span>
        <select value={v.unit} onChange={(e) => setV({ ...v, unit: e.target.value })}>
          {summary.businessunits.map((b) => (
            <option key={b.businessunitid} value={b.businessunitid}>
              {b.name}
            </option>
          ))}
        </select>
      </label>
    </Dialog>
  );
}


import { useEffect, useMemo, useState } from 'react';
import type { CompareDto, OrgSummaryDto, UsageDto } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DEPTH_LABEL, DEPTH_SYMBOL, depthKey } from '../../components/depth';
import { orgSelectors, rolesSelectors, stagingSelectors, unitNames, useAppStore } from '../../store';
import type { RoleView } from '../../store/slices/roles/slice';
import { NameDialog } from '../businessUnits/BusinessUnitsScreen';
import { TEAM_TYPE_NAMES } from '../teams/TeamsScreen';
import { PrivilegeMatrix } from './PrivilegeMatrix';

type Open = null | 'new' | 'rename' | 'copy' | 'delete';

/** Security roles: the list, and the selected role's privileges, a comparison and where it is used. */
export function RolesScreen() {
  const summary = useAppStore(orgSelectors.summary);
  const revision = useAppStore(orgSelectors.revision);
  // The matrix shows the role as staged: it reloads when the staged set moves too.
  const stagedRevision = useAppStore(stagingSelectors.revision);
  const selectedId = useAppStore(rolesSelectors.selectedId);
  const view = useAppStore(rolesSelectors.view);
  const matrix = useAppStore(rolesSelectors.matrix);
  const { selectRole, setRoleView, reloadRole, applyCommand, checkCommands } = useAppStore.getState();
  const [filter, setFilter] = useState('');
  const [open, setOpen] = useState<Open>(null);

  useEffect(() => {
    void reloadRole();
  }, [revision, stagedRevision, reloadRole]);
  useEffect(() => {
    if (!selectedId && summary?.roles[0]) void selectRole(summary.roles[0].roleid);
  }, [selectedId, summary, selectRole]);

  const roles = useMemo(() => (summary ? summary.roles.filter((r) => r.name.toLowerCase().includes(filter.trim().toLowerCase())) : []), [summary, filter]);
  if (!summary) return null;
  const role = summary.roles.find((r) => r.roleid === selectedId);

  const copyRole = async (name: string) => {
    if (!matrix) return null;
    const privileges: Record<string, NonNullable<(typeof matrix.groups)[number]['miscellaneous'][number]['depth']>> = {};
    for (const g of matrix.groups) {
      for (const e of g.entities) for (const c of e.cells) if (c?.depth) privileges[c.name] = c.depth;
      for (const m of g.miscellaneous) if (m.depth) privileges[m.name] = m.depth;
    }
    return applyCommand({ type: 'createRole', name, businessunitid: matrix.role.businessunitid, isinherited: matrix.role.isinherited, description: matrix.role.description, privileges });
  };

  return (
    <div className="split roles-layout">
      <section className="panel list-panel" aria-labelledby="roles-title">
        <div className="panel-head">
          <h2 id="roles-title">Security roles</h2>
          <button type="button" className="primary push-right" onClick={() => setOpen('new')}>
            New role
          </button>
        </div>
        <div className="toolbar" role="search">
          <input type="search" aria-label="Search roles" placeholder="Search roles" value={filter} onChange={(e) => setFilter(e.target.value)} />
        </div>
        <ul className="role-list" role="listbox" aria-label="Roles">
          {roles.map((r) => (
            <li
              key={r.roleid}
              role="option"
              aria-selected={r.roleid === selectedId}
              tabIndex={r.roleid === selectedId ? 0 : -1}
              className={r.roleid === selectedId ? 'selected' : ''}
              onClick={() => void selectRole(r.roleid)}
              onKeyDown={(e) => {
                const i = roles.findIndex((x) => x.roleid === r.roleid);
                const next = e.key === 'ArrowDown' ? roles[i + 1] : e.key === 'ArrowUp' ? roles[i - 1] : undefined;
                if (!next) return;
                e.preventDefault();
                void selectRole(next.roleid);
                const el = e.currentTarget.parentElement?.children[i + (e.key === 'ArrowDown' ? 1 : -1)] as HTMLElement | undefined;
                el?.focus();
              }}
            >
              <span className="ellipsis">{r.name}</span>
              <span className="muted">{r.holders}</span>
            </li>
          ))}
        </ul>
      </section>
      <section className="panel detail role-detail" aria-label={role ? `Role ${role.name}` : 'Role'}>
        {role && (
          <>
            <div className="role-head">
              <div>
                <p className="eyebrow">Security role · {unitNames(summary).get(role.businessunitid)}</p>
                <h2 className="detail-title">{role.name}</h2>
              </div>
              <div className="actions">
                <button type="button" onClick={() => setOpen('rename')}>
                  Rename…
                </button>
                <button type="button" onClick={() => setOpen('copy')} disabled={!matrix}>
                  Copy…
                </button>
                <button type="button" className="danger" onClick={() => setOpen('delete')}>
                  Delete…
                </button>
              </div>
            </div>
            {matrix && (
              <label className="field inline">
                <span>Member’s privilege inheritance</span>
                <select
                  value={matrix.role.isinherited}
                  onChange={(e) => void applyCommand({ type: 'updateRole', roleid: role.roleid, isinherited: Number(e.target.value) as 0 | 1 })}
                >
                  <option value={1}>Direct User (Basic) access level and Team privileges</option>
                  <option value={0}>Team privileges only</option>
                </select>
              </label>
            )}
            <div className="tabs" role="tablist" aria-label="Role views">
              {(
                [
                  ['privileges', 'Privileges'],
                  ['compare', 'Compare'],
                  ['usage', `Where used (${role.holders})`],
                ] as [RoleView, string][]
              ).map(([v, label]) => (
                <button key={v} type="button" role="tab" aria-selected={view === v} className={view === v ? 'tab active' : 'tab'} onClick={() => setRoleView(v)}>
                  {label}
                </button>
              ))}
            </div>
            {view === 'privileges' && matrix && matrix.role.roleid === role.roleid && <PrivilegeMatrix matrix={matrix} />}
            {view === 'compare' && <CompareView summary={summary} roleid={role.roleid} />}
            {view === 'usage' && <UsageView />}
          </>
        )}
      </section>
      {open === 'new' && <NameDialog title="New security role" label="Name" initial="" submitLabel="Create" onClose={() => setOpen(null)} onSubmit={(name) => applyCommand({ type: 'createRole', name })} />}
      {open === 'rename' && role && (
        <NameDialog title={`Rename ${role.name}`} label="Name" initial={role.name} submitLabel="Rename" onClose={() => setOpen(null)} onSubmit={(name) => applyCommand({ type: 'updateRole', roleid: role.roleid, name })} />
      )}
      {open === 'copy' && role && <NameDialog title={`Copy ${role.name}`} label="Name of the copy" initial={`Copy of ${role.name}`} submitLabel="Copy" onClose={() => setOpen(null)} onSubmit={copyRole} />}
      {open === 'delete' && role && (
        <ConfirmDialog
          title={`Delete ${role.name}`}
          confirmLabel="Delete"
          danger
          check={() => checkCommands([{ type: 'deleteRole', roleid: role.roleid }])}
          onConfirm={async () => {
            const r = await applyCommand({ type: 'deleteRole', roleid: role.roleid });
            if (!r) void selectRole(null);
            return r;
          }}
          onClose={() => setOpen(null)}
        >
          <p>
            Delete the role <strong>{role.name}</strong>? Undo brings it back.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

/** A depth as text; `saved`: the applied depth, when a staged change (not applied yet) moves it. */
function DepthText({ depth, saved }: { depth: CompareDto['rows'][number]['left']; saved?: CompareDto['rows'][number]['left'] }) {
  const k = depthKey(depth);
  const staged = saved !== undefined;
  return (
    <span className={`depth-text depth-${k}${staged ? ' staged' : ''}`} title={staged ? `Staged, not applied yet (applied: ${DEPTH_LABEL[depthKey(saved)]})` : undefined}>
      <span aria-hidden="true">{DEPTH_SYMBOL[k]}</span> {DEPTH_LABEL[k]}
      {staged && <span className="muted"> · staged (applied: {DEPTH_LABEL[depthKey(saved)]})</span>}
    </span>
  );
}

function CompareView({ summary, roleid }: { summary: OrgSummaryDto; roleid: string }) {
  const comparison = useAppStore(rolesSelectors.comparison);
  const otherId = useAppStore(rolesSelectors.compareId);
  const compareWith = useAppStore((s) => s.compareWith);
  const [onlyDiff, setOnlyDiff] = useState(true);
  const isStaged = (r: CompareDto['rows'][number]) => r.savedLeft !== undefined || r.savedRight !== undefined;
  const rows = comparison ? comparison.rows.filter((r) => !onlyDiff || r.left !== r.right || isStaged(r)) : [];
  const anyStaged = comparison?.rows.some(isStaged) ?? false;
  return (
    <div className="compare">
      <div className="toolbar">
        <label className="field inline">
          <span>Compare with</span>
          <select aria-label="Role to compare with" value={otherId ?? ''} onChange={(e) => void compareWith(e.target.value || null)}>
            <option value="">Choose a role…</option>
            {summary.roles
              .filter((r) => r.roleid !== roleid)
              .map((r) => (
                <option key={r.roleid} value={r.roleid}>
                  {r.name}
                </option>
              ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} /> Only differences
        </label>
      </div>
      {anyStaged && (
        <p className="muted staged-note">
          <span className="staged-mark" aria-hidden="true" /> Shown as staged: marked depths are not applied yet
        </p>
      )}
      {comparison && (
        <table className="compare-table" aria-label="Comparison">
          <thead>
            <tr>
              <th scope="col">Privilege</th>
              <th scope="col">Tab</th>
              <th scope="col">{comparison.left.name}</th>
              <th scope="col">{comparison.right.name}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.name} className={r.left !== r.right ? 'differs' : ''}>
                <th scope="row" title={r.name}>
                  {r.displayname}
                </th>
                <td className="muted">{r.group}</td>
                <td>
                  <DepthText depth={r.left} saved={r.savedLeft} />
                </td>
                <td>
                  <DepthText depth={r.right} saved={r.savedRight} />
                </td>
              </tr>
            ))}
            {rows.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  The two roles grant the same privileges.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </div>
  );
}

function UsageView() {
  const usage: UsageDto | null = useAppStore(rolesSelectors.usage);
  const { navigate, selectUser, selectTeam } = useAppStore.getState();
  if (!usage) return <p className="muted">Loading…</p>;
  return (
    <div className="usage two-col">
      <div>
        <h3>Users holding it directly ({usage.totalusers.toLocaleString()})</h3>
        <ul className="plain" aria-label="Users holding the role">
          {usage.users.map((u) => (
            <li key={u.id}>
              <button
                type="button"
                className="link"
                onClick={() => {
                  navigate('users');
                  void selectUser(u.id);
                }}
              >
                {u.name}
              </button>{' '}
              <span className="muted">{u.businessunitname}</span> {u.isdisabled && <span className="badge">Disabled</span>} <StagedHolder staged={u.staged} />
            </li>
          ))}
          {usage.totalusers === 0 && <li className="muted">No user holds it directly.</li>}
        </ul>
      </div>
      <div>
        <h3>Teams holding it ({usage.totalteams.toLocaleString()})</h3>
        <ul className="plain" aria-label="Teams holding the role">
          {usage.teams.map((t) => (
            <li key={t.id}>
              <button
                type="button"
                className="link"
                onClick={() => {
                  navigate('teams');
                  void selectTeam(t.id);
                }}
              >
                {t.name}
              </button>{' '}
              <span className="muted">
                {TEAM_TYPE_NAMES[t.teamtype as 0 | 1 | 2 | 3]} · {t.businessunitname}
              </span>{' '}
              <StagedHolder staged={t.staged} />
            </li>
          ))}
          {usage.totalteams === 0 && <li className="muted">No team holds it.</li>}
        </ul>
      </div>
    </div>
  );
}

/** A holder the staged set (not applied yet) adds or removes. */
function StagedHolder({ staged }: { staged: UsageDto['users'][number]['staged'] }) {
  if (!staged) return null;
  return <span className="badge staged">{staged === 'added' ? 'Staged: gets the role' : 'Staged: loses the role'}</span>;
}

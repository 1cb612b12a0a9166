import { AssignRoleForm } from '../../components/AssignRoleForm';
import { memo, useCallback, useEffect, useMemo, useState } from 'react';
import type { Command, UserDetailDto, UserRowDto } from '../../api';
import { Dialog } from '../../components/Dialog';
import { UserPicker } from '../../components/UserPicker';
import { VirtualList } from '../../components/VirtualList';
import type { MoveImpact } from '../../store/slices/users/slice';
import { activeFilterCount, orgSelectors, teamsSelectors, userAt, useAppStore, usersSelectors } from '../../store';

const ROW = 36;

/** Users: a virtual list over main's paged query, filters, bulk actions and the selected user. */
export function UsersScreen() {
  const revision = useAppStore(orgSelectors.revision);
  const { reloadUsers } = useAppStore.getState();
  const [dialog, setDialog] = useState<null | 'add' | 'bulkRole' | 'bulkMove'>(null);
  useEffect(() => {
    void reloadUsers();
  }, [revision, reloadUsers]);
  // The toolbar (with its long unit, role and team lists) and the rows subscribe separately, so
  // loading a page while scrolling re-renders only the rows.
  return (
    <div className="split wide-left">
      <section className="panel list-panel" aria-labelledby="users-title">
        <UsersHead onAdd={() => setDialog('add')} />
        <UserFilterBar />
        <BulkBar onRole={() => setDialog('bulkRole')} onMove={() => setDialog('bulkMove')} />
        <div className="vlist-head" aria-hidden="true">
          <span />
          <span>Full name</span>
          <span>Sign-in name</span>
          <span>Business unit</span>
          <span>Manager</span>
        </div>
        <UsersList />
      </section>
      <UserDetailPanel />
      {dialog === 'add' && <AddUserDialog onClose={() => setDialog(null)} />}
      {dialog === 'bulkRole' && <BulkRoleDialog ids={[...useAppStore.getState().checkedUserIds]} onClose={() => setDialog(null)} />}
      {dialog === 'bulkMove' && <MoveUsersDialog ids={[...useAppStore.getState().checkedUserIds]} onClose={() => setDialog(null)} />}
    </div>
  );
}

function UsersHead({ onAdd }: { onAdd: () => void }) {
  const total = useAppStore(usersSelectors.total);
  const filters = useAppStore(usersSelectors.filters);
  const n = activeFilterCount(filters);
  return (
    <div className="panel-head">
      <h2 id="users-title">Users</h2>
      <span className="muted" aria-live="polite">
        {total.toLocaleString()} {total === 1 ? 'user' : 'users'}
        {n ? ` · ${n} filter(s)` : ''}
      </span>
      <button type="button" className="primary push-right" onClick={onAdd}>
        Add user
      </button>
    </div>
  );
}

const UserFilterBar = memo(function UserFilterBar() {
  const summary = useAppStore(orgSelectors.summary);
  const filters = useAppStore(usersSelectors.filters);
  const teams = useAppStore(teamsSelectors.rows);
  const { setUserFilters, loadTeams } = useAppStore.getState();
  const [query, setQuery] = useState(filters.query);
  useEffect(() => {
    if (teams.length === 0) void loadTeams();
  }, [teams.length, loadTeams]);
  useEffect(() => {
    const t = setTimeout(() => {
      if (query !== useAppStore.getState().userFilters.query) void setUserFilters({ query });
    }, 150);
    return () => clearTimeout(t);
  }, [query, setUserFilters]);
  if (!summary) return null;
  return (
    <div className="toolbar" role="search">
      <input type="search" aria-label="Search users" placeholder="Search name, sign-in or email" value={query} onChange={(e) => setQuery(e.target.value)} />
      <select aria-label="Business unit filter" value={filters.businessunitid ?? ''} onChange={(e) => void setUserFilters({ businessunitid: e.target.value || null })}>
        <option value="">Any unit</option>
        {summary.businessunits.map((b) => (
          <option key={b.businessunitid} value={b.businessunitid}>
            {b.name}
          </option>
        ))}
      </select>
      <select aria-label="Role filter" value={filters.roleid ?? ''} onChange={(e) => void setUserFilters({ roleid: e.target.value || null })}>
        <option value="">Any role</option>
        {summary.roles.map((r) => (
          <option key={r.roleid} value={r.roleid}>
            {r.name}
          </option>
        ))}
      </select>
      <select aria-label="Team filter" value={filters.teamid ?? ''} onChange={(e) => void setUserFilters({ teamid: e.target.value || null })}>
        <option value="">Any team</option>
        {teams.map((t) => (
          <option key={t.teamid} value={t.teamid}>
            {t.name}
            {t.isdefault ? ' (default)' : ''}
          </option>
        ))}
      </select>
      <select aria-label="Status filter" value={filters.status} onChange={(e) => void setUserFilters({ status: e.target.value as 'all' | 'enabled' | 'disabled' })}>
        <option value="all">Any status</option>
        <option value="enabled">Enabled</option>
        <option value="disabled">Disabled</option>
      </select>
    </div>
  );
});

function BulkBar({ onRole, onMove }: { onRole: () => void; onMove: () => void }) {
  const checked = useAppStore(usersSelectors.checked);
  const pages = useAppStore(usersSelectors.pages);
  const setChecked = useAppStore((s) => s.setChecked);
  const bulk = useMemo(() => [...checked], [checked]);
  const loadedIds = () => Object.values(pages).flatMap((p) => p.map((u) => u.systemuserid));
  return (
    <div className="bulkbar" aria-label="Bulk actions">
      <label className="check">
        <input type="checkbox" aria-label="Tick every loaded user" checked={bulk.length > 0 && bulk.length === loadedIds().length} onChange={(e) => setChecked(e.target.checked ? loadedIds() : [])} />
      </label>
      {bulk.length ? <strong>{bulk.length} ticked</strong> : <span className="muted">Tick users for bulk actions</span>}
      <BulkButtons ids={bulk} onRole={onRole} onMove={onMove} />
    </div>
  );
}

function UsersList() {
  const filters = useAppStore(usersSelectors.filters);
  const total = useAppStore(usersSelectors.total);
  const pages = useAppStore(usersSelectors.pages);
  const checked = useAppStore(usersSelectors.checked);
  const selectedId = useAppStore(usersSelectors.selectedId);
  const { ensureUserRows, selectUser, toggleChecked } = useAppStore.getState();
  const [active, setActive] = useState(-1);
  // A new filter is a new list: the keyboard cursor starts over.
  useEffect(() => setActive(-1), [filters]);
  const onRange = useCallback((first: number, last: number) => void ensureUserRows(first, last), [ensureUserRows]);
  const onOpen = useCallback(
    (i: number, id: string) => {
      setActive(i);
      void selectUser(id);
    },
    [selectUser],
  );
  const renderRow = (i: number) => {
    const u = userAt(pages, i);
    if (!u) return <div className="cell muted">Loading…</div>;
    return (
      <UserListRow user={u} index={i} checked={checked.has(u.systemuserid)} selected={u.systemuserid === selectedId} onOpen={onOpen} />
    );
  };
  return (
    <VirtualList
      label="Users"
      count={total}
      rowHeight={ROW}
      renderRow={renderRow}
      onRange={onRange}
      activeIndex={active}
      onActiveIndexChange={(i) => {
        setActive(i);
        const u = userAt(pages, i);
        if (u) void selectUser(u.systemuserid);
      }}
      onActivate={(i) => {
        const u = userAt(pages, i);
        if (u) toggleChecked(u.systemuserid);
      }}
    />
  );
}

/** Memoised: while scrolling, only rows coming into view render. */
const UserListRow = memo(function UserListRow({ user, index, checked, selected, onOpen }: { user: UserRowDto; index: number; checked: boolean; selected: boolean; onOpen: (index: number, id: string) => void }) {
  const onCheck = () => useAppStore.getState().toggleChecked(user.systemuserid);
  return (
    <div className={`user-row${selected ? ' selected' : ''}${user.isdisabled ? ' disabled' : ''}`} onClick={() => onOpen(index, user.systemuserid)} role="gridcell" aria-label={user.fullname}>
      <input type="checkbox" aria-label={`Tick ${user.fullname}`} checked={checked} onChange={onCheck} onClick={(e) => e.stopPropagation()} tabIndex={-1} />
      <span className="strong">
        {user.fullname}
        {user.isdisabled && <span className="badge">Disabled</span>}
      </span>
      <span className="muted ellipsis">{user.domainname}</span>
      <span className="ellipsis">{user.businessunitname}</span>
      <span className="muted ellipsis">{user.managername ?? ''}</span>
    </div>
  );
});

function BulkButtons({ ids, onRole, onMove }: { ids: string[]; onRole: () => void; onMove: () => void }) {
  const applyAll = useAppStore((s) => s.applyAll);
  const none = ids.length === 0;
  const setDisabled = (isdisabled: boolean) =>
    void applyAll(
      ids.map((systemuserid): Command => ({ type: 'setUserDisabled', systemuserid, isdisabled })),
      `${isdisabled ? 'Deactivated' : 'Reactivated'} ${ids.length} user(s)`,
    );
  return (
    <div className="actions inline">
      <button type="button" disabled={none} onClick={() => setDisabled(true)}>
        Deactivate
      </button>
      <button type="button" disabled={none} onClick={() => setDisabled(false)}>
        Reactivate
      </button>
      <button type="button" disabled={none} onClick={onRole}>
        Assign role…
      </button>
      <button type="button" disabled={none} onClick={onMove}>
        Change unit…
      </button>
    </div>
  );
}

function UserDetailPanel() {
  const detail = useAppStore(usersSelectors.detail);
  const summary = useAppStore(orgSelectors.summary);
  const applyCommand = useAppStore((s) => s.applyCommand);
  const [dialog, setDialog] = useState<null | 'edit' | 'move'>(null);
  if (!detail || !summary) {
    return (
      <section className="panel detail empty" aria-label="User">
        <p className="muted">Select a user to see their roles, teams and manager.</p>
      </section>
    );
  }
  const u = detail.user;
  const held = new Set(detail.roles.map((r) => r.roleid));
  return (
    <section className="panel detail" aria-label={`User ${u.fullname}`}>
      <p className="eyebrow">User</p>
      <h2 className="detail-title">
        {u.fullname} {u.isdisabled && <span className="badge">Disabled</span>}
      </h2>
      <dl className="facts">
        <dt>Sign-in name</dt>
        <dd>{u.domainname}</dd>
        <dt>Email</dt>
        <dd>{u.internalemailaddress ?? '—'}</dd>
        <dt>Business unit</dt>
        <dd>{u.businessunitname}</dd>
        <dt>Manager</dt>
        <dd>
          {u.managername ?? '—'}
          {u.parentsystemuserid && (
            <button type="button" className="link" onClick={() => void applyCommand({ type: 'updateUser', systemuserid: u.systemuserid, parentsystemuserid: null })}>
              clear
            </button>
          )}
        </dd>
        <dt>Direct reports</dt>
        <dd>{detail.directreports}</dd>
      </dl>
      <UserPicker label="Set manager" placeholder="Set manager: type a name…" exclude={new Set([u.systemuserid])} onPick={(m) => void applyCommand({ type: 'updateUser', systemuserid: u.systemuserid, parentsystemuserid: m.systemuserid })} />
      <div className="actions">
        <button type="button" onClick={() => setDialog('edit')}>
          Edit…
        </button>
        <button type="button" onClick={() => setDialog('move')}>
          Change unit…
        </button>
        <button type="button" onClick={() => void applyCommand({ type: 'setUserDisabled', systemuserid: u.systemuserid, isdisabled: !u.isdisabled })}>
          {u.isdisabled ? 'Reactivate' : 'Deactivate'}
        </button>
      </div>
      <h3>Security roles</h3>
      <ul className="chips" aria-label="Roles held">
        {detail.roles.map((r) => (
          <li key={`${r.roleid}|${r.businessunitid ?? ''}`} className="chip">
            {r.name}
            {r.businessunitname && r.businessunitid !== u.businessunitid ? <span className="muted"> in {r.businessunitname}</span> : null}
            <button type="button" aria-label={`Remove ${r.name}`} onClick={() => void applyCommand({ type: 'removeRole', systemuserid: u.systemuserid, roleid: r.roleid, businessunitid: r.businessunitid })}>
              ×
            </button>
          </li>
        ))}
        {detail.roles.length === 0 && <li className="muted">No roles held directly.</li>}
      </ul>
      <AssignRoleForm key={u.systemuserid} principal={{ systemuserid: u.systemuserid }} label="Role to assign" exclude={held} />
      {detail.teamroles.length > 0 && (
        <>
          <h3>Roles through teams</h3>
          <ul className="plain">
            {detail.teamroles.map((r) => (
              <li key={`${r.teamid}|${r.roleid}`}>
                {r.name} <span className="muted">via {r.teamname}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Teams</h3>
      <ul className="plain">
        {detail.teams.map((t) => (
          <li key={t.id}>
            {t.name} {t.isdefault && <span className="muted">(default team of the unit)</span>}
          </li>
        ))}
      </ul>
      {dialog === 'edit' && <EditUserDialog detail={detail} onClose={() => setDialog(null)} />}
      {dialog === 'move' && <MoveUsersDialog ids={[u.systemuserid]} onClose={() => setDialog(null)} />}
    </section>
  );
}

function UserFields(props: { fullname: string; domainname: string; email: string; set: (k: 'fullname' | 'domainname' | 'email', v: string) => void }) {
  return (
    <>
      <label className="field">
        <span>Full name</span>
        <input autoFocus value={props.fullname} onChange={(e) => props.set('fullname', e.target.value)} />
      </label>
      <label className="field">
        <span>Sign-in name</span>
        <input value={props.domainname} onChange={(e) => props.set('domainname', e.target.value)} placeholder="name@contoso.com" />
      </label>
      <label className="field">
        <span>Email</span>
        <input type="email" value={props.email} onChange={(e) => props.set('email', e.target.value)} />
      </label>
    </>
  );
}

function AddUserDialog({ onClose }: { onClose: () => void }) {
  const summary = useAppStore(orgSelectors.summary)!;
  const applyCommand = useAppStore((s) => s.applyCommand);
  const [v, setV] = useState({ fullname: '', domainname: '', email: '', unit: summary.businessunits.find((b) => !b.isdisabled)?.businessunitid ?? '' });
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog
      title="Add user"
      submitLabel="Add"
      error={error}
      submitDisabled={!v.fullname.trim() || !v.domainname.trim()}
      onClose={onClose}
      onSubmit={async () => {
        const r = await applyCommand({ type: 'createUser', fullname: v.fullname, domainname: v.domainname, internalemailaddress: v.email.trim() || null, businessunitid: v.unit });
        if (r) setError(r.message);
        else onClose();
      }}
    >
      <UserFields fullname={v.fullname} domainname={v.domainname} email={v.email} set={(k, x) => setV({ ...v, [k]: x })} />
      <label className="field">
        <span>Business unit</span>
        <select value={v.unit} onChange={(e) => setV({ ...v, unit: e.target.value })}>
          {summary.businessunits.map((b) => (
            <option key={b.businessunitid} value={b.businessunitid} disabled={b.isdisabled}>
              {b.name}
            </option>
          ))}
        </select>
      </label>
    </Dialog>
  );
}

function EditUserDialog({ detail, onClose }: { detail: UserDetailDto; onClose: () => void }) {
  const applyCommand = useAppStore((s) => s.applyCommand);
  const u = detail.user;
  const [v, setV] = useState({ fullname: u.fullname, domainname: u.domainname, email: u.internalemailaddress ?? '' });
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog
      title={`Edit ${u.fullname}`}
      error={error}
      onClose={onClose}
      onSubmit={async () => {
        const r = await applyCommand({ type: 'updateUser', systemuserid: u.systemuserid, fullname: v.fullname, domainname: v.domainname, internalemailaddress: v.email.trim() || null });
        if (r) setError(r.message);
        else onClose();
      }}
    >
      <UserFields fullname={v.fullname} domainname={v.domainname} email={v.email} set={(k, x) => setV({ ...v, [k]: x })} />
    </Dialog>
  );
}

/** Changing unit removes every role the users hold directly: the dialog says which before anything happens. */
function MoveUsersDialog({ ids, onClose }: { ids: string[]; onClose: () => void }) {
  const summary = useAppStore(orgSelectors.summary)!;
  const applyAll = useAppStore((s) => s.applyAll);
  const moveImpact = useAppStore((s) => s.moveImpact);
  const [unit, setUnit] = useState('');
  const [impact, setImpact] = useState<MoveImpact | null>(null);
  // The ids as one value, so a parent re-render with an equal list asks nothing again.
  const idKey = ids.join('|');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setImpact(null);
    if (unit) void moveImpact(idKey.split('|'), unit).then((r) => live && setImpact(r));
    return () => {
      live = false;
    };
  }, [unit, idKey, moveImpact]);
  return (
    <Dialog
      title={ids.length === 1 ? 'Change business unit' : `Change business unit of ${ids.length} users`}
      submitLabel="Change unit"
      danger={!!impact?.roles.length}
      error={error}
      submitDisabled={!unit || !impact}
      onClose={onClose}
      onSubmit={async () => {
        const r = await applyAll(
          ids.map((systemuserid): Command => ({ type: 'moveUser', systemuserid, businessunitid: unit })),
          ids.length === 1 ? undefined : `Moved ${ids.length} users to ${summary.businessunits.find((b) => b.businessunitid === unit)?.name}`,
        );
        if (r) setError(r.message);
        else onClose();
      }}
    >
      <label className="field">
        <span>New business unit</span>
        <select value={unit} onChange={(e) => setUnit(e.target.value)}>
          <option value="">Choose a unit…</option>
          {summary.businessunits.map((b) => (
            <option key={b.businessunitid} value={b.businessunitid} disabled={b.isdisabled}>
              {b.name}
            </option>
          ))}
        </select>
      </label>
      {impact && impact.roles.length > 0 && (
        <div className="warning" role="alert">
          <p>
            <strong>Warning:</strong> Dataverse removes every security role a user holds directly when the user changes business unit. These roles will be removed:
          </p>
          <ul>
            {impact.roles.map((r) => (
              <li key={r.name}>
                {r.name}
                {ids.length > 1 ? ` (${r.holders} user${r.holders === 1 ? '' : 's'})` : ''}
              </li>
            ))}
          </ul>
        </div>
      )}
      {impact && impact.roles.length === 0 && <p className="muted">No directly held roles will be removed.</p>}
    </Dialog>
  );
}

function BulkRoleDialog({ ids, onClose }: { ids: string[]; onClose: () => void }) {
  const summary = useAppStore(orgSelectors.summary)!;
  const applyAll = useAppStore((s) => s.applyAll);
  const [role, setRole] = useState('');
  const [error, setError] = useState<string | null>(null);
  const name = summary.roles.find((r) => r.roleid === role)?.name;
  return (
    <Dialog
      title={`Assign a role to ${ids.length} user(s)`}
      submitLabel="Assign"
      error={error}
      submitDisabled={!role}
      onClose={onClose}
      onSubmit={async () => {
        const r = await applyAll(
          ids.map((systemuserid): Command => ({ type: 'assignRole', systemuserid, roleid: role })),
          `Assigned ${name} to ${ids.length} user(s)`,
        );
        if (r) setError(r.message);
        else onClose();
      }}
    >
      <label className="field">
        <span>Role</span>
        <select value={role} onChange={(e) => setRole(e.target.value)}>
          <option value="">Choose a role…</option>
          {summary.roles.map((r) => (
            <option key={r.roleid} value={r.roleid}>
              {r.name}
            </option>
          ))}
        </select>
      </label>
    </Dialog>
  );
}

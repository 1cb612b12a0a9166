import type { ReactNode } from 'react';
import type { Depth } from '../../api';
import type { ImportProblemDto, ProfilePreviewDto, RolePreviewDto, RolesPreviewDto, UsersPreviewDto } from '../../../src-main/bridge/channels/transfer';
import { DEPTH_LABEL, DEPTH_SYMBOL, depthKey } from '../../components/depth';
import { formatBytes, importReadiness, transferSelectors, useAppStore, type TransferTab } from '../../store';
import './transfer.css';

const TABS: readonly (readonly [TransferTab, string])[] = [
  ['roles', 'Import security roles'],
  ['users', 'Import users'],
  ['export', 'Export'],
];

/** Import & export: security roles from solution files, users from CSV, the organization and its roles out. */
export function ImportExportScreen() {
  const tab = useAppStore(transferSelectors.tab);
  const setTab = useAppStore((s) => s.setTransferTab);
  return (
    <section className="panel transfer" aria-labelledby="transfer-title">
      <div className="panel-head">
        <h2 id="transfer-title">Import &amp; export</h2>
      </div>
      <div className="tabs" role="tablist" aria-label="Import and export">
        {TABS.map(([id, label]) => (
          <button key={id} type="button" role="tab" id={`transfer-tab-${id}`} aria-selected={tab === id} className={tab === id ? 'tab active' : 'tab'} onClick={() => setTab(id)}>
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-labelledby={`transfer-tab-${tab}`} className="transfer-body">
        <Outcome />
        {tab === 'roles' ? <RolesImport /> : tab === 'users' ? <UsersImport /> : <Export />}
      </div>
    </section>
  );
}

function Outcome() {
  const error = useAppStore(transferSelectors.error);
  const done = useAppStore(transferSelectors.done);
  if (error)
    return (
      <p role="alert" className="warning">
        {error.message}
      </p>
    );
  return done ? (
    <p role="status" className="note done-note">
      {done}
    </p>
  ) : null;
}

const where = (p: ImportProblemDto) => `${p.file}${p.line ? `:${p.line}` : ''}`;

function Problems({ title, list, kind }: { title: string; list: readonly ImportProblemDto[]; kind: 'error' | 'warning' }) {
  if (!list.length) return null;
  return (
    <div className={kind === 'error' ? 'warning problems' : 'note problems'} role={kind === 'error' ? 'alert' : undefined} aria-label={title}>
      <p className="strong">{title}</p>
      <ul>
        {list.map((p, i) => (
          <li key={i}>
            <code>{where(p)}</code> {p.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

// ---- security roles -----------------------------------------------------------------------------

function RolesImport() {
  const p = useAppStore(transferSelectors.rolesPreview);
  const busy = useAppStore(transferSelectors.busy) === 'roles';
  const { previewRoleImport } = useAppStore.getState();
  return (
    <>
      <p className="muted intro">
        From a role <code>.xml</code>, a <code>customizations.xml</code>, a solution <code>.zip</code> or an unpacked solution folder (<code>Roles/*.xml</code>, <code>Other/FieldSecurityProfiles.xml</code>). You see what would change first; nothing changes until you import.
      </p>
      <div className="actions">
        <button type="button" className={p ? '' : 'primary'} disabled={busy} onClick={() => void previewRoleImport('files')}>
          Choose files…
        </button>
        <button type="button" disabled={busy} onClick={() => void previewRoleImport('folder')}>
          Choose a folder…
        </button>
        {busy && <span className="muted" aria-busy="true">Reading…</span>}
      </div>
      {p && <RolesPreview preview={p} />}
    </>
  );
}

function RolesPreview({ preview: p }: { preview: RolesPreviewDto }) {
  const chosenRoles = useAppStore(transferSelectors.chosenRoles);
  const chosenProfiles = useAppStore(transferSelectors.chosenProfiles);
  const busy = useAppStore(transferSelectors.busy) === 'roles';
  const { applyRoleImport, closeRoleImport, chooseAllImports } = useAppStore.getState();
  const ready = importReadiness(p, chosenRoles, chosenProfiles);
  const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  return (
    <div className="import-preview" aria-label="Import preview">
      <h3>Preview of {p.sources.join(', ')}</h3>
      <Problems title={`${count(p.errors.length, 'error')}: nothing can be imported until ${p.errors.length === 1 ? 'it is' : 'they are'} fixed`} list={p.errors} kind="error" />
      <Problems title="Warnings" list={p.warnings} kind="warning" />
      <RoleGroup title="New roles" list={p.roles.new} chosen={chosenRoles} />
      <RoleGroup title="Changed roles" list={p.roles.changed} chosen={chosenRoles} />
      <RoleGroup title="Unchanged roles" list={p.roles.unchanged} chosen={null} />
      <ProfileGroup title="New field security profiles" list={p.profiles.new} chosen={chosenProfiles} />
      <ProfileGroup title="Changed field security profiles" list={p.profiles.changed} chosen={chosenProfiles} />
      <ProfileGroup title="Unchanged field security profiles" list={p.profiles.unchanged} chosen={null} />
      <div className="import-footer">
        <button type="button" className="link" onClick={() => chooseAllImports(true)} disabled={busy}>
          Tick all
        </button>
        <button type="button" className="link" onClick={() => chooseAllImports(false)} disabled={busy}>
          Tick none
        </button>
        <span className="muted footer-note">{ready.why ?? (p.customentities.length > 0 ? 'Custom tables are added to the catalog first and stay there; Undo takes the roles and profiles back.' : '')}</span>
        <button type="button" onClick={closeRoleImport} disabled={busy}>
          Close preview
        </button>
        <button type="button" className="primary" disabled={!ready.canApply || busy} onClick={() => void applyRoleImport()}>
          Import {count(ready.roles, 'role')} and {count(ready.profiles, 'profile')}
        </button>
      </div>
    </div>
  );
}

function DepthText({ depth }: { depth: Depth | null }) {
  const k = depthKey(depth);
  return (
    <span className={`depth-change depth-${k}`}>
      <span aria-hidden="true">{DEPTH_SYMBOL[k]}</span> {DEPTH_LABEL[k]}
    </span>
  );
}

/** A heading with its count over the list of a kind of change (new, changed, unchanged); nothing when empty. */
function ImportGroup({ title, count, children }: { title: string; count: number; children: ReactNode }) {
  if (!count) return null;
  return (
    <>
      <h3>
        {title} <span className="count-pill">{count}</span>
      </h3>
      <ul className="import-list" aria-label={title}>
        {children}
      </ul>
    </>
  );
}

/** A role or profile of the files: a box to tick when it is new or changed (`chosen` given), its name alone when unchanged, and how it was matched. */
function ImportChoice({ id, name, matchedby, chosen, toggle }: { id: string; name: string; matchedby: RolePreviewDto['matchedby']; chosen: readonly string[] | null; toggle: (id: string) => void }) {
  return (
    <>
      {chosen ? (
        <label className="check">
          <input type="checkbox" checked={chosen.includes(id)} onChange={() => toggle(id)} />
          <span className="strong">{name}</span>
        </label>
      ) : (
        <span className="strong unchanged">{name}</span>
      )}
      {matchedby === 'name' && <span className="badge neutral">matched by name</span>}
    </>
  );
}

function RoleGroup({ title, list, chosen }: { title: string; list: readonly RolePreviewDto[]; chosen: readonly string[] | null }) {
  const toggle = useAppStore((s) => s.toggleImportRole);
  return (
    <ImportGroup title={title} count={list.length}>
      {list.map((r) => (
        <li key={r.sourceroleid}>
          <div className="import-item">
            <ImportChoice id={r.sourceroleid} name={r.name} matchedby={r.matchedby} chosen={chosen} toggle={toggle} />
            <span className="muted push-right" aria-label={`${r.name}: privileges`}>
              {r.privileges.toLocaleString()} privileges: {r.counts.known.toLocaleString()} known, {r.counts.inferred.toLocaleString()} inferred,{' '}
              <span className={r.counts.unverified ? 'unverified-count' : undefined} title={r.counts.unverified ? 'Kept as the file holds them; the catalog cannot vouch for the depths they allow' : undefined}>
                {r.counts.unverified.toLocaleString()} unverified
              </span>{' '}
              · {r.file}
            </span>
          </div>
          <ImportDiff name={r.name} what="Privilege" counted={`${r.changes.length} privilege ${r.changes.length === 1 ? 'change' : 'changes'}`} fields={r.fields} changes={r.changes.length}>
            {r.changes.map((c) => (
              <tr key={c.privilege}>
                <th scope="row" title={c.privilege}>
                  {c.displayname}
                </th>
                <td>
                  <DepthText depth={c.before} />
                </td>
                <td>
                  <DepthText depth={c.after} />
                </td>
              </tr>
            ))}
          </ImportDiff>
        </li>
      ))}
    </ImportGroup>
  );
}

/** What importing one role or profile changes: its fields, then one row per privilege or column (children). */
function ImportDiff({ name, what, counted, fields, changes, children }: { name: string; what: string; counted: string; fields: RolePreviewDto['fields']; changes: number; children: ReactNode }) {
  if (!fields.length && !changes) return null;
  return (
    <details className="import-diff" open={changes <= 12}>
      <summary>
        {counted}
        {fields.length > 0 && `, ${fields.map((f) => f.field).join(', ')}`}
      </summary>
      <table className="diff-table" aria-label={`Changes to ${name}`}>
        <thead>
          <tr>
            <th scope="col">{what}</th>
            <th scope="col">Now</th>
            <th scope="col">After import</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((f) => (
            <tr key={f.field}>
              <th scope="row">{f.field}</th>
              <td>{f.before ?? '—'}</td>
              <td>{f.after ?? '—'}</td>
            </tr>
          ))}
          {children}
        </tbody>
      </table>
    </details>
  );
}

type Flags = ProfilePreviewDto['changes'][number]['before'];
const flagsText = (f: Flags) => (f ? [f.canread && 'Read', f.cancreate && 'Create', f.canupdate && 'Update'].filter(Boolean).join(', ') || 'none' : 'not in the profile');

function ProfileGroup({ title, list, chosen }: { title: string; list: readonly ProfilePreviewDto[]; chosen: readonly string[] | null }) {
  const toggle = useAppStore((s) => s.toggleImportProfile);
  return (
    <ImportGroup title={title} count={list.length}>
      {list.map((x) => (
        <li key={x.sourceprofileid}>
          <div className="import-item">
            <ImportChoice id={x.sourceprofileid} name={x.name} matchedby={x.matchedby} chosen={chosen} toggle={toggle} />
            <span className="muted push-right">{x.file}</span>
          </div>
          <ImportDiff name={x.name} what="Column" counted={`${x.changes.length} column ${x.changes.length === 1 ? 'permission' : 'permissions'}`} fields={x.fields} changes={x.changes.length}>
            {x.changes.map((c) => (
              <tr key={`${c.entityname}.${c.attributelogicalname}`}>
                <th scope="row">
                  <code>
                    {c.entityname}.{c.attributelogicalname}
                  </code>
                </th>
                <td>{flagsText(c.before)}</td>
                <td>{flagsText(c.after)}</td>
              </tr>
            ))}
          </ImportDiff>
        </li>
      ))}
    </ImportGroup>
  );
}

// ---- users ----------------------------------------------------------------------------------------

function UsersImport() {
  const p = useAppStore(transferSelectors.usersPreview);
  const busy = useAppStore(transferSelectors.busy) === 'users';
  const { previewUserImport } = useAppStore.getState();
  return (
    <>
      <p className="muted intro">
        A CSV file with a header row: <code>fullname</code>, <code>domainname</code> and <code>businessunit</code> (name or id) are required; <code>email</code>, <code>manager</code> (sign-in name or id, may be another row), <code>roles</code> and <code>teams</code> (names or ids, separated by <code>;</code>) are optional. All or nothing: one bad row and no user is added. Users cannot be deleted once added, only deactivated, as in Dataverse.
      </p>
      <div className="actions">
        <button type="button" className={p ? '' : 'primary'} disabled={busy} onClick={() => void previewUserImport()}>
          Choose a CSV file…
        </button>
        {busy && <span className="muted" aria-busy="true">Reading…</span>}
      </div>
      {p && <UsersPreview preview={p} />}
    </>
  );
}

function UsersPreview({ preview: p }: { preview: UsersPreviewDto }) {
  const busy = useAppStore(transferSelectors.busy) === 'users';
  const { applyUserImport, closeUserImport } = useAppStore.getState();
  const n = p.users.length;
  return (
    <div className="import-preview" aria-label="Import preview">
      <h3>Preview of {p.file}</h3>
      {p.errors.length > 0 ? (
        <>
          <p role="alert" className="warning strong">
            {p.errors.length} {p.errors.length === 1 ? 'problem' : 'problems'} in {p.file}: no user will be added until every row is right.
          </p>
          <table className="diff-table rows-table" aria-label={`Problems in ${p.file}`}>
            <thead>
              <tr>
                <th scope="col" className="num">
                  Row
                </th>
                <th scope="col">Column</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {p.errors.map((e, i) => (
                <tr key={i}>
                  <td className="num">{e.row}</td>
                  <td>
                    <code>{e.column}</code>
                  </td>
                  <td>{e.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <table className="diff-table rows-table" aria-label={`Users in ${p.file}`}>
          <thead>
            <tr>
              <th scope="col" className="num">
                Row
              </th>
              <th scope="col">Full name</th>
              <th scope="col">Sign-in name</th>
              <th scope="col">Business unit</th>
              <th scope="col">Manager</th>
              <th scope="col">Roles</th>
              <th scope="col">Teams</th>
            </tr>
          </thead>
          <tbody>
            {p.users.map((u) => (
              <tr key={u.row}>
                <td className="num">{u.row}</td>
                <td className="strong">{u.fullname}</td>
                <td>{u.domainname}</td>
                <td>{u.businessunit}</td>
                <td>{u.manager ?? '—'}</td>
                <td>{u.roles.join(', ') || '—'}</td>
                <td>{u.teams.join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="import-footer">
        <span className="footer-note" />
        <button type="button" onClick={closeUserImport} disabled={busy}>
          Close preview
        </button>
        <button type="button" className="primary" disabled={p.errors.length > 0 || n === 0 || busy} onClick={() => void applyUserImport()}>
          Add {n} {n === 1 ? 'user' : 'users'}
        </button>
      </div>
    </div>
  );
}

// ---- export ---------------------------------------------------------------------------------------

function Export() {
  const org = useAppStore(transferSelectors.exportedOrg);
  const solution = useAppStore(transferSelectors.exportedSolution);
  const busy = useAppStore(transferSelectors.busy) === 'export';
  const { exportOrganization, exportSolution, revealExport } = useAppStore.getState();
  return (
    <div className="export-cards">
      <section className="export-card" aria-labelledby="export-org">
        <h3 id="export-org">The whole organization</h3>
        <p className="muted">
          One <code>roleatlas/org@1</code> JSON file: business units, users, teams, roles, field security, records and shares. The command line reads it (<code>roleatlas check --org</code>), and a new vault can start from it.
        </p>
        <div className="actions">
          <button type="button" className="primary" disabled={busy} onClick={() => void exportOrganization()}>
            Export organization…
          </button>
        </div>
        {org && (
          <p className="note written" role="status" aria-label="Organization exported">
            <span>
              Wrote <code>{org.path}</code> ({formatBytes(org.bytes)}).
            </span>
            <button type="button" onClick={() => void revealExport(org.path)}>
              Show in folder
            </button>
          </p>
        )}
      </section>
      <section className="export-card" aria-labelledby="export-solution">
        <h3 id="export-solution">Security roles and field security profiles</h3>
        <p className="muted">
          As an unpacked solution in a folder you choose: <code>Roles/&lt;role name&gt;.xml</code> for each role and <code>Other/FieldSecurityProfiles.xml</code>. Files of the same name are replaced.
        </p>
        <div className="actions">
          <button type="button" disabled={busy} onClick={() => void exportSolution()}>
            Export to a folder…
          </button>
        </div>
        {solution && (
          <>
            <p className="note written" role="status" aria-label="Roles exported">
              <span>
                Wrote {solution.roles} role {solution.roles === 1 ? 'file' : 'files'} and <code>Other/FieldSecurityProfiles.xml</code> ({solution.profiles} {solution.profiles === 1 ? 'profile' : 'profiles'}) to <code>{solution.folder}</code>.
              </span>
              <button type="button" onClick={() => void revealExport(solution.folder)}>
                Show in folder
              </button>
            </p>
            {solution.stale.length > 0 && (
              <div className="warning problems">
                <p className="strong">The folder also holds role files this export did not write; importing the folder would read them too:</p>
                <ul>
                  {solution.stale.map((f) => (
                    <li key={f}>
                      <code>{f}</code>
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </>
        )}
      </section>
    </div>
  );
}

import { useEffect, useState } from 'react';
import type { FieldProfileDetailDto } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { UserPicker } from '../../components/UserPicker';
import { fieldSecuritySelectors, orgSelectors, useAppStore } from '../../store';
import { NameDialog } from '../businessUnits/BusinessUnitsScreen';

type Column = FieldProfileDetailDto['columns'][number];
const RIGHTS = [
  ['canread', 'Read'],
  ['cancreate', 'Create'],
  ['canupdate', 'Update'],
] as const;

/** Field security profiles: secured columns × read/create/update, and the users and teams holding the profile. */
export function FieldSecurityScreen() {
  const revision = useAppStore(orgSelectors.revision);
  const rows = useAppStore(fieldSecuritySelectors.rows);
  const selectedId = useAppStore(fieldSecuritySelectors.selectedId);
  const { loadFieldProfiles, selectFieldProfile, applyCommand } = useAppStore.getState();
  const [creating, setCreating] = useState(false);
  useEffect(() => {
    void loadFieldProfiles();
  }, [revision, loadFieldProfiles]);
  useEffect(() => {
    if (!selectedId && rows[0]) void selectFieldProfile(rows[0].fieldsecurityprofileid);
  }, [selectedId, rows, selectFieldProfile]);
  return (
    <div className="split">
      <section className="panel list-panel" aria-labelledby="fsp-title">
        <div className="panel-head">
          <h2 id="fsp-title">Field security profiles</h2>
          <button type="button" className="primary push-right" onClick={() => setCreating(true)}>
            New profile
          </button>
        </div>
        <ul className="role-list" role="listbox" aria-label="Field security profiles">
          {rows.map((p) => (
            <li key={p.fieldsecurityprofileid} role="option" aria-selected={p.fieldsecurityprofileid === selectedId} className={p.fieldsecurityprofileid === selectedId ? 'selected' : ''} onClick={() => void selectFieldProfile(p.fieldsecurityprofileid)}>
              <span className="ellipsis">{p.name}</span>
              <span className="muted">
                {p.columns} {p.columns === 1 ? 'column' : 'columns'} · {p.users + p.teams} {p.users + p.teams === 1 ? 'member' : 'members'}
              </span>
            </li>
          ))}
          {rows.length === 0 && <li className="muted">No profiles yet.</li>}
        </ul>
      </section>
      <ProfileDetail />
      {creating && <NameDialog title="New field security profile" label="Name" initial="" submitLabel="Create" onClose={() => setCreating(false)} onSubmit={(name) => applyCommand({ type: 'createFieldSecurityProfile', name })} />}
    </div>
  );
}

function ProfileDetail() {
  const detail = useAppStore(fieldSecuritySelectors.detail);
  const applyCommand = useAppStore((s) => s.applyCommand);
  const checkCommands = useAppStore((s) => s.checkCommands);
  const [deleting, setDeleting] = useState(false);
  if (!detail) return <section className="panel detail empty" aria-label="Profile"><p className="muted">Select a profile.</p></section>;
  const p = detail.profile;
  const toggle = (c: Column, key: (typeof RIGHTS)[number][0]) => {
    const next = { canread: c.canread, cancreate: c.cancreate, canupdate: c.canupdate, [key]: c[key] === 4 ? 0 : 4 } as Pick<Column, 'canread' | 'cancreate' | 'canupdate'>;
    const none = next.canread === 0 && next.cancreate === 0 && next.canupdate === 0;
    void applyCommand(
      none
        ? { type: 'removeFieldPermission', fieldsecurityprofileid: p.fieldsecurityprofileid, entityname: c.entityname, attributelogicalname: c.attributelogicalname }
        : { type: 'setFieldPermission', fieldsecurityprofileid: p.fieldsecurityprofileid, entityname: c.entityname, attributelogicalname: c.attributelogicalname, ...next },
    );
  };
  return (
    <section className="panel detail" aria-label={`Profile ${p.name}`}>
      <p className="eyebrow">Field security profile</p>
      <h2 className="detail-title">{p.name}</h2>
      {p.description && <p className="muted">{p.description}</p>}
      <div className="actions">
        <button type="button" className="danger" onClick={() => setDeleting(true)}>
          Delete…
        </button>
      </div>
      <h3>Secured columns</h3>
      <table className="fields" aria-label="Column permissions">
        <thead>
          <tr>
            <th scope="col">Table</th>
            <th scope="col">Column</th>
            {RIGHTS.map(([, label]) => (
              <th scope="col" key={label}>
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {detail.columns.map((c) => (
            <tr key={`${c.entityname}.${c.attributelogicalname}`}>
              <td>{c.entitydisplayname}</td>
              <th scope="row">
                <code>{c.attributelogicalname}</code>
              </th>
              {RIGHTS.map(([key, label]) => (
                <td key={key}>
                  <input type="checkbox" aria-label={`${label} ${c.attributelogicalname}`} checked={c[key] === 4} onChange={() => toggle(c, key)} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Members</h3>
      <UserPicker label="Add user to profile" placeholder="Add a user: type a name…" exclude={new Set(detail.users.map((u) => u.id))} onPick={(u) => void applyCommand({ type: 'assignFieldSecurityProfile', fieldsecurityprofileid: p.fieldsecurityprofileid, systemuserid: u.systemuserid })} />
      <TeamAdder profileId={p.fieldsecurityprofileid} exclude={new Set(detail.teams.map((t) => t.id))} />
      <ul className="chips" aria-label="Profile members">
        {detail.users.map((u) => (
          <li key={u.id} className="chip">
            {u.name}
            <button type="button" aria-label={`Remove ${u.name}`} onClick={() => void applyCommand({ type: 'removeFieldSecurityProfile', fieldsecurityprofileid: p.fieldsecurityprofileid, systemuserid: u.id })}>
              ×
            </button>
          </li>
        ))}
        {detail.teams.map((t) => (
          <li key={t.id} className="chip">
            {t.name} <span className="muted">team</span>
            <button type="button" aria-label={`Remove ${t.name}`} onClick={() => void applyCommand({ type: 'removeFieldSecurityProfile', fieldsecurityprofileid: p.fieldsecurityprofileid, teamid: t.id })}>
              ×
            </button>
          </li>
        ))}
        {detail.users.length + detail.teams.length === 0 && <li className="muted">Nobody holds this profile.</li>}
      </ul>
      {deleting && (
        <ConfirmDialog
          title={`Delete ${p.name}`}
          confirmLabel="Delete"
          danger
          check={() => checkCommands([{ type: 'deleteFieldSecurityProfile', fieldsecurityprofileid: p.fieldsecurityprofileid }])}
          onConfirm={() => applyCommand({ type: 'deleteFieldSecurityProfile', fieldsecurityprofileid: p.fieldsecurityprofileid })}
          onClose={() => setDeleting(false)}
        >
          <p>Delete this profile? Undo brings it back.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function TeamAdder({ profileId, exclude }: { profileId: string; exclude: ReadonlySet<string> }) {
  const teams = useAppStore((s) => s.teamRows);
  const { loadTeams, applyCommand } = useAppStore.getState();
  const [team, setTeam] = useState('');
  useEffect(() => {
    if (teams.length === 0) void loadTeams();
  }, [teams.length, loadTeams]);
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (team) void applyCommand({ type: 'assignFieldSecurityProfile', fieldsecurityprofileid: profileId, teamid: team }).then((r) => !r && setTeam(''));
      }}
    >
      <select aria-label="Team to add to the profile" value={team} onChange={(e) => setTeam(e.target.value)}>
        <option value="">Add a team…</option>
        {teams
          .filter((t) => !exclude.has(t.teamid))
          .map((t) => (
            <option key={t.teamid} value={t.teamid}>
              {t.name}
              {t.isdefault ? ' (default)' : ''}
            </option>
          ))}
      </select>
      <button type="submit" disabled={!team}>
        Add team
      </button>
    </form>
  );
}

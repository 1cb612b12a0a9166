import { useState } from 'react';
import { orgSelectors, useAppStore } from '../store';

/**
 * Picks a role and assigns it to a user or a team (one assignRole command). Roles the principal
 * already holds can be left out of the list.
 */
export function AssignRoleForm({ principal, label, exclude }: { principal: { systemuserid: string } | { teamid: string }; label: string; exclude?: ReadonlySet<string> }) {
  const summary = useAppStore(orgSelectors.summary);
  const applyCommand = useAppStore((s) => s.applyCommand);
  const [role, setRole] = useState('');
  if (!summary) return null;
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (role) void applyCommand({ type: 'assignRole', ...principal, roleid: role }).then((r) => !r && setRole(''));
      }}
    >
      <select aria-label={label} value={role} onChange={(e) => setRole(e.target.value)}>
        <option value="">Choose a role…</option>
        {summary.roles
          .filter((r) => !exclude?.has(r.roleid))
          .map((r) => (
            <option key={r.roleid} value={r.roleid}>
              {r.name}
            </option>
          ))}
      </select>
      <button type="submit" disabled={!role}>
        Assign role
      </button>
    </form>
  );
}

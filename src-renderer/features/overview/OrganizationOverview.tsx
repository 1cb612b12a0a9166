import { useEffect, useMemo } from 'react';
import type { OrgSummaryDto } from '../../api';
import { orgSelectors, unitForest, unitNames, useAppStore, type UnitNode } from '../../store';

/** Read-only overview of the open organization: its size, its business-unit tree and its roles. */
export function OrganizationOverview() {
  const summary = useAppStore(orgSelectors.summary);
  const status = useAppStore(orgSelectors.status);
  const error = useAppStore(orgSelectors.error);
  const loadSummary = useAppStore((s) => s.loadSummary);

  useEffect(() => {
    void loadSummary();
  }, [loadSummary]);

  if (status === 'failed' && error) {
    return (
      <main className="overview">
        <p role="alert" className="error">
          Could not load the organization: {error.message}
        </p>
      </main>
    );
  }
  if (!summary) {
    return (
      <main className="overview">
        <p aria-busy="true">Loading the organization…</p>
      </main>
    );
  }
  return (
    <main className="overview">
      <header>
        <p className="eyebrow">Organization overview</p>
        <h1>{summary.name}</h1>
      </header>
      <Counts counts={summary.counts} />
      <div className="columns">
        <BusinessUnitTree summary={summary} />
        <RoleList summary={summary} />
      </div>
    </main>
  );
}

const COUNT_LABELS: readonly [keyof OrgSummaryDto['counts'], string][] = [
  ['businessunits', 'Business units'],
  ['users', 'Users'],
  ['teams', 'Teams'],
  ['roles', 'Security roles'],
  ['records', 'Records'],
];

function Counts({ counts }: { counts: OrgSummaryDto['counts'] }) {
  return (
    <dl className="counts" aria-label="Counts">
      {COUNT_LABELS.map(([key, label]) => (
        <div key={key} className="count" role="group" aria-label={label}>
          <dt>{label}</dt>
          <dd>{counts[key].toLocaleString()}</dd>
        </div>
      ))}
    </dl>
  );
}

function BusinessUnitTree({ summary }: { summary: OrgSummaryDto }) {
  const forest = useMemo(() => unitForest(summary), [summary]);
  return (
    <section className="panel" aria-labelledby="units-heading">
      <h2 id="units-heading">Business units</h2>
      <ul className="unit-tree" aria-label="Business unit tree">
        {forest.map((node) => (
          <UnitItem key={node.unit.businessunitid} node={node} />
        ))}
      </ul>
    </section>
  );
}

function UnitItem({ node }: { node: UnitNode }) {
  const { unit } = node;
  return (
    <li className={unit.isdisabled ? 'unit disabled' : 'unit'} aria-label={unit.name}>
      <span className="unit-name">{unit.name}</span>
      {unit.isdisabled && <span className="badge">Disabled</span>}
      <span className="muted">
        {unit.users} {unit.users === 1 ? 'user' : 'users'}
      </span>
      {node.children.length > 0 && (
        <ul>
          {node.children.map((child) => (
            <UnitItem key={child.unit.businessunitid} node={child} />
          ))}
        </ul>
      )}
    </li>
  );
}

function RoleList({ summary }: { summary: OrgSummaryDto }) {
  const names = useMemo(() => unitNames(summary), [summary]);
  return (
    <section className="panel" aria-labelledby="roles-heading">
      <h2 id="roles-heading">Security roles</h2>
      {summary.roles.length === 0 ? (
        <p className="muted">No security roles yet.</p>
      ) : (
        <table className="roles">
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Business unit</th>
              <th scope="col" className="num">
                Holders
              </th>
            </tr>
          </thead>
          <tbody>
            {summary.roles.map((role) => (
              <tr key={role.roleid}>
                <th scope="row">{role.name}</th>
                <td>{names.get(role.businessunitid) ?? role.businessunitid}</td>
                <td className="num">{role.holders}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

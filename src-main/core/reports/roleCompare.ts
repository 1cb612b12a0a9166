import { catalogFor } from '../catalog/catalog';
import { depthLevel, type Depth } from '../model/depth';
import type { Role } from '../model/org';
import type { OrgState } from '../model/org';
import { depthCell, type Cell, type Report, type ReportContext } from './model';

/** One side of a comparison: a role, and where it comes from ("now", "snapshot of 2026-01-03", "file old.json"). */
export interface ComparedRole {
  readonly role: Role;
  readonly label: string;
}

type Change = 'added' | 'removed' | 'raised' | 'lowered' | 'same';

function change(a: Depth | undefined, b: Depth | undefined): Change {
  const la = depthLevel(a);
  const lb = depthLevel(b);
  if (la === lb) return 'same';
  if (!la) return 'added';
  if (!lb) return 'removed';
  return lb > la ? 'raised' : 'lowered';
}

/** Two roles side by side, or one role now against an earlier version: the attributes, then every privilege that differs. */
export function roleCompareReport(state: OrgState, ctx: ReportContext, a: ComparedRole, b: ComparedRole, options: { readonly includeSame?: boolean } = {}): Report {
  const catalog = catalogFor(state);
  const names = new Set([...Object.keys(a.role.privileges), ...Object.keys(b.role.privileges)]);
  const rows: Cell[][] = [];
  const ordered = catalog.privileges.filter((p) => names.has(p.name)).map((p) => p.name);
  for (const n of names) if (!catalog.privilege(n)) ordered.push(n); // privileges of tables this organization no longer has
  let differing = 0;
  for (const name of ordered) {
    const def = catalog.privilege(name);
    const da = a.role.privileges[name];
    const db = b.role.privileges[name];
    const c = change(da, db);
    if (c !== 'same') differing++;
    if (c === 'same' && !options.includeSame) continue;
    const table = def?.accessright ? def.entities.map((e) => catalog.entities.get(e)?.displayname ?? e).join(', ') : '(miscellaneous)';
    rows.push([def?.group ?? '', table, def?.accessright ?? def?.displayname ?? name, name, depthCell(da ?? null), depthCell(db ?? null), c]);
  }
  const unit = (r: Role) => state.businessunits.get(r.businessunitid)?.name ?? r.businessunitid;
  const attributes: Cell[][] = [
    ['Name', a.role.name, b.role.name],
    ['Role id', a.role.roleid, b.role.roleid],
    ['Business unit', unit(a.role), unit(b.role)],
    ['Member privilege inheritance', a.role.isinherited ? 'inherited' : 'team only', b.role.isinherited ? 'inherited' : 'team only'],
    ['Description', a.role.description ?? '', b.role.description ?? ''],
    ['Privileges', Object.keys(a.role.privileges).length, Object.keys(b.role.privileges).length],
  ];
  const A = `A: ${a.role.name} (${a.label})`;
  const B = `B: ${b.role.name} (${b.label})`;
  return {
    kind: 'role-compare',
    title: a.role.roleid === b.role.roleid ? `Role comparison: ${a.role.name}, ${a.label} vs ${b.label}` : `Role comparison: ${a.role.name} vs ${b.role.name}`,
    organization: state.organization.name,
    generatedAt: ctx.generatedAt,
    source: ctx.source,
    parameters: [['A', `${a.role.name} (${a.label})`], ['B', `${b.role.name} (${b.label})`], ['Privileges that differ', String(differing)]],
    sections: [
      { title: 'Attributes', tables: [{ columns: [{ header: 'Attribute', kind: 'text', width: 28 }, { header: A, kind: 'text', width: 40 }, { header: B, kind: 'text', width: 40 }], size: attributes.length, rows: () => attributes }] },
      {
        title: 'Privileges',
        note: differing ? `${differing} privilege(s) differ.` : 'The two roles grant the same privileges at the same depths.',
        legend: true,
        tables: [
          {
            columns: [
              { header: 'Group', kind: 'text', width: 18 },
              { header: 'Table', kind: 'text', width: 28 },
              { header: 'Right', kind: 'text', width: 14 },
              { header: 'Privilege', kind: 'text', width: 30 },
              { header: 'A', kind: 'depth', width: 11 },
              { header: 'B', kind: 'depth', width: 11 },
              { header: 'Change', kind: 'text', width: 10 },
            ],
            size: rows.length,
            rows: () => rows,
          },
        ],
      },
    ],
  };
}

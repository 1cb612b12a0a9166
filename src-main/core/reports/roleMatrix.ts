import { catalogFor, type Catalog, type EntityDef } from '../catalog/catalog';
import { RIGHTS } from '../model/accessRights';
import { depthLevel } from '../model/depth';
import type { Id, OrgState, Role } from '../model/org';
import { AccessEngine } from '../access/engine';
import { holdingsOf } from '../findings/holdings';
import { activeHolderCounts } from '../findings/roles';
import { depthCell, type Cell, type Column, type Report, type ReportContext, type Section, type Table } from './model';


const RIGHT_COLUMNS: Column[] = RIGHTS.map((r) => ({ header: r, kind: 'depth', width: 10 }));

const RULE_COLUMN: Column = { header: 'Depth rule', kind: 'text', width: 12 };
/** "unverified" where the catalog cannot vouch for the depths a privilege allows (kept as the role holds it). */
const rule = (unverified: boolean): Cell => (unverified ? 'unverified' : '');

/**
 * The role editor's grid for one role, on the tables the role holds a privilege on (a catalog of
 * hundreds of tables would bury them): a depth per right, '' where the table has no such right.
 */
export function privilegeGrid(role: Role, catalog: Catalog): Table {
  const held = (e: EntityDef) => RIGHTS.some((r) => {
    const def = catalog.privilegeFor(e.logicalname, r);
    return def !== undefined && role.privileges[def.name] !== undefined;
  });
  const entities = [...catalog.entities.values()].filter(held).sort((a, b) => a.group.localeCompare(b.group) || a.displayname.localeCompare(b.displayname));
  return {
    title: 'Tables the role holds privileges on',
    columns: [{ header: 'Group', kind: 'text', width: 20 }, { header: 'Table', kind: 'text', width: 30 }, ...RIGHT_COLUMNS, RULE_COLUMN],
    size: entities.length,
    *rows() {
      for (const e of entities) {
        const row: Cell[] = [e.group, e.displayname];
        let unverified = false;
        for (const right of RIGHTS) {
          const def = catalog.privilegeFor(e.logicalname, right);
          row.push(def ? depthCell(role.privileges[def.name] ?? null) : '');
          if (def?.status === 'unverified' && role.privileges[def.name]) unverified = true;
        }
        row.push(rule(unverified));
        yield row;
      }
    },
  };
}

export function miscellaneousGrid(role: Role, catalog: Catalog): Table {
  const misc = catalog.privileges.filter((p) => p.accessright === null && role.privileges[p.name] !== undefined);
  return {
    title: 'Miscellaneous privileges the role holds',
    columns: [{ header: 'Group', kind: 'text', width: 20 }, { header: 'Privilege', kind: 'text', width: 36 }, { header: 'Depth', kind: 'depth', width: 12 }, RULE_COLUMN],
    size: misc.length,
    *rows() {
      for (const p of misc) yield [p.group, p.displayname, depthCell(role.privileges[p.name] ?? null), rule(p.status === 'unverified')];
    },
  };
}

/** The privilege matrix of one, several or all roles: an overview, then a section per role. */
export function roleMatrixReport(state: OrgState, ctx: ReportContext, roleIds?: readonly Id[]): Report {
  const catalog = catalogFor(state);
  const ids = roleIds?.length ? roleIds : [...state.roles.values()].sort((a, b) => a.name.localeCompare(b.name)).map((r) => r.roleid);
  const roles = ids.map((id) => {
    const r = state.roles.get(id);
    if (!r) throw new RangeError(`role ${id} does not exist`);
    return r;
  });
  const engine = AccessEngine.of(state);
  const holders = activeHolderCounts(holdingsOf(state));
  const unitName = (id: Id) => state.businessunits.get(id)?.name ?? id;
  const overview: Section = {
    title: 'Roles',
    tables: [
      {
        columns: [
          { header: 'Role', kind: 'text', width: 34 },
          { header: 'Business unit', kind: 'text', width: 24 },
          { header: 'Member privilege inheritance', kind: 'text', width: 30 },
          { header: 'Privileges', kind: 'number', width: 11 },
          { header: 'Global privileges', kind: 'number', width: 11 },
          { header: 'Enabled holders', kind: 'number', width: 11 },
          { header: 'Description', kind: 'text', width: 50 },
        ],
        size: roles.length,
        *rows() {
          for (const r of roles) {
            const depths = Object.values(r.privileges);
            const i = engine.roles.index.get(r.roleid);
            yield [r.name, unitName(r.businessunitid), r.isinherited ? 'Direct User (Basic) access level and Team privileges' : 'Team privileges only', depths.length, depths.filter((d) => depthLevel(d) === 4).length, i === undefined ? 0 : holders[i], r.description ?? ''];
          }
        },
      },
    ],
  };
  const perRole: Section[] = roles.map((r) => ({ title: r.name, note: `${unitName(r.businessunitid)} · ${r.isinherited ? 'member privileges inherited' : 'team privileges only'}`, legend: true, tables: [privilegeGrid(r, catalog), miscellaneousGrid(r, catalog)] }));
  return {
    kind: 'role-matrix',
    title: roles.length === 1 ? `Role privileges: ${roles[0].name}` : 'Role privilege matrix',
    organization: state.organization.name,
    generatedAt: ctx.generatedAt,
    source: ctx.source,
    parameters: [['Roles', roleIds?.length ? roles.map((r) => r.name).join(', ') : `all (${roles.length})`]],
    sections: [overview, ...perRole],
  };
}


import { AccessEngine } from '../access/engine';
import { TEAM_TYPE_NAMES, type OrgState } from '../model/org';
import type { Finding } from '../findings/types';
import { countBySeverity } from '../findings/index';
import type { Cell, Report, ReportContext } from './model';

/** The business-unit tree (depth-first, indented), then every user with direct and team roles. */
export function businessUnitReport(state: OrgState, ctx: ReportContext): Report {
  const engine = AccessEngine.of(state);
  const p = engine.principals;
  const tree = p.tree;
  const a = engine.assignments;
  const roleName = (r: number) => state.roles.get(engine.roles.ids[r])?.name ?? engine.roles.ids[r];
  const level = new Int32Array(tree.ids.length);
  for (let pos = 0; pos < tree.order.length; pos++) {
    const x = tree.order[pos];
    level[x] = tree.parent[x] < 0 ? 0 : level[tree.parent[x]] + 1;
  }
  const usersOf: number[][] = tree.ids.map(() => []);
  for (let u = 0; u < p.userIds.length; u++) if (p.userUnit[u] >= 0) usersOf[p.userUnit[u]].push(u);
  const teamsOf: number[][] = tree.ids.map(() => []);
  for (let t = 0; t < p.teamIds.length; t++) if (p.teamUnit[t] >= 0) teamsOf[p.teamUnit[t]].push(t);
  const unitName = (x: number) => state.businessunits.get(tree.ids[x])!.name;
  const units: Cell[][] = [];
  for (let pos = 0; pos < tree.order.length; pos++) {
    const x = tree.order[pos];
    const bu = state.businessunits.get(tree.ids[x])!;
    const teamRoles = new Set<string>();
    for (const t of teamsOf[x]) for (let j = a.teamRoles.start[t]; j < a.teamRoles.start[t + 1]; j++) teamRoles.add(`${roleName(a.teamRoles.role[j])} (${state.teams.get(p.teamIds[t])!.name})`);
    const enabled = usersOf[x].filter((u) => !p.userDisabled[u]).length;
    units.push([`${'  '.repeat(level[x])}${bu.name}`, level[x], tree.parent[x] < 0 ? '' : unitName(tree.parent[x]), bu.isdisabled ? 'disabled' : tree.disabled[x] ? 'disabled (parent)' : 'enabled', usersOf[x].length, enabled, teamsOf[x].length, [...teamRoles].join('; ')]);
  }
  const members = {
    columns: [
      { header: 'Business unit', kind: 'text', width: 24 },
      { header: 'User', kind: 'text', width: 24 },
      { header: 'Sign-in name', kind: 'text', width: 30 },
      { header: 'Status', kind: 'text', width: 10 },
      { header: 'Manager', kind: 'text', width: 22 },
      { header: 'Direct roles', kind: 'text', width: 40 },
      { header: 'Roles through teams', kind: 'text', width: 50 },
    ] as const,
    size: p.userIds.length,
    *rows(): Generator<Cell[]> {
      for (let pos = 0; pos < tree.order.length; pos++) {
        const x = tree.order[pos];
        for (const u of usersOf[x]) {
          const user = state.systemusers.get(p.userIds[u])!;
          const direct = new Set<string>();
          for (let j = a.userRoles.start[u]; j < a.userRoles.start[u + 1]; j++) direct.add(roleName(a.userRoles.role[j]));
          const viaTeams = new Set<string>();
          for (let k = p.userTeams.start[u]; k < p.userTeams.start[u + 1]; k++) {
            const t = p.userTeams.list[k];
            if (p.teamType[t] === 1) continue;
            for (let j = a.teamRoles.start[t]; j < a.teamRoles.start[t + 1]; j++) viaTeams.add(`${roleName(a.teamRoles.role[j])} (${state.teams.get(p.teamIds[t])!.name})`);
          }
          const manager = user.parentsystemuserid ? (state.systemusers.get(user.parentsystemuserid)?.fullname ?? '') : '';
          yield [unitName(x), user.fullname, user.domainname, user.isdisabled ? 'disabled' : 'enabled', manager, [...direct].join('; '), [...viaTeams].join('; ')];
        }
      }
    },
  };
  const teams: Cell[][] = [];
  for (let pos = 0; pos < tree.order.length; pos++) {
    const x = tree.order[pos];
    for (const t of teamsOf[x]) {
      const team = state.teams.get(p.teamIds[t])!;
      const roles = new Set<string>();
      for (let j = a.teamRoles.start[t]; j < a.teamRoles.start[t + 1]; j++) roles.add(roleName(a.teamRoles.role[j]));
      teams.push([unitName(x), team.name, TEAM_TYPE_NAMES[team.teamtype] + (team.isdefault ? ' (default)' : ''), p.teamMembers.start[t + 1] - p.teamMembers.start[t], [...roles].join('; ')]);
    }
  }
  return {
    kind: 'bu-structure',
    title: 'Business units, members and roles',
    organization: state.organization.name,
    generatedAt: ctx.generatedAt,
    source: ctx.source,
    parameters: [['Business units', String(tree.ids.length)], ['Users', String(p.userIds.length)], ['Teams', String(p.teamIds.length)]],
    sections: [
      {
        title: 'Business units',
        tables: [{ columns: [{ header: 'Business unit', kind: 'text', width: 36 }, { header: 'Level', kind: 'number', width: 7 }, { header: 'Parent', kind: 'text', width: 24 }, { header: 'Status', kind: 'text', width: 16 }, { header: 'Users', kind: 'number', width: 8 }, { header: 'Enabled users', kind: 'number', width: 10 }, { header: 'Teams', kind: 'number', width: 8 }, { header: 'Roles held by its teams', kind: 'text', width: 50 }], size: units.length, rows: () => units }],
      },
      { title: 'Members', tables: [members] },
      { title: 'Teams', tables: [{ columns: [{ header: 'Business unit', kind: 'text', width: 24 }, { header: 'Team', kind: 'text', width: 30 }, { header: 'Type', kind: 'text', width: 22 }, { header: 'Members', kind: 'number', width: 9 }, { header: 'Roles', kind: 'text', width: 50 }], size: teams.length, rows: () => teams }] },
    ],
  };
}

/** Field security profiles: every column permission, then who holds each profile. */
export function fieldSecurityReport(state: OrgState, ctx: ReportContext): Report {
  const allowed = (v: 0 | 4) => (v === 4 ? 'Allowed' : 'Not allowed');
  const profiles = [...state.fieldsecurityprofiles.values()].sort((a, b) => a.name.localeCompare(b.name));
  const permissions: Cell[][] = [];
  for (const p of profiles) {
    const list = [...p.fieldpermissions].sort((a, b) => a.entityname.localeCompare(b.entityname) || a.attributelogicalname.localeCompare(b.attributelogicalname));
    for (const f of list) permissions.push([p.name, f.entityname, f.attributelogicalname, allowed(f.canread), allowed(f.cancreate), allowed(f.canupdate)]);
  }
  const holders: Cell[][] = [];
  const profileName = (id: string) => state.fieldsecurityprofiles.get(id)?.name ?? id;
  for (const s of state.systemuserprofiles.values()) {
    const u = state.systemusers.get(s.systemuserid);
    holders.push([profileName(s.fieldsecurityprofileid), 'User', u?.fullname ?? s.systemuserid, u ? (state.businessunits.get(u.businessunitid)?.name ?? '') : '']);
  }
  for (const s of state.teamprofiles.values()) {
    const t = state.teams.get(s.teamid);
    holders.push([profileName(s.fieldsecurityprofileid), 'Team', t?.name ?? s.teamid, t ? (state.businessunits.get(t.businessunitid)?.name ?? '') : '']);
  }
  holders.sort((a, b) => String(a[0]).localeCompare(String(b[0])) || String(a[2]).localeCompare(String(b[2])));
  return {
    kind: 'field-security',
    title: 'Field security profiles',
    organization: state.organization.name,
    generatedAt: ctx.generatedAt,
    source: ctx.source,
    parameters: [['Profiles', String(profiles.length)]],
    sections: [
      { title: 'Column permissions', note: 'A secured column not listed for a profile is not allowed to its holders (System Administrator excepted).', tables: [{ columns: [{ header: 'Profile', kind: 'text', width: 34 }, { header: 'Table', kind: 'text', width: 30 }, { header: 'Column', kind: 'text', width: 30 }, { header: 'Read', kind: 'text', width: 12 }, { header: 'Create', kind: 'text', width: 12 }, { header: 'Update', kind: 'text', width: 12 }], size: permissions.length, rows: () => permissions }] },
      { title: 'Profile holders', tables: [{ columns: [{ header: 'Profile', kind: 'text', width: 34 }, { header: 'Held by', kind: 'text', width: 8 }, { header: 'Name', kind: 'text', width: 30 }, { header: 'Business unit', kind: 'text', width: 24 }], size: holders.length, rows: () => holders }] },
    ],
  };
}

/** The findings of a security review, with a count per severity first. */
export function findingsReport(state: OrgState, ctx: ReportContext, list: readonly Finding[]): Report {
  const counts = countBySeverity(list);
  const summary: Cell[][] = (['high', 'medium', 'low', 'info'] as const).map((s) => [s, counts[s]]);
  return {
    kind: 'findings',
    title: 'Security review findings',
    organization: state.organization.name,
    generatedAt: ctx.generatedAt,
    source: ctx.source,
    parameters: [['Findings', String(list.length)]],
    sections: [
      { title: 'Summary', tables: [{ columns: [{ header: 'Severity', kind: 'text', width: 12 }, { header: 'Findings', kind: 'number', width: 10 }], size: 4, rows: () => summary }] },
      {
        title: 'Findings',
        tables: [
          {
            columns: [
              { header: 'Severity', kind: 'text', width: 9 },
              { header: 'Rule', kind: 'text', width: 24 },
              { header: 'Finding', kind: 'text', width: 40 },
              { header: 'Explanation', kind: 'text', width: 70 },
              { header: 'Objects', kind: 'text', width: 40 },
              { header: 'Suggested fix', kind: 'text', width: 50 },
              { header: 'Id', kind: 'text', width: 30 },
            ],
            size: list.length,
            *rows() {
              for (const f of list) yield [f.severity, f.rule, f.title, f.explanation, f.objects.map((o) => `${o.table}: ${o.name}`).join('; '), f.fix, f.id];
            },
          },
        ],
      },
    ],
  };
}

import type { BusinessUnit, Id, OrgState, SystemUser, Team } from '../core/model/org';

/**
 * Lookups the screens' queries need, built once per table: a command returns a new state that
 * shares every table it did not touch, so keying the cache on the table keeps it valid across
 * unrelated changes (a privilege edit does not re-sort 50,000 users).
 */
function memo<K extends object, V>(build: (key: K) => V): (key: K) => V {
  const cache = new WeakMap<K, V>();
  return (key) => {
    let v = cache.get(key);
    if (v === undefined) {
      v = build(key);
      cache.set(key, v);
    }
    return v;
  };
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
export const byName = (a: string, b: string) => collator.compare(a, b);

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Users by full name, with the lower-cased text the search matches. */
export const usersByName = memo((users: OrgState['systemusers']) => {
  const list = [...users.values()].sort((a, b) => byName(a.fullname, b.fullname));
  const text = list.map((u) => `${u.fullname}\n${u.domainname}\n${u.internalemailaddress ?? ''}`.toLowerCase());
  return { list, text };
});

/** systemuserid -> roleids held directly. */
export const rolesByUser = memo((assignments: OrgState['systemuserroles']) => {
  const out = new Map<Id, Id[]>();
  for (const a of assignments.values()) push(out, a.systemuserid, a.roleid);
  return out;
});

/** teamid -> roleids. */
export const rolesByTeam = memo((assignments: OrgState['teamroles']) => {
  const out = new Map<Id, Id[]>();
  for (const a of assignments.values()) push(out, a.teamid, a.roleid);
  return out;
});

/** Members of non-default teams, both ways. */
export const memberships = memo((table: OrgState['teammembership']) => {
  const byTeam = new Map<Id, Id[]>();
  const byUser = new Map<Id, Id[]>();
  for (const m of table.values()) {
    push(byTeam, m.teamid, m.systemuserid);
    push(byUser, m.systemuserid, m.teamid);
  }
  return { byTeam, byUser };
});

/** Users per unit: the members of each default team. */
export const usersByUnit = memo((users: OrgState['systemusers']) => {
  const out = new Map<Id, SystemUser[]>();
  for (const u of users.values()) push(out, u.businessunitid, u);
  return out;
});

export const defaultTeamOfUnit = memo((teams: OrgState['teams']) => {
  const out = new Map<Id, Team>();
  for (const t of teams.values()) if (t.isdefault) out.set(t.businessunitid, t);
  return out;
});

export const teamsByName = memo((teams: OrgState['teams']) => [...teams.values()].sort((a, b) => byName(a.name, b.name)));

/** How many users report directly to each manager. */
export const directReports = memo((users: OrgState['systemusers']) => {
  const out = new Map<Id, number>();
  for (const u of users.values()) if (u.parentsystemuserid) out.set(u.parentsystemuserid, (out.get(u.parentsystemuserid) ?? 0) + 1);
  return out;
});

/** Members of a team: a default team's are its unit's users. */
export function teamMemberIds(s: OrgState, team: Team): Id[] {
  if (team.isdefault) return (usersByUnit(s.systemusers).get(team.businessunitid) ?? []).map((u) => u.systemuserid);
  return memberships(s.teammembership).byTeam.get(team.teamid) ?? [];
}

export function teamMemberCount(s: OrgState, team: Team): number {
  if (team.isdefault) return usersByUnit(s.systemusers).get(team.businessunitid)?.length ?? 0;
  return memberships(s.teammembership).byTeam.get(team.teamid)?.length ?? 0;
}

/** Depth-first from the root(s), siblings by name; a unit whose parent is missing is listed as a root. */
export const unitsInTreeOrder = memo((units: OrgState['businessunits']): readonly BusinessUnit[] => {
  const children = new Map<Id | null, BusinessUnit[]>();
  for (const bu of units.values()) push(children, bu.parentbusinessunitid !== null && units.has(bu.parentbusinessunitid) ? bu.parentbusinessunitid : null, bu);
  for (const list of children.values()) list.sort((a, b) => byName(a.name, b.name));
  const out: BusinessUnit[] = [];
  const seen = new Set<Id>();
  const stack = [...(children.get(null) ?? [])].reverse();
  while (stack.length) {
    const bu = stack.pop()!;
    if (seen.has(bu.businessunitid)) continue;
    seen.add(bu.businessunitid);
    out.push(bu);
    const kids = children.get(bu.businessunitid);
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return out;
});

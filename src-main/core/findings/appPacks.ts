import { APP_PACKS, PREDEFINED_ROLES, type AppPack, type PackRule } from '../catalog/seedRoles';
import type { Catalog } from '../catalog/catalog';
import type { OrgState } from '../model/org';
import { holdingsOf, type Holdings } from './holdings';
import { finding, nameList, type Finding, type FindingObject } from './types';

/** Tables only an app's own roles grant: owning their records is a sign the user works in the app. */
function packTables(pack: AppPack, catalog: Catalog): Set<string> {
  const tablesOf = (names: Iterable<string>) => {
    const out = new Set<string>();
    for (const n of names) for (const e of catalog.privilege(n)?.entities ?? []) out.add(e);
    return out;
  };
  const mine = tablesOf(pack.roles.flatMap((r) => Object.keys(r.privileges)));
  const others = tablesOf([...PREDEFINED_ROLES, ...APP_PACKS.filter((p) => p !== pack).flatMap((p) => p.roles)].flatMap((r) => Object.keys(r.privileges).filter((k) => k !== '*')));
  for (const t of others) mine.delete(t);
  return mine;
}

interface UserRoles {
  readonly direct: ReadonlySet<number>;
  readonly viaTeam: ReadonlyMap<number, number[]>;
}

function rolesOf(h: Holdings, u: number): UserRoles {
  const viaTeam = new Map<number, number[]>();
  for (const g of h.viaTeams(u)) {
    const list = viaTeam.get(g.role);
    if (list) list.push(g.team);
    else viaTeam.set(g.role, [g.team]);
  }
  return { direct: new Set(h.direct(u)), viaTeam };
}

const holds = (ur: UserRoles, roles: readonly number[]) => roles.filter((r) => ur.direct.has(r) || ur.viaTeam.has(r));

/**
 * The app packs' rules (resources/packs), matched to the organization's roles by name: missing
 * companion roles, forbidden combinations, persona-mapping roles held only through a team, and
 * app users holding none of the app's roles.
 */
export function appPackFindings(state: OrgState): Finding[] {
  const h = holdingsOf(state);
  const e = h.engine;
  const p = e.principals;
  const named = (names: readonly string[]) => [...new Set(names.flatMap((n) => h.rolesNamed(n)))];
  const out: Finding[] = [];
  const compiled = APP_PACKS.flatMap((pack) =>
    pack.rules.map((rule, i) => ({ pack, rule, i, roles: named(rule.roles), other: named(rule.kind === 'requiresRole' ? rule.requires : rule.kind === 'notWith' ? rule.forbidden : rule.kind === 'appAccess' ? [...rule.roles, ...(rule.equivalents ?? [])] : []) })),
  ).filter((c) => c.roles.length > 0); // a pack none of whose roles exist is not installed

  // App usage evidence for appAccess rules: the pack's field security profiles and records of its own tables.
  const usage = new Map<AppPack, Map<number, string>>();
  for (const c of compiled) {
    if (c.rule.kind !== 'appAccess' || usage.has(c.pack)) continue;
    const users = new Map<number, string>();
    const profiles = new Set((c.pack.fieldsecurityprofiles ?? []).map((f) => f.fieldsecurityprofileid));
    for (const sp of state.systemuserprofiles.values()) {
      const u = p.userIndex.get(sp.systemuserid);
      if (u !== undefined && profiles.has(sp.fieldsecurityprofileid)) users.set(u, `holds the field security profile ${state.fieldsecurityprofiles.get(sp.fieldsecurityprofileid)?.name}`);
    }
    for (const tp of state.teamprofiles.values()) {
      const t = p.teamIndex.get(tp.teamid);
      if (t === undefined || !profiles.has(tp.fieldsecurityprofileid)) continue;
      for (let k = p.teamMembers.start[t]; k < p.teamMembers.start[t + 1]; k++) {
        const u = p.teamMembers.list[k];
        if (!users.has(u)) users.set(u, `is in team ${h.team(t).name}, which holds the field security profile ${state.fieldsecurityprofiles.get(tp.fieldsecurityprofileid)?.name}`);
      }
    }
    const tables = packTables(c.pack, e.catalog);
    for (const t of tables) {
      const ent = e.records.entityIndex.get(t);
      if (ent === undefined) continue;
      const perOwner = e.records.ownerCounts[ent];
      for (let o = 0; o < perOwner.length; o++) {
        if (!perOwner[o]) continue;
        const u = p.userIndex.get(e.records.ownerIds[o]);
        if (u !== undefined && !users.has(u)) users.set(u, `owns ${perOwner[o]} ${t} record(s)`);
      }
    }
    usage.set(c.pack, users);
  }

  for (let u = 0; u < p.userIds.length; u++) {
    if (!e.isActive(u)) continue;
    let ur: UserRoles | undefined;
    for (const c of compiled) {
      const rule: PackRule = c.rule;
      if (rule.kind === 'appAccess') {
        const evidence = usage.get(c.pack)!.get(u);
        if (evidence === undefined) continue;
        ur ??= rolesOf(h, u);
        if (holds(ur, c.other).length) continue;
        const user = h.user(u);
        out.push(
          finding(
            'app-user-without-app-role',
            'medium',
            `${user.name} uses ${c.pack.name} without any of its roles`,
            `${user.name} ${evidence} but holds none of ${nameList(rule.roles)}${rule.equivalents?.length ? ` (nor ${nameList(rule.equivalents)})` : ''}. ${rule.message}`,
            [user],
            `Assign ${user.name} the ${c.pack.name} role that fits the job (${nameList(rule.roles)}).`,
            `${c.pack.pack}:${user.id}`,
          ),
        );
        continue;
      }
      ur ??= rolesOf(h, u);
      const held = holds(ur, c.roles);
      if (!held.length) continue;
      const user = h.user(u);
      const heldObjs = held.map((r) => h.role(r));
      if (rule.kind === 'requiresRole') {
        if (holds(ur, c.other).length) continue;
        out.push(
          finding(
            'app-missing-required-role',
            'medium',
            `${user.name} holds ${nameList(heldObjs.map((r) => r.name))} without ${nameList(rule.requires)}`,
            `${user.name} holds ${nameList(heldObjs.map((r) => r.name))} (${c.pack.name}) but not ${nameList(rule.requires)}. ${rule.message}`,
            [user, ...heldObjs],
            `Assign ${rule.requires.join(' or ')} to ${user.name}.`,
            `${c.pack.pack}:${c.i}:${user.id}`,
          ),
        );
      } else if (rule.kind === 'notWith') {
        const bad = holds(ur, c.other).map((r) => h.role(r));
        if (!bad.length) continue;
        out.push(
          finding(
            'app-forbidden-role-combination',
            'high',
            `${user.name} holds ${nameList(heldObjs.map((r) => r.name))} together with ${nameList(bad.map((r) => r.name))}`,
            `${rule.message} ${user.name} holds both, so an account meant for service integration is also a person's working account (or the reverse).`,
            [user, ...heldObjs, ...bad],
            `Remove ${nameList(heldObjs.map((r) => r.name))} from ${user.name}, and use a separate account for API access.`,
            `${c.pack.pack}:${c.i}:${user.id}`,
          ),
        );
      } else if (rule.kind === 'directOnly') {
        for (const r of held) {
          if (ur.direct.has(r)) continue;
          const teams = ur.viaTeam.get(r)!.map((t): FindingObject => h.team(t));
          const role = h.role(r);
          out.push(
            finding(
              'app-role-only-through-team',
              'medium',
              `${user.name} holds ${role.name} only through a team`,
              `${user.name} gets ${role.name} only through ${nameList(teams.map((t) => t.name))}. ${rule.message}`,
              [user, role, ...teams],
              `Assign ${role.name} to ${user.name} directly (and keep or drop the team assignment).`,
              `${c.pack.pack}:${c.i}:${user.id}+${role.id}`,
            ),
          );
        }
      }
    }
  }
  return out;
}

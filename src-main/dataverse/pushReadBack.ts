/**
 * Read-back: which planned requests the environment already holds, so a push sent again after a
 * lost answer, or run again, never applies anything twice.
 */
import { Connection, DataverseError, asDataverseError } from './connection';
import { VERSIONED_SETS, type VersionedSet } from './etags';
import { namedReader, rowReader, same, withNames, type Effect, type PlannedRequest, type ReadyRequest } from './push';

const DEPTH_BY_VALUE = ['Basic', 'Local', 'Deep', 'Global'];
/** Users or teams of one association table past which inEffect reads the whole table rather than one query each. */
export const WHOLE_TABLE = 50;

/**
 * Which of the requests the environment already holds in effect, read from the environment: one
 * RetrieveRolePrivilegesRole per affected role, one query per affected user, team, profile or row.
 * A request in effect must not be sent again (an association or a create sent twice is refused as
 * a duplicate; an action sent twice would act twice). A request naming a row Dataverse names itself
 * is read with that row's id when the environment holds the row, and is not in effect when not.
 */
export async function inEffect(c: Connection, planned: readonly PlannedRequest[], wholeTable = WHOLE_TABLE): Promise<boolean[]> {
  // A request awaiting a row the environment does not hold yet cannot be in effect.
  const named = await withNames(planned, namedReader(c));
  const held = await readyInEffect(c, named.filter((r): r is ReadyRequest => r !== null), wholeTable);
  let k = 0;
  return named.map((r) => (r === null ? false : held[k++]));
}

async function readyInEffect(c: Connection, requests: readonly ReadyRequest[], wholeTable: number): Promise<boolean[]> {
  const roles = new Map<string, Promise<Map<string, string>>>();
  const pairs = new Map<string, Promise<Set<string>>>();
  const norm = (id: string) => id.toLowerCase();
  const privilegesOf = (roleid: string) => {
    let p = roles.get(roleid);
    if (!p) {
      p = c
        .send(`reading the privileges of role ${roleid}`, (api) => api.callFunction<{ RolePrivileges?: { PrivilegeId: string; Depth: string | number }[] }>({ name: 'RetrieveRolePrivilegesRole', parameters: { RoleId: roleid } }))
        .then((res) => {
          if (!res || !Array.isArray(res.RolePrivileges)) throw new DataverseError(`reading the privileges of role ${roleid}: the answer has no RolePrivileges list`, null, null);
          return new Map(res.RolePrivileges.map((r) => [norm(r.PrivilegeId), typeof r.Depth === 'number' || /^\d$/.test(r.Depth) ? DEPTH_BY_VALUE[Number(r.Depth)] : r.Depth]));
        });
      roles.set(roleid, p);
    }
    return p;
  };
  // One query per user or team touched; past `wholeTable` of them, the whole intersect table is read once (a few pages instead of thousands of requests).
  const holders = new Map<string, Set<string>>();
  for (const r of requests) if (r.effect.kind === 'pair') (holders.get(`${r.effect.set}|${r.effect.by[0]}`) ?? holders.set(`${r.effect.set}|${r.effect.by[0]}`, new Set()).get(`${r.effect.set}|${r.effect.by[0]}`)!).add(norm(r.effect.by[1]));
  const wholeTables = new Map<string, Promise<Set<string>>>();
  const pairsOf = async (e: Extract<Effect, { kind: 'pair' }>): Promise<(other: string) => boolean> => {
    const table = `${e.set}|${e.by[0]}`;
    if (holders.get(table)!.size > wholeTable) {
      let all = wholeTables.get(table);
      if (!all) {
        all = c.all<Record<string, string>>(e.set, [e.by[0], e.other[0]]).then((rows) => new Set(rows.map((r) => `${norm(String(r[e.by[0]]))}|${norm(String(r[e.other[0]]))}`)));
        wholeTables.set(table, all);
      }
      const rows = await all;
      return (other) => rows.has(`${norm(e.by[1])}|${other}`);
    }
    const key = `${table}|${e.by[1]}`;
    let p = pairs.get(key);
    if (!p) {
      p = c.all<Record<string, string>>(e.set, [e.by[0], e.other[0]], { filter: `${e.by[0]} eq ${e.by[1]}` }).then((rows) => new Set(rows.map((r) => norm(String(r[e.other[0]])))));
      pairs.set(key, p);
    }
    const rows = await p;
    return (other) => rows.has(other);
  };
  const members = new Map<string, Promise<Set<string>>>();
  const membersOf = (profileid: string, nav: 'systemuserprofiles_association' | 'teamprofiles_association') => {
    const key = `${profileid}|${nav}`;
    let p = members.get(key);
    if (!p) {
      const column = nav === 'systemuserprofiles_association' ? 'systemuserid' : 'teamid';
      p = c
        .send(`reading the members of field security profile ${profileid}`, (api) => api.retrieve<{ value?: Record<string, string>[] }>({ collection: 'fieldsecurityprofiles', key: profileid, navigationProperty: nav, select: [column] }))
        .then((res) => new Set((res?.value ?? []).map((r) => norm(String(r[column])))))
        .catch((e: unknown) => {
          if (asDataverseError(e).status === 404) return new Set<string>();
          throw e;
        });
      members.set(key, p);
    }
    return p;
  };
  // Rows read one by one, or past `wholeTable` of one set the whole set once, with every column asked of it.
  const rowsAsked = new Map<VersionedSet, { ids: Set<string>; columns: Set<string> }>();
  for (const r of requests) {
    const e = r.effect;
    if (e.kind !== 'columns' && !(e.kind === 'row' && e.set !== 'fieldpermissions')) continue;
    const set = e.set as VersionedSet;
    const asked = rowsAsked.get(set) ?? rowsAsked.set(set, { ids: new Set(), columns: new Set() }).get(set)!;
    asked.ids.add(norm(e.id));
    if (e.kind === 'columns') for (const k of Object.keys(e.values)) asked.columns.add(k);
  }
  const wholeSets = new Map<VersionedSet, Promise<Map<string, Record<string, unknown>>>>();
  const rowOf = async (set: VersionedSet, id: string, columns: readonly string[]): Promise<Record<string, unknown> | null> => {
    const asked = rowsAsked.get(set)!;
    // Roles are read one by one: the set holds every role's copy in every unit.
    if (asked.ids.size > wholeTable && set !== 'roles') {
      let all = wholeSets.get(set);
      if (!all) {
        const key = VERSIONED_SETS[set];
        all = c.all<Record<string, unknown>>(set, [key, ...asked.columns]).then((rows) => new Map(rows.map((r) => [norm(String(r[key])), r])));
        wholeSets.set(set, all);
      }
      return (await all).get(norm(id)) ?? null;
    }
    return rowReader(c)(set, id, columns.length ? columns : [VERSIONED_SETS[set]]).catch((x: unknown) => {
      if (asDataverseError(x).status === 404) return null;
      throw x;
    });
  };
  const exists = (set: string, id: string) =>
    c.send(`reading ${set}(${id})`, (api) => api.retrieve({ collection: set, key: id, select: [set === 'fieldpermissions' ? 'fieldpermissionid' : VERSIONED_SETS[set as VersionedSet]] })).then(
      () => true,
      (e: unknown) => {
        if (asDataverseError(e).status === 404) return false;
        throw e;
      },
    );
  return Promise.all(
    requests.map(async (r) => {
      const e = r.effect;
      switch (e.kind) {
        case 'privilege':
          return ((await privilegesOf(e.roleid)).get(norm(e.privilegeid)) ?? null) === e.depth;
        case 'privileges': {
          const held = await privilegesOf(e.roleid);
          const want = Object.entries(e.privileges);
          return held.size === want.length && want.every(([id, depth]) => held.get(norm(id)) === depth);
        }
        case 'columns': {
          const row = await rowOf(e.set, e.id, Object.keys(e.values));
          return row !== null && Object.entries(e.values).every(([k, v]) => same(row[k], v));
        }
        case 'row':
          return (e.set === 'fieldpermissions' ? await exists(e.set, e.id) : (await rowOf(e.set, e.id, [])) !== null) === e.present;
        case 'fieldpermission': {
          const rows = await c.all<Record<string, unknown>>('fieldpermissions', ['canread', 'cancreate', 'canupdate'], { filter: `_fieldsecurityprofileid_value eq ${e.profileid} and entityname eq '${e.entityname.replace(/'/g, "''")}' and attributelogicalname eq '${e.attributelogicalname.replace(/'/g, "''")}'` });
          if (!e.values) return rows.length === 0;
          return rows.length === 1 && (['canread', 'cancreate', 'canupdate'] as const).every((k) => rows[0][k] === e.values![k]);
        }
        case 'profile':
          return (await membersOf(e.profileid, e.nav)).has(norm(e.member)) === e.present;
        case 'pair':
          return (await pairsOf(e))(norm(e.other[1])) === e.present;
      }
    }),
  );
}

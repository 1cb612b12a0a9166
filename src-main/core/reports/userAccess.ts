import { AccessEngine } from '../access/engine';
import { packedLevel, packedWords } from '../access/roleTable';
import { RIGHTS } from '../model/accessRights';
import { depthOfLevel } from '../model/depth';
import type { Id, OrgState } from '../model/org';
import { grantLabeller, sparseRoles } from './grants';
import { depthCell, type Cell, type Column, type Report, type ReportContext, type Section, type Table } from './model';

const MISC = '(miscellaneous)';

/**
 * A user's effective access: for each privilege held, the deepest depth and the grants that
 * reach it. Scratch arrays are reused across users, so a pass over 50,000 users allocates
 * little beyond the rows themselves.
 */
export function effectiveAccessRows(state: OrgState) {
  const engine = AccessEngine.of(state);
  const g = engine.grantRows;
  const P = engine.catalog.privileges.length;
  const sparse = sparseRoles(engine);
  const label = grantLabeller(state, engine);
  const best = new Uint8Array(P);
  /** Bit k set: the user's k-th grant reaches the best level (users with more than 31 grants fall back to a scan). */
  const mask = new Int32Array(P);
  const touched = new Int32Array(P);
  const entityNames = engine.catalog.privileges.map((p) => p.entities.map((e) => engine.catalog.entities.get(e)?.displayname ?? e));
  const depthCells = [0, 1, 2, 3, 4].map((l) => depthCell(depthOfLevel(l)));
  /** Rows [...head, table, right, privilege, depth, source] of one user, sorted by privilege. */
  return function* rowsOf(u: number, head: readonly Cell[] = []): Generator<Cell[]> {
    if (!engine.isActive(u)) return;
    let n = 0;
    const from = g.start[u];
    const count = g.start[u + 1] - from;
    for (let k = 0; k < count; k++) {
      const s = sparse[g.role[from + k]];
      const bit = k < 31 ? 1 << k : 0;
      for (let j = 0; j < s.index.length; j++) {
        const i = s.index[j];
        const l = s.level[j];
        if (!best[i]) touched[n++] = i;
        if (l > best[i]) {
          best[i] = l;
          mask[i] = bit;
        } else if (l === best[i]) mask[i] |= bit;
      }
    }
    const sources = new Map<number, string>();
    const sourceOf = (i: number, level: number): string => {
      const m = count <= 31 ? mask[i] : -1;
      let text = m >= 0 ? sources.get(m) : undefined;
      if (text !== undefined) return text;
      const labels: string[] = [];
      for (let k = 0; k < count; k++) {
        if (m >= 0 ? !(m & (1 << k)) : engine.roles.levels[g.role[from + k]][i] !== level) continue;
        const l = label(from + k);
        if (!labels.includes(l)) labels.push(l);
      }
      text = labels.join('; ');
      if (m >= 0) sources.set(m, text);
      return text;
    };
    const list = touched.subarray(0, n).sort();
    for (const i of list) {
      const level = best[i];
      best[i] = 0;
      const source = sourceOf(i, level);
      const def = engine.catalog.privileges[i];
      if (def.accessright === null) yield head.length ? [...head, MISC, def.displayname, def.name, depthCells[level], source] : [MISC, def.displayname, def.name, depthCells[level], source];
      else for (const e of entityNames[i]) yield head.length === 3 ? [head[0], head[1], head[2], e, def.accessright, def.name, depthCells[level], source] : [...head, e, def.accessright, def.name, depthCells[level], source];
    }
  };
}

const DETAIL_COLUMNS: Column[] = [
  { header: 'Table', kind: 'text', width: 28 },
  { header: 'Right', kind: 'text', width: 12 },
  { header: 'Privilege', kind: 'text', width: 30 },
  { header: 'Depth', kind: 'depth', width: 12 },
  { header: 'Source', kind: 'text', width: 60 },
];

function estimate(engine: AccessEngine, users: readonly number[]): number {
  const words = packedWords(engine.catalog.privileges.length);
  let n = 0;
  for (const u of users) {
    const row = engine.effectiveLevels(u);
    for (let w = 0; w < words; w++) {
      let x = row[w];
      while (x) {
        if (x & 15) n++;
        x >>>= 4;
      }
    }
  }
  return n;
}

/** One user's access: the role editor's grid of effective depths, then every privilege held with its source. */
function userSections(state: OrgState, engine: AccessEngine, u: number, rowsOf: ReturnType<typeof effectiveAccessRows>): Section {
  const user = state.systemusers.get(engine.principals.userIds[u])!;
  const entities = [...engine.catalog.entities.values()].sort((a, b) => a.group.localeCompare(b.group) || a.displayname.localeCompare(b.displayname));
  const levels = engine.effectiveLevels(u);
  const grid: Table = {
    title: 'Effective depth per table and right',
    columns: [{ header: 'Group', kind: 'text', width: 20 }, { header: 'Table', kind: 'text', width: 30 }, ...RIGHTS.map((r): Column => ({ header: r, kind: 'depth', width: 10 }))],
    size: entities.length,
    *rows() {
      for (const e of entities) {
        const row: Cell[] = [e.group, e.displayname];
        for (const right of RIGHTS) {
          const def = engine.catalog.privilegeFor(e.logicalname, right);
          row.push(def ? depthCell(depthOfLevel(packedLevel(levels, def.index))) : '');
        }
        yield row;
      }
    },
  };
  const unit = state.businessunits.get(user.businessunitid)?.name ?? user.businessunitid;
  const status = user.isdisabled ? 'disabled: no access' : engine.isActive(u) ? 'enabled' : 'business unit disabled: no access';
  return {
    title: user.fullname,
    note: `${user.domainname} · ${unit} · ${status}`,
    legend: true,
    tables: [grid, { title: 'Privileges held and where they come from', columns: DETAIL_COLUMNS, size: estimate(engine, [u]), rows: () => rowsOf(u) }],
  };
}

/** Effective access of some users (a section each) or of all users (one streamed table). */
export function userAccessReport(state: OrgState, ctx: ReportContext, userIds?: readonly Id[]): Report {
  const engine = AccessEngine.of(state);
  const rowsOf = effectiveAccessRows(state);
  const base = { kind: 'user-access' as const, organization: state.organization.name, generatedAt: ctx.generatedAt, source: ctx.source };
  if (userIds?.length) {
    const us = userIds.map((id) => {
      const u = engine.userIndex(id);
      if (u === undefined) throw new RangeError(`user ${id} does not exist`);
      return u;
    });
    const names = us.map((u) => state.systemusers.get(engine.principals.userIds[u])!.fullname);
    return { ...base, title: us.length === 1 ? `Effective access: ${names[0]}` : 'Effective access of users', parameters: [['Users', names.join(', ')]], sections: us.map((u) => userSections(state, engine, u, rowsOf)) };
  }
  const p = engine.principals;
  const unitName = p.tree.ids.map((id) => state.businessunits.get(id)?.name ?? id);
  const all = Array.from({ length: p.userIds.length }, (_, u) => u);
  const table: Table = {
    columns: [{ header: 'User', kind: 'text', width: 24 }, { header: 'Sign-in name', kind: 'text', width: 30 }, { header: 'Business unit', kind: 'text', width: 22 }, ...DETAIL_COLUMNS],
    size: estimate(engine, all),
    *rows() {
      for (const u of all) {
        const user = state.systemusers.get(p.userIds[u])!;
        yield* rowsOf(u, [user.fullname, user.domainname, p.userUnit[u] >= 0 ? unitName[p.userUnit[u]] : '']);
      }
    },
  };
  return {
    ...base,
    title: 'Effective access of all users',
    parameters: [['Users', `all (${p.userIds.length}); disabled users and users of disabled units have no access and no rows`]],
    sections: [{ title: 'Effective access', legend: true, tables: [table] }],
  };
}

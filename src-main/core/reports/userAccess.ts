import { AccessEngine } from '../access/engine';
import { packedLevel } from '../access/roleTable';
import { RIGHTS } from '../model/accessRights';
import { depthOfLevel } from '../model/depth';
import type { Id, OrgState } from '../model/org';
import { grantLabeller } from './grants';
import { depthCell, rowsOfRuns, type Cell, type Column, type Report, type ReportContext, type RunRows, type Section, type Table } from './model';

const MISC = '(miscellaneous)';

/**
 * Users' effective access as numbered runs of cells: for each privilege held, the deepest depth
 * (a detail id: table, right, privilege, depth) and the grants that reach it (a source id).
 * Sources are numbered as they first appear and keep their number; scratch arrays are reused
 * across users, so a pass over 50,000 users allocates little beyond the distinct sources.
 */
interface AccessRuns {
  /** Most rows a user can have. */
  readonly maxRows: number;
  /** [table, right, privilege, depth] of a detail id. */
  detail(id: number): readonly Cell[];
  /** [source] of a source id. */
  source(id: number): readonly Cell[];
  /** Writes user u's rows, sorted by privilege: ids[r * stride + at] the detail id, ids[r * stride + at + 1] the source id. Returns the row count. */
  fill(u: number, ids: Int32Array, stride: number, at: number): number;
}

function accessRuns(state: OrgState, engine: AccessEngine): AccessRuns {
  const g = engine.grantRows;
  const privileges = engine.catalog.privileges;
  const P = privileges.length;
  const levels = engine.roles.levels;
  const label = grantLabeller(state, engine);
  const depthCells = [0, 1, 2, 3, 4].map((l) => depthCell(depthOfLevel(l)));
  // A slot is one row of a privilege: one per table it covers, or one (miscellaneous) when it has no access right.
  const slotStart = new Int32Array(P + 1);
  const details: (readonly Cell[])[] = [];
  for (let i = 0; i < P; i++) {
    const def = privileges[i];
    const tables = def.accessright === null ? [MISC] : def.entities.map((e) => engine.catalog.entities.get(e)?.displayname ?? e);
    const second = def.accessright === null ? def.displayname : def.accessright;
    for (const t of tables) for (let l = 0; l < 5; l++) details.push([t, second, def.name, depthCells[l]]);
    slotStart[i + 1] = slotStart[i] + tables.length;
  }
  const sources: (readonly Cell[])[] = [];
  const sourceIds = new Map<string, number>();
  const intern = (text: string): number => {
    let id = sourceIds.get(text);
    if (id === undefined) {
      id = sources.length;
      sources.push([text]);
      sourceIds.set(text, id);
    }
    return id;
  };
  /** The labels of the grants from..from+count-1 that `reaches` picks, without repeats, in grant order. */
  const labels: string[] = [];
  const sourceOf = (from: number, count: number, reaches: (k: number) => boolean): number => {
    labels.length = 0;
    for (let k = 0; k < count; k++) {
      if (!reaches(k)) continue;
      const l = label(from + k);
      if (!labels.includes(l)) labels.push(l);
    }
    return intern(labels.join('; '));
  };
  // One user's sources by mask (bit k: the k-th grant reaches the best level); a user has few distinct masks.
  const MASKS = 64;
  const maskKey = new Int32Array(MASKS);
  const maskSource = new Int32Array(MASKS);
  return {
    maxRows: slotStart[P],
    detail: (id) => details[id],
    source: (id) => sources[id],
    fill(u, ids, stride, at) {
      if (!engine.isActive(u)) return 0;
      const row = engine.effectiveLevels(u);
      const from = g.start[u];
      const count = g.start[u + 1] - from;
      let masks = 0;
      let r = 0;
      // A user's row ends where the privileges any role holds end (AccessEngine.effectiveLevels).
      for (let w = 0; w < row.length; w++) {
        const x = row[w];
        if (x === 0) continue;
        for (let b = 0; b < 8; b++) {
          const nibble = (x >>> (b << 2)) & 15;
          if (nibble === 0) continue;
          const i = (w << 3) | b;
          const level = 32 - Math.clz32(nibble);
          let source: number;
          if (count <= 31) {
            let mask = 0;
            for (let k = 0; k < count; k++) if (levels[g.role[from + k]][i] === level) mask |= 1 << k;
            let m = 0;
            while (m < masks && maskKey[m] !== mask) m++;
            if (m < masks) source = maskSource[m];
            else {
              source = sourceOf(from, count, (k) => (mask & (1 << k)) !== 0);
              if (masks < MASKS) {
                maskKey[masks] = mask;
                maskSource[masks++] = source;
              }
            }
          } else source = sourceOf(from, count, (k) => levels[g.role[from + k]][i] === level);
          for (let s = slotStart[i]; s < slotStart[i + 1]; s++, r++) {
            ids[r * stride + at] = s * 5 + level;
            ids[r * stride + at + 1] = source;
          }
        }
      }
      return r;
    },
  };
}

/** Runs of one user's rows (detail, source), or of every user's ([user, sign-in name, unit], detail, source). */
function userRuns(runs: AccessRuns, u: number): RunRows {
  return {
    runs: 2,
    cells: (j, id) => (j === 0 ? runs.detail(id) : runs.source(id)),
    *batches() {
      const ids = new Int32Array(runs.maxRows * 2);
      yield { count: runs.fill(u, ids, 2, 0), ids };
    },
  };
}

function allUserRuns(runs: AccessRuns, users: number, head: (u: number) => readonly Cell[]): RunRows {
  return {
    runs: 3,
    cells: (j, id) => (j === 0 ? head(id) : j === 1 ? runs.detail(id) : runs.source(id)),
    *batches() {
      const ids = new Int32Array(runs.maxRows * 3);
      for (let u = 0; u < users; u++) {
        const count = runs.fill(u, ids, 3, 1);
        if (!count) continue;
        for (let r = 0; r < count; r++) ids[r * 3] = u;
        yield { count, ids };
      }
    },
  };
}

/** Rows [...head, table, right, privilege, depth, source] of one user, sorted by privilege. */
export function effectiveAccessRows(state: OrgState) {
  const runs = accessRuns(state, AccessEngine.of(state));
  const ids = new Int32Array(runs.maxRows * 2);
  return function* rowsOf(u: number, head: readonly Cell[] = []): Generator<Cell[]> {
    const count = runs.fill(u, ids, 2, 0);
    for (let r = 0; r < count; r++) yield [...head, ...runs.detail(ids[r * 2]), ...runs.source(ids[r * 2 + 1])];
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
  let n = 0;
  for (const u of users) {
    const row = engine.effectiveLevels(u);
    for (let w = 0; w < row.length; w++) {
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
function userSections(state: OrgState, engine: AccessEngine, u: number, runs: AccessRuns): Section {
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
    tables: [grid, { title: 'Privileges held and where they come from', columns: DETAIL_COLUMNS, size: estimate(engine, [u]), rows: () => rowsOfRuns(userRuns(runs, u)), runs: () => userRuns(runs, u) }],
  };
}

/** Effective access of some users (a section each) or of all users (one streamed table). */
export function userAccessReport(state: OrgState, ctx: ReportContext, userIds?: readonly Id[]): Report {
  const engine = AccessEngine.of(state);
  const runs = accessRuns(state, engine);
  const base = { kind: 'user-access' as const, organization: state.organization.name, generatedAt: ctx.generatedAt, source: ctx.source };
  if (userIds?.length) {
    const us = userIds.map((id) => {
      const u = engine.userIndex(id);
      if (u === undefined) throw new RangeError(`user ${id} does not exist`);
      return u;
    });
    const names = us.map((u) => state.systemusers.get(engine.principals.userIds[u])!.fullname);
    return { ...base, title: us.length === 1 ? `Effective access: ${names[0]}` : 'Effective access of users', parameters: [['Users', names.join(', ')]], sections: us.map((u) => userSections(state, engine, u, runs)) };
  }
  const p = engine.principals;
  const unitName = p.tree.ids.map((id) => state.businessunits.get(id)?.name ?? id);
  const all = Array.from({ length: p.userIds.length }, (_, u) => u);
  const head = (u: number): readonly Cell[] => {
    const user = state.systemusers.get(p.userIds[u])!;
    return [user.fullname, user.domainname, p.userUnit[u] >= 0 ? unitName[p.userUnit[u]] : ''];
  };
  const table: Table = {
    columns: [{ header: 'User', kind: 'text', width: 24 }, { header: 'Sign-in name', kind: 'text', width: 30 }, { header: 'Business unit', kind: 'text', width: 22 }, ...DETAIL_COLUMNS],
    size: estimate(engine, all),
    rows: () => rowsOfRuns(allUserRuns(runs, p.userIds.length, head)),
    runs: () => allUserRuns(runs, p.userIds.length, head),
  };
  return {
    ...base,
    title: 'Effective access of all users',
    parameters: [['Users', `all (${p.userIds.length}); disabled users and users of disabled units have no access and no rows`]],
    sections: [{ title: 'Effective access', legend: true, tables: [table] }],
  };
}

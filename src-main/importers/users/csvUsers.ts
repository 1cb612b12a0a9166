import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { applyAll } from '../../core/commands/apply';
import type { Command } from '../../core/commands/schema';
import { sameName } from '../../core/commands/context';
import type { BusinessUnit, Id, OrgState, Role, Team } from '../../core/model/org';

/**
 * Users from a CSV file: every row is checked first and every bad cell reported (row, column,
 * reason); only a file without a single problem becomes commands (createUser, assignRole,
 * addTeamMember), which are applied all or nothing. Pure: the text, the state and the id
 * generator come in.
 */
export interface RowProblem {
  /** Spreadsheet numbering: the header is row 1, the first user row 2. */
  readonly row: number;
  /** The column as named in the header; "(row)" for problems of the whole row. */
  readonly column: string;
  readonly reason: string;
}

export interface UserRowPreview {
  readonly row: number;
  readonly systemuserid: Id;
  readonly fullname: string;
  readonly domainname: string;
  readonly businessunit: string;
  readonly manager: string | null;
  readonly roles: readonly string[];
  readonly teams: readonly string[];
}

export interface UserImportPlan {
  readonly users: readonly UserRowPreview[];
  readonly errors: readonly RowProblem[];
  /** Empty when there is any error. */
  readonly commands: readonly Command[];
}

export const MAX_CSV_BYTES = 20 * 1024 * 1024;

type Column = 'fullname' | 'domainname' | 'email' | 'businessunit' | 'manager' | 'roles' | 'teams';
const REQUIRED: readonly Column[] = ['fullname', 'domainname', 'businessunit'];
const ALIASES: Record<string, Column> = {
  fullname: 'fullname',
  name: 'fullname',
  domainname: 'domainname',
  username: 'domainname',
  email: 'email',
  internalemailaddress: 'email',
  emailaddress: 'email',
  businessunit: 'businessunit',
  businessunitid: 'businessunit',
  manager: 'manager',
  parentsystemuserid: 'manager',
  roles: 'roles',
  securityroles: 'roles',
  teams: 'teams',
};

const emailSchema = z.string().email().max(100);

interface Row {
  readonly row: number;
  readonly cells: Partial<Record<Column, string>>;
}

export function planUserImport(state: OrgState, text: string, newId: () => Id): UserImportPlan {
  const errors: RowProblem[] = [];
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CSV_BYTES) return { users: [], errors: [{ row: 0, column: '(file)', reason: `file is ${bytes} bytes; the limit is ${MAX_CSV_BYTES}` }], commands: [] };
  let records: string[][];
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true });
  } catch (e) {
    const err = e as Error & { lines?: number };
    return { users: [], errors: [{ row: err.lines ?? 0, column: '(file)', reason: `not readable as CSV: ${err.message}` }], commands: [] };
  }
  if (!records.length) return { users: [], errors: [{ row: 1, column: '(header)', reason: 'the file is empty' }], commands: [] };

  const header = records[0];
  const columns: (Column | null)[] = header.map((h) => ALIASES[h.toLowerCase().replace(/[\s_-]/g, '')] ?? null);
  const label = new Map<Column, string>();
  header.forEach((h, i) => {
    const c = columns[i];
    if (!c) errors.push({ row: 1, column: h || `column ${i + 1}`, reason: `unknown column; expected ${Object.keys(ALIASES).join(', ')}` });
    else if (label.has(c)) errors.push({ row: 1, column: h, reason: `same column as "${label.get(c)}"` });
    else label.set(c, h);
  });
  for (const c of REQUIRED) if (!label.has(c)) errors.push({ row: 1, column: c, reason: 'required column is missing' });
  if (errors.length) return { users: [], errors, commands: [] };
  const col = (c: Column) => label.get(c) ?? c;

  const rows: Row[] = [];
  records.slice(1).forEach((cells, i) => {
    const row = i + 2;
    if (cells.length !== header.length) errors.push({ row, column: '(row)', reason: `has ${cells.length} cells; the header has ${header.length}` });
    const out: Partial<Record<Column, string>> = {};
    columns.forEach((c, j) => {
      if (c) out[c] = (cells[j] ?? '').trim();
    });
    rows.push({ row, cells: out });
  });

  const units = [...state.businessunits.values()];
  const byDomain = new Map<string, Id>();
  for (const u of state.systemusers.values()) byDomain.set(u.domainname.toLowerCase(), u.systemuserid);
  const fileDomains = new Map<string, Row>();
  const ids = new Map<Row, Id>();
  for (const r of rows) ids.set(r, newId());

  const users: UserRowPreview[] = [];
  const resolved = new Map<Row, { unit: BusinessUnit; manager: { id: Id; row?: Row } | null; roles: Role[]; teams: Team[] }>();
  for (const r of rows) {
    const c = r.cells;
    const bad = (column: Column, reason: string) => errors.push({ row: r.row, column: col(column), reason });
    const fullname = c.fullname ?? '';
    const domainname = c.domainname ?? '';
    if (!fullname) bad('fullname', 'is empty');
    else if (fullname.length > 200) bad('fullname', 'is longer than 200 characters');
    if (!domainname) bad('domainname', 'is empty');
    else if (byDomain.has(domainname.toLowerCase())) bad('domainname', `${domainname} is already a user of the organization`);
    else if (fileDomains.has(domainname.toLowerCase())) bad('domainname', `${domainname} is also on row ${fileDomains.get(domainname.toLowerCase())!.row}`);
    else fileDomains.set(domainname.toLowerCase(), r);
    if (c.email && !emailSchema.safeParse(c.email).success) bad('email', `"${c.email}" is not an email address`);

    const unitText = c.businessunit ?? '';
    let unit: BusinessUnit | undefined;
    if (!unitText) bad('businessunit', 'is empty');
    else {
      unit = state.businessunits.get(unitText) ?? units.find((u) => u.businessunitid.toLowerCase() === unitText.toLowerCase());
      if (!unit) {
        const named = units.filter((u) => sameName(u.name, unitText));
        if (named.length === 1) unit = named[0];
        else bad('businessunit', named.length ? `${named.length} business units are named "${unitText}"; give its id` : `no business unit has the name or id "${unitText}"`);
      }
      if (unit?.isdisabled) {
        bad('businessunit', `business unit ${unit.name} is disabled`);
        unit = undefined;
      }
    }

    const roles: Role[] = [];
    for (const ref of splitList(c.roles)) {
      const role = unit ? findRole(state, ref, unit) : null;
      if (typeof role === 'string') bad('roles', role);
      else if (role && !roles.includes(role)) roles.push(role);
    }
    const teams: Team[] = [];
    for (const ref of splitList(c.teams)) {
      const team = findTeam(state, ref, unit);
      if (typeof team === 'string') bad('teams', team);
      else if (!teams.includes(team)) teams.push(team);
    }
    if (unit) resolved.set(r, { unit, manager: null, roles, teams });
    users.push({
      row: r.row,
      systemuserid: ids.get(r)!,
      fullname,
      domainname,
      businessunit: unit?.name ?? unitText,
      manager: c.manager || null,
      roles: roles.map((x) => x.name),
      teams: teams.map((x) => x.name),
    });
  }

  // Managers last: a manager may be any row of the file, above or below.
  for (const r of rows) {
    const ref = r.cells.manager;
    if (!ref) continue;
    const bad = (reason: string) => errors.push({ row: r.row, column: col('manager'), reason });
    const inFile = fileDomains.get(ref.toLowerCase());
    let manager: { id: Id; row?: Row } | null = null;
    if (inFile === r) bad('a user cannot be their own manager');
    else if (inFile) manager = { id: ids.get(inFile)!, row: inFile };
    else if (state.systemusers.has(ref)) manager = { id: ref };
    else if (byDomain.has(ref.toLowerCase())) manager = { id: byDomain.get(ref.toLowerCase())! };
    else bad(`no user of the organization or of this file has the domain name or id "${ref}"`);
    const entry = resolved.get(r);
    if (entry && manager) resolved.set(r, { ...entry, manager });
  }

  const order = managersFirst(rows, resolved, errors, col('manager'));
  if (errors.length) return { users, errors: sortProblems(errors), commands: [] };

  const commands: Command[] = [];
  const rowOf: number[] = [];
  const push = (row: number, command: Command) => {
    commands.push(command);
    rowOf.push(row);
  };
  for (const r of order) {
    const x = resolved.get(r)!;
    const c = r.cells;
    push(r.row, {
      type: 'createUser',
      systemuserid: ids.get(r)!,
      fullname: c.fullname!,
      domainname: c.domainname!,
      ...(c.email ? { internalemailaddress: c.email } : {}),
      businessunitid: x.unit.businessunitid,
      ...(x.manager ? { parentsystemuserid: x.manager.id } : {}),
    });
  }
  for (const r of order) {
    const x = resolved.get(r)!;
    for (const role of x.roles) push(r.row, { type: 'assignRole', systemuserid: ids.get(r)!, roleid: role.roleid });
    for (const team of x.teams) push(r.row, { type: 'addTeamMember', teamid: team.teamid, systemuserid: ids.get(r)! });
  }
  const check = applyAll(state, commands);
  if (!check.ok) return { users, errors: [{ row: rowOf[check.index], column: '(row)', reason: `would be refused: ${check.error.message}` }], commands: [] };
  return { users, errors: [], commands };
}

const splitList = (cell: string | undefined): string[] => (cell ?? '').split(';').map((s) => s.trim()).filter(Boolean);

function isAncestorOrSelf(state: OrgState, ancestor: Id, unit: Id): boolean {
  let cur: Id | null = unit;
  for (let guard = 0; cur !== null && guard <= state.businessunits.size; guard++) {
    if (cur === ancestor) return true;
    cur = state.businessunits.get(cur)?.parentbusinessunitid ?? null;
  }
  return false;
}

/** By id, else by name among the roles available in the user's unit (defined there or above). */
function findRole(state: OrgState, ref: string, unit: BusinessUnit): Role | string {
  const byId = state.roles.get(ref) ?? [...state.roles.values()].find((r) => r.roleid.toLowerCase() === ref.toLowerCase());
  const candidates = byId ? [byId] : [...state.roles.values()].filter((r) => sameName(r.name, ref));
  if (!candidates.length) return `no role has the name or id "${ref}"`;
  const available = candidates.filter((r) => isAncestorOrSelf(state, r.businessunitid, unit.businessunitid));
  if (!available.length) return `role ${candidates[0].name} is not available in ${unit.name}`;
  if (available.length > 1) return `${available.length} roles named "${ref}" are available in ${unit.name}; give the role's id`;
  return available[0];
}

/** By id, else by name; a name several units use is taken from the user's own unit. */
function findTeam(state: OrgState, ref: string, unit: BusinessUnit | undefined): Team | string {
  const byId = state.teams.get(ref) ?? [...state.teams.values()].find((t) => t.teamid.toLowerCase() === ref.toLowerCase());
  let candidates = byId ? [byId] : [...state.teams.values()].filter((t) => sameName(t.name, ref));
  if (candidates.length > 1 && unit) {
    const own = candidates.filter((t) => t.businessunitid === unit.businessunitid);
    if (own.length) candidates = own;
  }
  if (!candidates.length) return `no team has the name or id "${ref}"`;
  if (candidates.length > 1) return `${candidates.length} teams are named "${ref}"; give the team's id`;
  const team = candidates[0];
  if (team.isdefault) return `${team.name} is the default team of its business unit; its members are always the unit's users`;
  return team;
}

/** Rows ordered so a manager from the file is created before the users reporting to them. */
function managersFirst(rows: readonly Row[], resolved: ReadonlyMap<Row, { manager: { row?: Row } | null }>, errors: RowProblem[], column: string): Row[] {
  const order: Row[] = [];
  const state = new Map<Row, 'visiting' | 'done'>();
  const visit = (r: Row, path: Row[]): void => {
    if (state.get(r) === 'done') return;
    if (state.get(r) === 'visiting') {
      const cycle = path.slice(path.indexOf(r));
      errors.push({ row: r.row, column, reason: `managers form a cycle: rows ${cycle.map((x) => x.row).join(' → ')} → ${r.row}` });
      return;
    }
    state.set(r, 'visiting');
    const m = resolved.get(r)?.manager?.row;
    if (m) visit(m, [...path, r]);
    state.set(r, 'done');
    if (resolved.has(r)) order.push(r);
  };
  for (const r of rows) visit(r, []);
  return order;
}

function sortProblems(list: RowProblem[]): RowProblem[] {
  return [...list].sort((a, b) => a.row - b.row);
}

import type { Catalog } from '../catalog/catalog';
import type { Draft } from './draft';
import type { Refusal } from '../result';
import type { BusinessUnit, Id, Role } from '../model/org';

/** What a command handler returns: a one-line summary of what it did, or why it refused. */
export type Outcome = string | Refusal;

export interface HandlerContext {
  readonly catalog: Catalog;
}

export const refuse = (code: string, message: string, path?: string): Refusal => (path ? { code, message, path } : { code, message });
export const isRefusal = (o: unknown): o is Refusal => typeof o === 'object' && o !== null && 'code' in o && 'message' in o;

/** Ids are unique across every table, as Dataverse GUIDs are. */
export function idInUse(d: Draft, id: Id): string | null {
  for (const table of ['businessunits', 'systemusers', 'teams', 'roles', 'fieldsecurityprofiles', 'records'] as const) {
    if (d.table(table).has(id)) return table;
  }
  return null;
}

export function requireNewId(d: Draft, id: Id | undefined, field: string): Refusal | null {
  if (id === undefined) return refuse('missing-id', `${field} is required`, field);
  const table = idInUse(d, id);
  return table ? refuse('duplicate-id', `id ${id} is already used in ${table}`, field) : null;
}

export function unitOrRefusal(d: Draft, id: Id, field = 'businessunitid'): BusinessUnit | Refusal {
  return d.get('businessunits', id) ?? refuse('not-found', `business unit ${id} does not exist`, field);
}

export function isAncestorOrSelf(d: Draft, ancestor: Id, unit: Id): boolean {
  let cur: Id | null = unit;
  for (let guard = 0; cur !== null && guard <= d.table('businessunits').size; guard++) {
    if (cur === ancestor) return true;
    cur = d.get('businessunits', cur)?.parentbusinessunitid ?? null;
  }
  return false;
}

/** A role defined in a unit can be held in that unit and in every unit below it. */
export function roleAvailableIn(d: Draft, role: Role, unit: Id): boolean {
  return isAncestorOrSelf(d, role.businessunitid, unit);
}

// One collator for every comparison: localeCompare with options builds one per call, which made importing hundreds of roles slow.
const NAMES = new Intl.Collator(undefined, { sensitivity: 'accent' });
export const sameName = (a: string, b: string): boolean => NAMES.compare(a, b) === 0;

export function listNames(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/**
 * Record counts for previews without pulling records: per table the admin picks, one FetchXML
 * aggregate (count grouped by ownerid and owningbusinessunit) sent as `GET {set}?fetchXml=...`.
 * Dataverse refuses an aggregate over more than 50,000 records (AggregateQueryRecordLimit,
 * https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/aggregate-data#limitations),
 * so a table that large is counted again in parts: a business unit alone and the subtree of each
 * child (eq-or-under), down to single owners of a unit when one unit alone holds too many.
 */
import type { Command } from '../core/commands/schema';
import type { OrgState } from '../core/model/org';
import { Connection, DataverseError } from './connection';
import { parseRows, type Rows } from './environmentModel';

/** The tables counted when the admin names none. */
export const DEFAULT_COUNT_TABLES = ['account', 'contact', 'lead', 'opportunity', 'incident'] as const;

/** Dataverse's error code for an aggregate over more records than its limit. */
const AGGREGATE_LIMIT_CODE = /8004e023/i;

/** The table names of --counts, or an error naming the one that cannot be a logical name. */
export function countTables(text: string | undefined): string[] {
  if (text === undefined || text.trim() === '') return [...DEFAULT_COUNT_TABLES];
  const names = text.split(',').map((t) => t.trim());
  const seen = new Set<string>();
  for (const n of names) {
    if (!/^[a-z][a-z0-9_]*$/.test(n)) throw new DataverseError(`"${n}" is not a table's logical name (lowercase letters, digits and _, such as account or cr5db_project)`, null, null);
    if (seen.has(n)) throw new DataverseError(`table ${n} is named twice`, null, null);
    seen.add(n);
  }
  return names;
}

type Scope = { readonly kind: 'all' } | { readonly kind: 'unit'; readonly unit: string } | { readonly kind: 'subtree'; readonly unit: string } | { readonly kind: 'owner'; readonly unit: string; readonly ownerid: string };

function fetchXml(entity: string, scope: Scope): string {
  const condition =
    scope.kind === 'all'
      ? ''
      : scope.kind === 'owner'
        ? `<filter type="and"><condition attribute="owningbusinessunit" operator="eq" value="${scope.unit}"/><condition attribute="ownerid" operator="eq" value="${scope.ownerid}"/></filter>`
        : `<filter type="and"><condition attribute="owningbusinessunit" operator="${scope.kind === 'unit' ? 'eq' : 'eq-or-under'}" value="${scope.unit}"/></filter>`;
  return `<fetch aggregate="true"><entity name="${entity}"><attribute name="ownerid" alias="ownerid" groupby="true"/><attribute name="owningbusinessunit" alias="owningbusinessunit" groupby="true"/><attribute name="ownerid" alias="count" aggregate="count"/>${condition}<order alias="ownerid"/></entity></fetch>`;
}

export interface CountProgress {
  readonly table: string;
  /** Records counted so far in this table. */
  readonly records: number;
  readonly requests: number;
}

/**
 * One setRecordCounts command per table: every owner's records as the environment counts them.
 * Owners must be users or teams of `state` (the model pulled with them).
 */
export interface CountedTables {
  readonly commands: Command[];
  /** Tables skipped because the environment does not have them (only when asked to skip them). */
  readonly missing: string[];
}

export async function pullRecordCounts(connection: Connection, state: OrgState, tables: readonly string[], onProgress: (p: CountProgress) => void = () => {}, options: { skipMissing?: boolean } = {}): Promise<CountedTables> {
  const children = new Map<string, string[]>();
  let root: string | null = null;
  for (const u of state.businessunits.values()) {
    if (u.parentbusinessunitid === null) root = u.businessunitid;
    else (children.get(u.parentbusinessunitid) ?? children.set(u.parentbusinessunitid, []).get(u.parentbusinessunitid)!).push(u.businessunitid);
  }
  const ownersIn = new Map<string, string[]>();
  const own = (unit: string, id: string) => (ownersIn.get(unit) ?? ownersIn.set(unit, []).get(unit)!).push(id);
  for (const u of state.systemusers.values()) own(u.businessunitid, u.systemuserid);
  for (const t of state.teams.values()) if (t.teamtype !== 1) own(t.businessunitid, t.teamid);

  const missing: string[] = [];
  const commands = await Promise.all(
    tables.map(async (table): Promise<Command | null> => {
      const def = await connection.send(`reading the definition of table ${table}`, (api) => api.retrieve<{ EntitySetName?: unknown; OwnershipType?: unknown }>({ collection: 'EntityDefinitions', key: `LogicalName='${table}'`, select: ['EntitySetName', 'OwnershipType'] })).catch((e: unknown) => {
        if (e instanceof DataverseError && e.status === 404) {
          if (options.skipMissing) return null;
          throw new DataverseError(`counting ${table}: the environment has no table named ${table}`, 404, e.code);
        }
        throw e;
      });
      if (def === null) {
        missing.push(table);
        return null;
      }
      if (typeof def?.EntitySetName !== 'string') throw new DataverseError(`counting ${table}: the table definition has no EntitySetName`, null, null);
      if (def.OwnershipType !== 'UserOwned') throw new DataverseError(`counting ${table}: ${table} is ${String(def.OwnershipType)}, not user-owned; only records with an owner are counted`, null, null);
      const set = def.EntitySetName;
      const rows: Rows<'recordcount'>[] = [];
      let records = 0;
      let requests = 0;
      const count = async (scope: Scope): Promise<void> => {
        const found: Rows<'recordcount'>[] = [];
        try {
          // Aggregate rows come 5,000 to a page; @Microsoft.Dynamics.CRM.morerecords says another follows.
          for (let page = 1; ; page++) {
            requests++;
            const answer = await connection.send(`counting ${table}`, (api) => api.fetch<unknown>({ collection: set, fetchXml: fetchXml(table, scope), pageNumber: page }));
            const value = (answer as { value?: unknown } | null)?.value;
            if (!Array.isArray(value)) throw new DataverseError(`counting ${table}: the answer has no "value" list`, null, null);
            for (const r of parseRows('recordcount', value)) found.push(r);
            if ((answer as unknown as Record<string, unknown>)['@Microsoft.Dynamics.CRM.morerecords'] !== true) break;
          }
        } catch (e) {
          if (!(e instanceof DataverseError) || !AGGREGATE_LIMIT_CODE.test(`${e.code ?? ''} ${e.message}`)) throw e;
          if (scope.kind === 'owner') throw new DataverseError(`counting ${table}: owner ${scope.ownerid} alone holds more records than an aggregate may count (50,000) in business unit ${scope.unit}`, e.status, e.code);
          if (scope.kind === 'unit') {
            for (const ownerid of ownersIn.get(scope.unit) ?? []) await count({ kind: 'owner', unit: scope.unit, ownerid });
            return;
          }
          const unit = scope.kind === 'all' ? root : scope.unit;
          if (!unit) throw e;
          await Promise.all([count({ kind: 'unit', unit }), ...(children.get(unit) ?? []).map((c) => count({ kind: 'subtree', unit: c }))]);
          return;
        }
        for (const r of found) {
          rows.push(r);
          records += r.count;
        }
        onProgress({ table, records, requests });
      };
      await count({ kind: 'all' });
      // One owner may hold records in several units (ownership across business units): the model counts them per owner.
      const perOwner = new Map<string, { ownerid: string; owningbusinessunit: string; count: number }>();
      for (const r of rows) {
        if (!state.systemusers.has(r.ownerid) && !state.teams.has(r.ownerid)) throw new DataverseError(`counting ${table}: ${r.count} record(s) are owned by ${r.ownerid}, which is neither a user nor a team of the environment; pull again`, null, null);
        const had = perOwner.get(r.ownerid);
        if (had) had.count += r.count;
        else perOwner.set(r.ownerid, { ownerid: r.ownerid, owningbusinessunit: r.owningbusinessunit, count: r.count });
      }
      return { type: 'setRecordCounts', entity: table, counts: [...perOwner.values()] } satisfies Command;
    }),
  );
  return { commands: commands.filter((c): c is Command => c !== null), missing };
}

/**
 * FetchXML aggregates over the records the double holds, as the Web API answers
 * `GET {set}?fetchXml=...` (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/aggregate-data,
 * https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/retrieve-data#use-fetchxml-with-the-web-api):
 * `<fetch aggregate="true">` with `count`/`countcolumn` attributes and `groupby` attributes, each
 * under its alias; conditions `eq`, `in`, `eq-or-under` and `under` (business unit hierarchy) joined
 * by `and`; more than 50,000 records (or the query's `aggregatelimit`) is the documented
 * AggregateQueryRecordLimit error; rows paged by `page` and `count` (5,000 at most) with
 * `@Microsoft.Dynamics.CRM.morerecords`.
 */
import { XMLParser } from 'fast-xml-parser';

/** Records of one table, grouped as far as the double needs them: per owner and owning unit. */
export interface RecordGroup {
  readonly ownerid: string;
  /** systemuser or team: what the ownerid lookup's lookuplogicalname annotation names. */
  readonly owneridtype: 'systemuser' | 'team';
  readonly owningbusinessunit: string;
  count: number;
}

export const AGGREGATE_LIMIT = 50_000;

export class FetchXmlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Condition {
  readonly attribute: string;
  readonly operator: string;
  readonly values: readonly string[];
}

export interface AggregateQuery {
  readonly entity: string;
  readonly counts: readonly string[];
  readonly groups: readonly { alias: string; attribute: string }[];
  readonly conditions: readonly Condition[];
  readonly limit: number;
  readonly page: number;
  readonly pageSize: number;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['attribute', 'link-entity', 'condition', 'value', 'order', 'filter'].includes(name) });

export const bad = (message: string) => new FetchXmlError(400, '0x80041103', message);

export type Node = Record<string, unknown>;

/** The fetch element of a FetchXML query (aggregate or rows), or Dataverse's refusal of a malformed one. */
export function fetchElement(xml: string): Node {
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (e) {
    throw bad(`The FetchXML is not well-formed: ${(e as Error).message}`);
  }
  const fetch = doc.fetch as Node | undefined;
  if (!fetch || typeof fetch !== 'object') throw bad('The FetchXML has no fetch element');
  return fetch;
}

export function parseAggregate(xml: string): AggregateQuery {
  const fetch = fetchElement(xml);
  if (String(fetch.aggregate) !== 'true') throw new FetchXmlError(501, '0x80060888', 'The double answers only aggregate FetchXML (<fetch aggregate="true">)');
  const entity = fetch.entity as Node | undefined;
  if (!entity || typeof entity.name !== 'string') throw bad('The FetchXML has no entity element with a name');
  const counts: string[] = [];
  const groups: { alias: string; attribute: string }[] = [];
  for (const a of (entity.attribute as Node[] | undefined) ?? []) {
    const alias = a.alias as string | undefined;
    if (!alias) throw bad(`An aggregate query needs an alias on every attribute (attribute ${String(a.name)})`);
    if (a.aggregate === 'count' || a.aggregate === 'countcolumn') counts.push(alias);
    else if (String(a.groupby) === 'true') groups.push({ alias, attribute: String(a.name) });
    else throw bad(`Attribute ${String(a.name)} needs aggregate or groupby in an aggregate query`);
  }
  const conditions: Condition[] = [];
  for (const f of (entity.filter as Node[] | undefined) ?? []) {
    if (f.type !== undefined && f.type !== 'and') throw new FetchXmlError(501, '0x80060888', 'The double joins conditions by "and" only');
    for (const c of (f.condition as Node[] | undefined) ?? []) {
      const values = c.value !== undefined && typeof c.value === 'string' ? [c.value] : ((c.value as unknown[] | undefined) ?? []).map((v) => String(typeof v === 'object' && v ? (v as Node)['#text'] : v));
      conditions.push({ attribute: String(c.attribute), operator: String(c.operator), values: values.map((v) => v.toLowerCase()) });
    }
  }
  const limit = fetch.aggregatelimit !== undefined ? Number(fetch.aggregatelimit) : AGGREGATE_LIMIT;
  if (!(limit > 0) || limit > AGGREGATE_LIMIT) throw bad(`aggregatelimit must be between 1 and ${AGGREGATE_LIMIT}`);
  const page = fetch.page !== undefined ? Number(fetch.page) : 1;
  const pageSize = fetch.count !== undefined ? Number(fetch.count) : 5000;
  if (!(page >= 1) || !(pageSize >= 1 && pageSize <= 5000)) throw bad('page must be 1 or more and count between 1 and 5000');
  return { entity: entity.name, counts, groups, conditions, limit, page, pageSize };
}

const COLUMNS = new Set(['ownerid', 'owningbusinessunit', 'owninguser', 'owningteam']);

function valueOf(g: RecordGroup, attribute: string): string | null {
  if (attribute === 'ownerid') return g.ownerid;
  if (attribute === 'owningbusinessunit') return g.owningbusinessunit;
  if (attribute === 'owninguser') return g.owneridtype === 'systemuser' ? g.ownerid : null;
  return g.owneridtype === 'team' ? g.ownerid : null;
}

/**
 * The answer's rows: one per distinct value of the groupby columns, each with the aggregate
 * under its alias. `below(unit, other)` tells whether `other` is at or under `unit`.
 */
export function answerAggregate(q: AggregateQuery, groups: Iterable<RecordGroup>, below: (unit: string, other: string, orEqual: boolean) => boolean, annotate: boolean) {
  for (const g of q.groups) if (!COLUMNS.has(g.attribute)) throw new FetchXmlError(501, '0x80060888', `The double groups ${q.entity} by ${[...COLUMNS].join(', ')} only (not ${g.attribute})`);
  for (const c of q.conditions) {
    if (!COLUMNS.has(c.attribute)) throw new FetchXmlError(501, '0x80060888', `The double filters ${q.entity} on ${[...COLUMNS].join(', ')} only (not ${c.attribute})`);
    if (!['eq', 'in', 'eq-or-under', 'under'].includes(c.operator)) throw bad(`Condition operator ${c.operator} is not valid here`);
    if ((c.operator === 'eq-or-under' || c.operator === 'under') && c.attribute !== 'owningbusinessunit') throw bad(`The ${c.operator} operator needs a hierarchical column; ${c.attribute} is not one`);
  }
  const tests = q.conditions.map((c) => {
    const values = new Set(c.values);
    if (c.operator === 'eq' || c.operator === 'in') return (g: RecordGroup) => values.has(valueOf(g, c.attribute) ?? '');
    return (g: RecordGroup) => below(c.values[0], g.owningbusinessunit, c.operator === 'eq-or-under');
  });
  const matches = (g: RecordGroup) => {
    for (const t of tests) if (!t(g)) return false;
    return true;
  };
  const out = new Map<string, { key: string[]; count: number; type: string }>();
  let total = 0;
  for (const g of groups) {
    if (!g.count || !matches(g)) continue;
    total += g.count;
    const key = q.groups.map((x) => valueOf(g, x.attribute) ?? '');
    const k = key.join('|');
    const row = out.get(k) ?? out.set(k, { key, count: 0, type: g.owneridtype }).get(k)!;
    row.count += g.count;
  }
  if (total > q.limit) throw new FetchXmlError(400, '0x8004E023', 'AggregateQueryRecordLimit exceeded. Cannot perform this operation.');
  const rows = [...out.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, r]) => r);
  const from = (q.page - 1) * q.pageSize;
  const page = rows.slice(from, from + q.pageSize);
  const value = page.map((r) => {
    const row: Record<string, unknown> = {};
    q.groups.forEach((g, i) => {
      row[g.alias] = r.key[i] || null;
      if (annotate && (g.attribute === 'ownerid' || g.attribute === 'owningbusinessunit')) row[`${g.alias}@Microsoft.Dynamics.CRM.lookuplogicalname`] = g.attribute === 'ownerid' ? r.type : 'businessunit';
    });
    // With no group, an aggregate over nothing is one row of zero.
    for (const c of q.counts) row[c] = r.count;
    return row;
  });
  if (!q.groups.length && !value.length) value.push(Object.fromEntries(q.counts.map((c) => [c, 0])));
  return { value, more: from + q.pageSize < rows.length };
}

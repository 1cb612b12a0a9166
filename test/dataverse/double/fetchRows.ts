/**
 * FetchXML that returns rows (not aggregates), as the Web API answers `GET {set}?fetchXml=...`, in
 * the one shape the connector sends: an intersect table (systemuserroles, teamroles) with a
 * link-entity to role, so each assignment comes with the role copy's root role and unit.
 * - Join tables using FetchXml, link-entity element: `name`, `from` (the linked table's column),
 *   `to` (the parent's column), `alias`, `link-type` inner or outer; the link-entity's columns come
 *   back as `alias.column` (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/join-tables,
 *   https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/reference/link-entity).
 * - Lookup columns of a linked table are the GUID, with `alias.column@Microsoft.Dynamics.CRM.lookuplogicalname`
 *   and `@OData.Community.Display.V1.FormattedValue` when those annotations are asked for
 *   (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/select-columns#formatted-values).
 * - Paging: `count` (at most 5,000, the default) and `page`; with `Prefer: odata.include-annotations`
 *   naming them, `@Microsoft.Dynamics.CRM.morerecords` and, while there are more rows,
 *   `@Microsoft.Dynamics.CRM.fetchxmlpagingcookie` (`<cookie pagenumber="2" pagingcookie="..." />`,
 *   the inner cookie URL-encoded twice) whose `pagingcookie` goes back as the fetch element's
 *   `paging-cookie` with the next page; a cookie for another page than the one before is ignored
 *   (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/page-results).
 * Rows are in primary key order, which is what the cookie's `last` continues from.
 */
import { bad, fetchElement, FetchXmlError, type Node } from './aggregate';

export const MAX_FETCH_COUNT = 5000;

export interface LinkToRole {
  readonly from: string;
  readonly to: string;
  readonly alias: string;
  readonly attributes: readonly string[];
}

export interface RowQuery {
  readonly entity: string;
  readonly attributes: readonly string[];
  readonly link: LinkToRole | null;
  readonly page: number;
  readonly count: number;
  /** The primary key the paging cookie ends at, when the cookie is for the page before this one. */
  readonly after: string | null;
}

const unsupported = (message: string) => new FetchXmlError(501, '0x80060888', message);

function attributeNames(node: Node, where: string): string[] {
  return ((node.attribute as Node[] | undefined) ?? []).map((a) => {
    if (typeof a.name !== 'string' || !a.name) throw bad(`An attribute of ${where} has no name`);
    if (a.alias !== undefined || a.aggregate !== undefined) throw unsupported(`The double answers attributes without alias or aggregate in a row query (attribute ${a.name})`);
    return a.name;
  });
}

export function parseRowQuery(xml: string, idField: (entity: string) => string): RowQuery {
  const fetch = fetchElement(xml);
  const entity = fetch.entity as Node | undefined;
  if (!entity || typeof entity.name !== 'string') throw bad('The FetchXML has no entity element with a name');
  if (entity.filter || entity.order || fetch.distinct === 'true' || fetch.top !== undefined) throw unsupported('The double answers row FetchXML without filter, order, distinct or top');
  const links = (entity['link-entity'] as Node[] | undefined) ?? [];
  if (links.length > 1) throw unsupported('The double answers one link-entity per query');
  let link: LinkToRole | null = null;
  if (links.length) {
    const l = links[0];
    if (l.name !== 'role') throw unsupported(`The double joins to role only (not ${String(l.name)})`);
    if (typeof l.from !== 'string' || typeof l.to !== 'string') throw bad('A link-entity needs from and to');
    if (l['link-type'] !== undefined && l['link-type'] !== 'inner' && l['link-type'] !== 'outer') throw unsupported(`The double joins inner or outer only (not ${String(l['link-type'])})`);
    if (typeof l.alias !== 'string' || !l.alias) throw unsupported('The double needs an alias on the link-entity (Dataverse makes one up otherwise)');
    if (l['link-entity'] || l.filter) throw unsupported('The double answers a link-entity without nested links or filters');
    link = { from: l.from, to: l.to, alias: l.alias, attributes: attributeNames(l, `link-entity ${l.alias}`) };
  }
  const page = fetch.page !== undefined ? Number(fetch.page) : 1;
  const count = fetch.count !== undefined ? Number(fetch.count) : MAX_FETCH_COUNT;
  if (!Number.isInteger(page) || page < 1) throw bad('page must be a whole number, 1 or more');
  if (!Number.isInteger(count) || count < 1 || count > MAX_FETCH_COUNT) throw bad(`count must be a whole number between 1 and ${MAX_FETCH_COUNT}`);
  let after: string | null = null;
  if (typeof fetch['paging-cookie'] === 'string') {
    const cookie = fetch['paging-cookie'];
    const at = /^<cookie page="(\d+)"><(\w+) last="\{?([0-9a-fA-F-]{36})\}?"/.exec(cookie);
    if (!at || at[2] !== idField(entity.name)) throw bad('The paging-cookie is not one this service gave');
    // A cookie is for the page after the one it came with; asked for another page, Dataverse ignores it.
    if (Number(at[1]) === page - 1) after = at[3].toLowerCase();
  }
  return { entity: entity.name, attributes: attributeNames(entity, `entity ${entity.name}`), link, page, count, after };
}

/** The page's rows by position in the primary key order, and whether more follow. */
export function pageOf(ids: readonly string[], q: RowQuery): { from: number; to: number; more: boolean } {
  let from = (q.page - 1) * q.count;
  if (q.after !== null) {
    // First id greater than the cookie's last: a binary search over the sorted keys.
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid] <= q.after) lo = mid + 1;
      else hi = mid;
    }
    from = lo;
  }
  const to = Math.min(ids.length, from + q.count);
  return { from, to, more: to < ids.length };
}

/** The annotation to send back as the next page's paging cookie (the inner cookie encoded twice, as Dataverse does). */
export function pagingCookie(page: number, idField: string, first: string, last: string): string {
  const inner = `<cookie page="${page}"><${idField} last="{${last.toUpperCase()}}" first="{${first.toUpperCase()}}" /></cookie>`;
  return `<cookie pagenumber="${page + 1}" pagingcookie="${encodeURIComponent(encodeURIComponent(inner))}" istracking="False" />`;
}

/** Whether `Prefer: odata.include-annotations="..."` asks for an annotation (`*`, `Namespace.*` or its name). */
export function annotationAsked(prefer: string | undefined, name: string): boolean {
  const asked = /odata\.include-annotations="?([^";]*)"?/.exec(prefer ?? '')?.[1];
  if (!asked) return false;
  return asked.split(',').some((f) => {
    const filter = f.trim();
    return filter === '*' || filter === name || (filter.endsWith('.*') && name.startsWith(filter.slice(0, -1)));
  });
}

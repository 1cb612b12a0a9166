/**
 * The Dataverse double's request handling, independent of HTTP: one call per Web API request
 * (also each request inside a $batch). See README.md for the documentation page each behaviour
 * follows.
 */
import { randomUUID } from 'node:crypto';
import type { OrgState } from '../../../src-main/core/model/org';
import { addPair, guidFor, removePair, restorePair, seedFrom, type Intersect, type Row, type SeedData } from './seed';
import { answerAggregate, FetchXmlError, parseAggregate } from './aggregate';
import { annotationAsked, pageOf, pagingCookie, parseRowQuery } from './fetchRows';
import { BatchFormatError, boundaryOf, parseBatch, writeBatchResponse, type BatchHttpResponse, type BatchResponsePart } from './multipart';

export const API_PATH = '/api/data/v9.2/';
/** The documented default and largest page size of a Web API query. */
export const MAX_PAGE_SIZE = 5000;
const DEPTH_NAMES = ['Basic', 'Local', 'Deep', 'Global'] as const;

export interface Request {
  readonly method: string;
  /** Path and query after the service root (api/data/v9.2/). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}
export interface Response {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

class WebApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
// Error codes as Dataverse returns them (Web API error codes page).
const notFound = (what: string) => new WebApiError(404, '0x80040217', `${what} Does Not Exist`);
const badRequest = (message: string, code = '0x80040203') => new WebApiError(400, code, message);

interface RoleCopy {
  readonly roleid: string;
  readonly root: string;
  readonly businessunitid: string;
  readonly parentroleid: string | null;
}

interface Navigation {
  readonly intersect: Intersect;
  /** Which side of the intersect the addressed row is. */
  readonly side: 'a' | 'b';
  readonly relatedSet: string;
}

export interface ThrottleRule {
  /** Every n-th HTTP request (1-based count) is answered 429. */
  readonly every: number;
  readonly retryAfterSeconds: number;
}

export interface EnvironmentOptions {
  readonly throttle?: ThrottleRule;
}

export class DataverseEnvironment {
  readonly data: SeedData;
  private version = 1000;
  private readonly copies = new Map<string, RoleCopy>();
  private readonly copyOrder: string[] = [];
  private readonly copyByRootUnit = new Map<string, string>();
  private undo: (() => void)[] | null = null;
  private httpRequests = 0;
  throttle: ThrottleRule | undefined;
  /** Rows deleted from tracked tables, for delta links: the version at which each went. */
  private readonly tombstones: { set: string; id: string; version: number }[] = [];
  /** Every request handled (batch parts included), for tests that count what was sent. */
  readonly log: { method: string; path: string; status: number }[] = [];

  constructor(state: OrgState, options: EnvironmentOptions = {}) {
    this.data = seedFrom(state, () => this.nextVersion());
    this.throttle = options.throttle;
    this.buildCopies();
  }

  private nextVersion(): number {
    return ++this.version;
  }

  /** Every role has a copy in each business unit at or below its own; the root copy is the role itself. */
  private buildCopies(): void {
    const children = new Map<string, string[]>();
    for (const u of this.data.businessunits.values()) {
      const p = u._parentbusinessunitid_value as string | null;
      if (p) (children.get(p) ?? children.set(p, []).get(p)!).push(u.businessunitid as string);
    }
    for (const r of this.data.roles.values()) {
      const walk = (bu: string, parent: string | null) => {
        const id = parent === null ? r.roleid : guidFor(`${r.roleid}@${bu}`);
        this.copies.set(id, { roleid: id, root: r.roleid, businessunitid: bu, parentroleid: parent });
        this.copyOrder.push(id);
        this.copyByRootUnit.set(`${r.roleid}|${bu}`, id);
        for (const c of children.get(bu) ?? []) walk(c, id);
      };
      walk(r.businessunitid, null);
    }
  }

  /** The id of a role's copy in a business unit (what systemuserroles and teamroles hold). */
  roleCopyId(rootRoleId: string, businessunitid: string): string | undefined {
    return this.copyByRootUnit.get(`${rootRoleId}|${businessunitid}`);
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  /** One HTTP request: throttling is counted here, not per batch part. */
  handleHttp(req: Request): Response {
    this.httpRequests++;
    if (this.throttle && this.httpRequests % this.throttle.every === 0) {
      // Service protection: 429 with Retry-After in seconds and the "number of requests" error code.
      return json(429, { error: { code: '0x80072322', message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.' } }, { 'Retry-After': String(this.throttle.retryAfterSeconds) });
    }
    if (req.method === 'POST' && /^\$batch(\?|$)/.test(req.path)) return this.batch(req);
    return this.handle(req);
  }

  handle(req: Request): Response {
    let res: Response;
    try {
      res = this.route(req);
    } catch (e) {
      if (e instanceof WebApiError) res = json(e.status, { error: { code: e.code, message: e.message } });
      else throw e;
    }
    this.log.push({ method: req.method, path: req.path, status: res.status });
    return res;
  }

  // ---- $batch ----------------------------------------------------------------------------------

  private batch(req: Request): Response {
    const boundary = boundaryOf(req.headers['content-type']);
    if (!boundary) return json(400, { error: { code: '0x80048d19', message: 'A $batch request needs Content-Type: multipart/mixed with a boundary' } });
    let parts;
    try {
      parts = parseBatch(req.body, boundary);
    } catch (e) {
      if (e instanceof BatchFormatError) return json(400, { error: { code: '0x80048d19', message: e.message } });
      throw e;
    }
    const count = parts.reduce((n, p) => n + (p.kind === 'changeset' ? p.requests.length : 1), 0);
    if (count > 1000) return json(400, { error: { code: '0x80060891', message: `The number of requests in a batch (${count}) exceeds 1000` } });
    const continueOnError = /odata\.continue-on-error/.test(req.headers.prefer ?? '');
    const out: BatchResponsePart[] = [];
    let failed = false;
    for (const p of parts) {
      if (p.kind === 'request') {
        const r = this.handle({ method: p.request.method, path: relative(p.request.url), headers: p.request.headers, body: p.request.body });
        out.push({ kind: 'response', response: { ...r, contentId: p.request.contentId } });
        if (r.status >= 400) failed = true;
      } else {
        // A change set is one transaction: the first failure rolls back what the set did, and only that failure is answered.
        this.undo = [];
        const responses: BatchHttpResponse[] = [];
        let error: BatchHttpResponse | null = null;
        for (const r of p.requests) {
          const res = this.handle({ method: r.method, path: relative(r.url), headers: r.headers, body: r.body });
          if (res.status >= 400) {
            error = { ...res, contentId: r.contentId };
            break;
          }
          responses.push({ ...res, contentId: r.contentId });
        }
        const undo = this.undo;
        this.undo = null;
        if (error) {
          for (let i = undo.length - 1; i >= 0; i--) undo[i]();
          out.push({ kind: 'response', response: error });
          failed = true;
        } else out.push({ kind: 'changeset', responses });
      }
      if (failed && !continueOnError) break;
    }
    const outer = `batchresponse_${randomUUID()}`;
    return { status: failed && !continueOnError ? 400 : 200, headers: { 'Content-Type': `multipart/mixed; boundary=${outer}`, 'OData-Version': '4.0' }, body: writeBatchResponse(out, outer, () => randomUUID()) };
  }

  private changed(undo: () => void): void {
    this.undo?.push(undo);
  }

  // ---- routing ---------------------------------------------------------------------------------

  private route(req: Request): Response {
    const q = req.path.indexOf('?');
    const path = decodeURIComponent(q < 0 ? req.path : req.path.slice(0, q));
    const query = new URLSearchParams(q < 0 ? '' : req.path.slice(q + 1));
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && path === 'WhoAmI') return json(200, { '@odata.context': `${API_PATH}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`, BusinessUnitId: this.rootUnit(), UserId: this.data.systemusers.keys().next().value ?? null, OrganizationId: this.data.organizationid });
    if (req.method === 'GET' && (m = /^RetrieveRolePrivilegesRole\(RoleId=([^)]+)\)$/.exec(path))) return this.retrieveRolePrivileges(param(m[1], query));
    if (req.method === 'GET' && (m = /^roles\(([^)]+)\)\/Microsoft\.Dynamics\.CRM\.RetrieveRolePrivilegesRole\(\)$/.exec(path))) return this.retrieveRolePrivileges(m[1]);
    if (req.method === 'POST' && (m = /^roles\(([^)]+)\)\/Microsoft\.Dynamics\.CRM\.(AddPrivilegesRole|RemovePrivilegeRole|ReplacePrivilegesRole)$/.exec(path))) return this.privilegeAction(m[1], m[2], parseBody(req.body));
    if (req.method === 'GET' && (m = /^EntityDefinitions\(LogicalName='([^']*)'\)$/.exec(path))) return this.tableDefinition(m[1], query);
    if (req.method === 'POST' && (m = /^systemusers\(([^)]+)\)\/Microsoft\.Dynamics\.CRM\.SetBusinessSystemUser$/.exec(path))) return this.setBusinessSystemUser(m[1], parseBody(req.body));
    if (req.method === 'POST' && (m = /^(\w+)$/.exec(path))) return this.create(m[1], parseBody(req.body));
    if (req.method === 'DELETE' && (m = /^(\w+)\(([^)]+)\)$/.exec(path))) return this.remove(m[1], m[2]);
    if ((m = /^(\w+)\(([^)]+)\)\/(\w+)(?:\(([^)]+)\))?\/\$ref$/.exec(path))) return this.reference(req.method, m[1], m[2], m[3], m[4] ?? query.get('$id'), req.body);
    if (req.method === 'GET' && (m = /^(\w+)\(([^)]+)\)\/(\w+)$/.exec(path))) return this.related(m[1], m[2], m[3], query);
    if ((m = /^(\w+)\(([^)]+)\)$/.exec(path))) {
      if (req.method === 'GET') return this.retrieve(m[1], m[2], query, req.headers);
      if (req.method === 'PATCH') return this.update(m[1], m[2], req.headers['if-match'], parseBody(req.body));
    }
    if (req.method === 'GET' && (m = /^(\w+)$/.exec(path)) && query.has('fetchXml')) return this.fetchXml(m[1], query.get('fetchXml')!, req.headers);
    if (req.method === 'GET' && (m = /^(\w+)$/.exec(path))) return this.retrieveMultiple(m[1], query, req.headers, req.path);
    throw new WebApiError(req.method === 'GET' || req.method === 'POST' || req.method === 'PATCH' || req.method === 'DELETE' ? 404 : 405, '0x80060888', `Resource not found for the segment '${path}'.`);
  }

  private rootUnit(): string | null {
    for (const u of this.data.businessunits.values()) if (u._parentbusinessunitid_value === null) return u.businessunitid as string;
    return null;
  }

  // ---- reading ---------------------------------------------------------------------------------

  /** The rows of an entity set, in a stable order (the order paging follows). */
  private filteredCopies: { version: number; ids: Map<string, string[]> } = { version: -1, ids: new Map() };

  private rowsOf(set: string, filter: Filter | null, filterText?: string | null): { count: () => number; at: (i: number) => Row | undefined; ids?: string[] } {
    const d = this.data;
    const fromMap = (m: Map<string, Row>) => {
      const rows = [...m.values()].filter((r) => !filter || filter(r));
      return { count: () => rows.length, at: (i: number) => rows[i] };
    };
    switch (set) {
      case 'businessunits':
        return fromMap(d.businessunits);
      case 'systemusers':
        return fromMap(d.systemusers);
      case 'teams':
        return fromMap(d.teams);
      case 'fieldsecurityprofiles':
        return fromMap(d.fieldsecurityprofiles);
      case 'fieldpermissions':
        return fromMap(d.fieldpermissions);
      case 'teammemberships':
        return fromMap(d.teammembership.rows);
      case 'systemuserrolescollection':
        return fromMap(d.systemuserroles.rows);
      case 'teamrolescollection':
        return fromMap(d.teamroles.rows);
      case 'privileges':
        return fromMap(new Map([...d.privileges].map(([k, p]) => [k, privilegeRow(p)])));
      case 'privilegeobjecttypecodes': {
        const rows: Row[] = [];
        for (const p of d.privileges.values()) for (const t of p.tables) rows.push({ privilegeobjecttypecodeid: guidFor(`potc:${p.privilegeid}:${t}`), _privilegeid_value: p.privilegeid, objecttypecode: t });
        return fromMap(new Map(rows.map((r) => [r.privilegeobjecttypecodeid as string, r])));
      }
      case 'roles': {
        // Copies are many (roles × units): rows are built per page, not kept.
        // A filter on the root role looks at that role's copies only (a unit each), not at every copy;
        // another filter's matches are kept until the roles change.
        const root = filterText ? /(?:^|\s)_parentrootroleid_value eq ([0-9a-fA-F-]{36})(?:\s|$)/.exec(filterText)?.[1]?.toLowerCase() : undefined;
        let ids = this.copyOrder;
        if (filterText?.trim() === '_parentroleid_value eq null') {
          // The root copies are the roles themselves: a pull asks for them alone, and Dataverse would not scan every copy for it either.
          ids = [...this.data.roles.keys()].filter((id) => this.copies.get(id)?.parentroleid === null);
        } else if (root && !/\bor\b/i.test(filterText!)) {
          const candidates = [...this.data.businessunits.keys()].map((bu) => this.copyByRootUnit.get(`${root}|${bu}`)).filter((id): id is string => id !== undefined);
          ids = filter ? candidates.filter((id) => filter(this.roleRow(id))) : candidates;
        } else if (filter) {
          if (this.filteredCopies.version !== this.version) this.filteredCopies = { version: this.version, ids: new Map() };
          const kept = this.filteredCopies.ids;
          const key = filterText ?? '';
          ids = kept.get(key) ?? kept.set(key, this.copyOrder.filter((id) => filter(this.roleRow(id)))).get(key)!;
        }
        return { count: () => ids.length, at: (i) => (i < ids.length ? this.roleRow(ids[i]) : undefined) };
      }
      default:
        throw new WebApiError(404, '0x80060888', `Resource not found for the segment '${set}'.`);
    }
  }

  private roleRow(id: string): Row {
    const c = this.copies.get(id)!;
    const r = this.data.roles.get(c.root)!;
    return { roleid: id, name: r.name, _businessunitid_value: c.businessunitid, _parentroleid_value: c.parentroleid, _parentrootroleid_value: r.roleid, isinherited: r.isinherited, description: r.description, versionnumber: c.parentroleid === null ? r.versionnumber : r.versionnumber };
  }

  private rowOf(set: string, id: string): Row | undefined {
    const d = this.data;
    switch (set) {
      case 'businessunits':
        return d.businessunits.get(id);
      case 'systemusers':
        return d.systemusers.get(id);
      case 'teams':
        return d.teams.get(id);
      case 'fieldsecurityprofiles':
        return d.fieldsecurityprofiles.get(id);
      case 'fieldpermissions':
        return d.fieldpermissions.get(id);
      case 'roles':
        return this.copies.has(id) ? this.roleRow(id) : undefined;
      case 'privileges': {
        const p = d.privileges.get(id);
        return p ? privilegeRow(p) : undefined;
      }
      default:
        return undefined;
    }
  }

  private retrieve(set: string, rawId: string, query: URLSearchParams, headers: Request['headers']): Response {
    const id = guidParam(rawId);
    const row = this.rowOf(set, id);
    if (!row) throw notFound(`${entityOf(set)} With Id = ${id}`);
    const etag = etagOf(row);
    if (headers['if-none-match'] && headers['if-none-match'] === etag) return { status: 304, headers: { ETag: etag }, body: '' };
    return json(200, { '@odata.context': `${API_PATH}$metadata#${set}/$entity`, ...shaped(row, query.get('$select')) }, { ETag: etag });
  }

  private retrieveMultiple(set: string, query: URLSearchParams, headers: Request['headers'], rawPath: string): Response {
    const tracked = [...this.data.tables.values()].find((t) => t.EntitySetName === set)?.ChangeTrackingEnabled === true;
    if (query.has('$deltatoken')) {
      if (!tracked) throw badRequest(`Change tracking is not enabled for ${set}`, '0x80044352');
      return this.delta(set, query);
    }
    const trackChanges = tracked && /odata\.track-changes/.test(headers.prefer ?? '');
    // The token is taken before the rows are read, so a change made while the pages are read comes again in the delta.
    const token = trackChanges && !query.has('$skiptoken') ? this.deltaToken() : null;
    const filter = query.get('$filter') ? parseFilter(query.get('$filter')!) : null;
    const rows = this.rowsOf(set, filter, query.get('$filter'));
    const select = query.get('$select');
    const top = query.get('$top') ? Number(query.get('$top')) : null;
    const asked = /odata\.maxpagesize=(\d+)/.exec(headers.prefer ?? '');
    const pageSize = Math.min(MAX_PAGE_SIZE, asked ? Math.max(1, Number(asked[1])) : MAX_PAGE_SIZE);
    const skip = query.get('$skiptoken') ? Number(/pagingcookie="?(\d+)/.exec(query.get('$skiptoken')!)?.[1] ?? NaN) : 0;
    if (!Number.isInteger(skip) || skip < 0) throw badRequest('The $skiptoken is not one this service gave');
    const end = Math.min(rows.count(), top !== null ? Math.min(top, skip + pageSize) : skip + pageSize);
    const value: Row[] = [];
    for (let i = skip; i < end; i++) value.push(shaped(rows.at(i)!, select));
    const body: Record<string, unknown> = { '@odata.context': `${API_PATH}$metadata#${set}${select ? `(${select})` : ''}`, value };
    const responseHeaders: Record<string, string> = {};
    if (asked) responseHeaders['Preference-Applied'] = `odata.maxpagesize=${pageSize}`;
    const pagedToken = /deltatoken="([^"]*)"/.exec(query.get('$skiptoken') ?? '')?.[1];
    const deltaToken = token ?? (pagedToken ? decodeURIComponent(pagedToken) : null);
    if (deltaToken) responseHeaders['Preference-Applied'] = [responseHeaders['Preference-Applied'], 'odata.track-changes'].filter(Boolean).join(',');
    const kept = (rawPath.includes('?') ? rawPath.slice(rawPath.indexOf('?') + 1) : '').split('&').filter((p) => p && !/^(\$|%24)skiptoken=/i.test(p));
    if (end < rows.count() && (top === null || end < top)) {
      // A tracked read carries its delta token from page to page (in the paging cookie) to the last page's deltaLink.
      kept.push(`$skiptoken=${encodeURIComponent(`<cookie pagenumber="${Math.floor(end / pageSize) + 1}" pagingcookie="${end}" istracking="${deltaToken ? 'True' : 'False'}"${deltaToken ? ` deltatoken="${encodeURIComponent(deltaToken)}"` : ''} />`)}`);
      body['@odata.nextLink'] = `${this.baseUrl}${API_PATH}${set}?${kept.join('&')}`;
    } else if (deltaToken) {
      body['@odata.deltaLink'] = `${this.baseUrl}${API_PATH}${set}?${[...kept, `$deltatoken=${encodeURIComponent(deltaToken)}`].join('&')}`;
    }
    return json(200, body, responseHeaders);
  }

  /** Query table definitions: EntityDefinitions(LogicalName='account') with LogicalName, EntitySetName, OwnershipType. */
  private tableDefinition(logicalname: string, query: URLSearchParams): Response {
    const def = this.data.tables.get(logicalname);
    if (!def) throw notFound(`Entity With LogicalName = ${logicalname}`);
    const select = query.get('$select');
    const row: Row = { MetadataId: guidFor(`entitydefinition:${logicalname}`), ...def };
    const out: Row = {};
    for (const c of select ? select.split(',').map((x) => x.trim()) : Object.keys(row)) if (c in row) out[c] = row[c];
    return json(200, { '@odata.context': `${API_PATH}$metadata#EntityDefinitions(${select ?? ''})/$entity`, ...out });
  }

  /** GET {set}?fetchXml=: an aggregate over the table's records (see aggregate.ts), or an assignment table's rows joined to role (fetchRows.ts). */
  private fetchXml(set: string, xml: string, headers: Request['headers']): Response {
    try {
      if (!/^\s*<fetch\b[^>]*\baggregate=["']true["']/.test(xml)) return this.fetchRows(set, xml, headers);
      const q = parseAggregate(xml);
      const def = this.data.tables.get(q.entity);
      if (!def) throw notFound(`Entity With LogicalName = ${q.entity}`);
      if (def.EntitySetName !== set) throw badRequest(`The FetchXML queries ${q.entity}, but the request addresses the entity set ${set}; send it to ${def.EntitySetName}`, '0x80060888');
      const annotate = /odata\.include-annotations="?[^"]*(\*|lookuplogicalname)/.test(headers.prefer ?? '');
      const { value, more } = answerAggregate(q, this.data.records.get(q.entity)?.values() ?? [], (unit, other, orEqual) => this.isBelow(unit, other, orEqual), annotate);
      const body: Record<string, unknown> = { '@odata.context': `${API_PATH}$metadata#${set}`, value };
      if (more) body['@Microsoft.Dynamics.CRM.morerecords'] = true;
      return json(200, body, annotate ? { 'Preference-Applied': 'odata.include-annotations="*"' } : {});
    } catch (e) {
      if (e instanceof FetchXmlError) throw new WebApiError(e.status, e.code, e.message);
      throw e;
    }
  }

  /** Each assignment table's primary keys in order (what paging follows), kept until its rows change. */
  private sortedKeys = new Map<Intersect, { changes: number; ids: string[] }>();

  private keysOf(t: Intersect): string[] {
    const kept = this.sortedKeys.get(t);
    if (kept && kept.changes === t.changes) return kept.ids;
    const ids = [...t.rows.keys()].sort();
    this.sortedKeys.set(t, { changes: t.changes, ids });
    return ids;
  }

  /** Rows of systemuserroles or teamroles, each joined to the role copy it names (see fetchRows.ts). */
  private fetchRows(set: string, xml: string, headers: Request['headers']): Response {
    const tables: Record<string, Intersect> = { systemuserroles: this.data.systemuserroles, teamroles: this.data.teamroles };
    const q = parseRowQuery(xml, (entity) => tables[entity]?.idField ?? `${entity}id`);
    const t = tables[q.entity];
    if (!t) throw new FetchXmlError(501, '0x80060888', `The double answers row FetchXML over systemuserroles and teamroles only (not ${q.entity})`);
    const def = this.data.tables.get(q.entity)!;
    if (def.EntitySetName !== set) throw badRequest(`The FetchXML queries ${q.entity}, but the request addresses the entity set ${set}; send it to ${def.EntitySetName}`, '0x80060888');
    const own = new Set([t.idField, t.a, t.b]);
    for (const a of q.attributes) if (!own.has(a)) throw badRequest(`'${q.entity}' entity doesn't contain attribute with Name = '${a}'.`, '0x80041103');
    const ROLE_COLUMNS = ['roleid', 'name', 'businessunitid', 'parentroleid', 'parentrootroleid'];
    if (q.link) {
      if (q.link.to !== t.b || q.link.from !== 'roleid') throw new FetchXmlError(501, '0x80060888', `The double joins ${q.entity}.${t.b} to role.roleid only`);
      for (const a of q.link.attributes) if (!ROLE_COLUMNS.includes(a)) throw badRequest(`'role' entity doesn't contain attribute with Name = '${a}'.`, '0x80041103');
    }
    const lookupNamed = annotationAsked(headers.prefer, 'Microsoft.Dynamics.CRM.lookuplogicalname');
    const formatted = annotationAsked(headers.prefer, 'OData.Community.Display.V1.FormattedValue');
    const ids = this.keysOf(t);
    const { from, to, more } = pageOf(ids, q);
    const value: Row[] = [];
    for (let i = from; i < to; i++) {
      const r = t.rows.get(ids[i])!;
      const out: Row = { [t.idField]: r[t.idField] };
      for (const a of q.attributes) out[a] = r[a];
      if (q.link) {
        const copy = this.copies.get(r[t.b] as string);
        const root = copy ? this.data.roles.get(copy.root) : undefined;
        if (!copy || !root) continue;
        const columns: Record<string, { value: string | null; table?: string; label?: string }> = {
          roleid: { value: copy.roleid },
          name: { value: root.name },
          businessunitid: { value: copy.businessunitid, table: 'businessunit', label: String(this.data.businessunits.get(copy.businessunitid)?.name ?? '') },
          parentroleid: { value: copy.parentroleid, table: 'role', label: root.name },
          parentrootroleid: { value: root.roleid, table: 'role', label: root.name },
        };
        for (const a of q.link.attributes) {
          const c = columns[a];
          const key = `${q.link.alias}.${a}`;
          out[key] = c.value;
          if (c.table && c.value !== null) {
            if (formatted) out[`${key}@OData.Community.Display.V1.FormattedValue`] = c.label;
            if (lookupNamed) out[`${key}@Microsoft.Dynamics.CRM.lookuplogicalname`] = c.table;
          }
        }
      }
      value.push(out);
    }
    const body: Record<string, unknown> = { '@odata.context': `${API_PATH}$metadata#${set}`, value };
    if (annotationAsked(headers.prefer, 'Microsoft.Dynamics.CRM.morerecords')) body['@Microsoft.Dynamics.CRM.morerecords'] = more;
    if (more && to > from && annotationAsked(headers.prefer, 'Microsoft.Dynamics.CRM.fetchxmlpagingcookie')) body['@Microsoft.Dynamics.CRM.fetchxmlpagingcookie'] = pagingCookie(q.page, t.idField, ids[from], ids[to - 1]);
    const asked = /odata\.include-annotations="?[^";]*"?/.exec(headers.prefer ?? '')?.[0];
    return json(200, body, asked ? { 'Preference-Applied': asked } : {});
  }

  /** Business units numbered in a depth-first tour, so "at or under" is two comparisons; rebuilt after a write. */
  private tour: { version: number; at: Map<string, { tin: number; tout: number }> } = { version: -1, at: new Map() };

  /** Whether a business unit is another or under it (the eq-or-under and under operators). */
  private isBelow(unit: string, other: string, orEqual: boolean): boolean {
    if (unit === other) return orEqual;
    if (this.tour.version !== this.version) {
      const children = new Map<string | null, string[]>();
      for (const u of this.data.businessunits.values()) {
        const p = (u._parentbusinessunitid_value as string | null) ?? null;
        (children.get(p) ?? children.set(p, []).get(p)!).push(u.businessunitid as string);
      }
      const at = new Map<string, { tin: number; tout: number }>();
      let clock = 0;
      const stack: { id: string; open: boolean }[] = (children.get(null) ?? []).map((id) => ({ id, open: true }));
      while (stack.length) {
        const top = stack.pop()!;
        if (top.open) {
          at.set(top.id, { tin: clock++, tout: -1 });
          stack.push({ id: top.id, open: false });
          for (const c of children.get(top.id) ?? []) stack.push({ id: c, open: true });
        } else at.get(top.id)!.tout = clock;
      }
      this.tour = { version: this.version, at };
    }
    const a = this.tour.at.get(unit);
    const b = this.tour.at.get(other);
    return a !== undefined && b !== undefined && b.tin > a.tin && b.tin < a.tout;
  }

  /** The delta token of now: rows changed after it come in the next delta response. */
  private deltaToken(): string {
    return `${this.version}!${new Date().toISOString()}`;
  }

  /**
   * GET {set}?$deltatoken=: the rows added or changed since the token, and a $deletedEntity entry
   * (id, reason "deleted") for each row deleted since; a new @odata.deltaLink for the next time
   * (Use change tracking to synchronize data with external systems).
   */
  private delta(set: string, query: URLSearchParams): Response {
    const token = query.get('$deltatoken')!;
    const since = Number(/^(\d+)!/.exec(token)?.[1] ?? NaN);
    if (!Number.isInteger(since)) throw badRequest(`The $deltatoken "${token}" is not one this service gave`, '0x80044352');
    const select = query.get('$select');
    const rows = this.rowsOf(set, null);
    const value: Row[] = [];
    for (let i = 0; i < rows.count(); i++) {
      const r = rows.at(i)!;
      if ((r.versionnumber as number) > since) value.push(shaped(r, select));
    }
    for (const t of this.tombstones) if (t.set === set && t.version > since) value.push({ '@odata.context': `${this.baseUrl}${API_PATH}$metadata#${set}/$deletedEntity`, id: t.id, reason: 'deleted' });
    const kept = [...query.entries()].filter(([k]) => k !== '$deltatoken').map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
    kept.push(`$deltatoken=${encodeURIComponent(this.deltaToken())}`);
    return json(200, { '@odata.context': `${this.baseUrl}${API_PATH}$metadata#${set}${select ? `(${select})` : ''}/$delta`, value, '@odata.deltaLink': `${this.baseUrl}${API_PATH}${set}?${kept.join('&')}` });
  }

  /** Set by the HTTP wrapper: the absolute URL nextLinks and @odata.id values start with. */
  baseUrl = 'http://localhost';

  private related(set: string, rawId: string, nav: string, query: URLSearchParams): Response {
    const n = navigation(this.data, set, nav);
    const id = guidParam(rawId);
    if (!this.rowOf(set, id)) throw notFound(`${entityOf(set)} With Id = ${id}`);
    const mine = n.side === 'a' ? n.intersect.a : n.intersect.b;
    const other = n.side === 'a' ? n.intersect.b : n.intersect.a;
    const value: Row[] = [];
    for (const r of n.intersect.rows.values()) if (r[mine] === id) value.push(shaped(this.rowOf(n.relatedSet, r[other] as string) ?? { [keyOf(n.relatedSet)]: r[other] }, query.get('$select')));
    return json(200, { '@odata.context': `${API_PATH}$metadata#${n.relatedSet}`, value });
  }

  private retrieveRolePrivileges(rawId: string): Response {
    const id = guidParam(rawId);
    const copy = this.copies.get(id);
    if (!copy) throw notFound(`role With Id = ${id}`);
    const role = this.data.roles.get(copy.root)!;
    const RolePrivileges = [...role.privileges].map(([pid, depth]) => ({ Depth: DEPTH_NAMES[depth], PrivilegeId: pid, BusinessUnitId: copy.businessunitid, PrivilegeName: this.data.privileges.get(pid)?.name ?? null }));
    return json(200, { '@odata.context': `${API_PATH}$metadata#Microsoft.Dynamics.CRM.RetrieveRolePrivilegesRoleResponse`, RolePrivileges });
  }

  // ---- writing ---------------------------------------------------------------------------------

  private privilegeAction(rawId: string, action: string, body: Record<string, unknown>): Response {
    const id = guidParam(rawId);
    const copy = this.copies.get(id);
    if (!copy) throw notFound(`role With Id = ${id}`);
    if (copy.parentroleid !== null) throw badRequest(`The role ${id} is inherited from its parent business unit's copy and cannot be changed here; change role ${copy.root}`, '0x80040225');
    const role = this.data.roles.get(copy.root)!;
    const before = new Map(role.privileges);
    const beforeVersion = role.versionnumber;
    const restore = () => {
      role.privileges.clear();
      for (const [k, v] of before) role.privileges.set(k, v);
      role.versionnumber = beforeVersion;
    };
    if (action === 'RemovePrivilegeRole') {
      const pid = (body.PrivilegeId ?? (body.Privilege as Record<string, unknown> | undefined)?.privilegeid) as string | undefined;
      if (typeof pid !== 'string') throw badRequest('RemovePrivilegeRole needs PrivilegeId');
      if (!this.data.privileges.has(pid.toLowerCase())) throw notFound(`privilege With Id = ${pid}`);
      role.privileges.delete(pid.toLowerCase());
    } else {
      const list = body.Privileges;
      if (!Array.isArray(list)) throw badRequest(`${action} needs Privileges: a collection of RolePrivilege`);
      const parsed = list.map((p, i) => this.rolePrivilege(p, i));
      if (action === 'ReplacePrivilegesRole') role.privileges.clear();
      for (const p of parsed) role.privileges.set(p.id, p.depth);
    }
    role.versionnumber = this.nextVersion();
    this.changed(restore);
    return { status: 204, headers: { 'OData-Version': '4.0' }, body: '' };
  }

  private rolePrivilege(p: unknown, i: number): { id: string; depth: number } {
    if (!p || typeof p !== 'object') throw badRequest(`Privileges[${i}] is not a RolePrivilege`);
    const r = p as Record<string, unknown>;
    const id = typeof r.PrivilegeId === 'string' ? r.PrivilegeId.toLowerCase() : null;
    if (!id) throw badRequest(`Privileges[${i}].PrivilegeId is missing`);
    const priv = this.data.privileges.get(id);
    if (!priv) throw notFound(`privilege With Id = ${id}`);
    // An enum member may be sent by name ("Global") or by value (3 or "3").
    const raw = r.Depth;
    const depth = typeof raw === 'number' ? raw : typeof raw === 'string' ? (DEPTH_NAMES as readonly string[]).indexOf(raw) >= 0 ? (DEPTH_NAMES as readonly string[]).indexOf(raw) : /^\d$/.test(raw) ? Number(raw) : -1 : -1;
    if (!(depth >= 0 && depth <= 3)) throw badRequest(`Privileges[${i}].Depth must be a PrivilegeDepth: Basic, Local, Deep or Global (0-3); got ${JSON.stringify(raw)}`);
    const allowed = [priv.canbebasic, priv.canbelocal, priv.canbedeep, priv.canbeglobal][depth];
    if (!allowed) throw badRequest(`Privilege ${priv.name} cannot be given at depth ${DEPTH_NAMES[depth]}`, '0x80040216');
    return { id, depth };
  }

  private reference(method: string, set: string, rawId: string, nav: string, relatedRaw: string | null, body: string): Response {
    const n = navigation(this.data, set, nav);
    const id = guidParam(rawId);
    if (!this.rowOf(set, id)) throw notFound(`${entityOf(set)} With Id = ${id}`);
    let related: string;
    if (method === 'POST') {
      const target = parseBody(body)['@odata.id'];
      if (typeof target !== 'string') throw badRequest('The body of a $ref request needs "@odata.id"');
      const m = /(\w+)\(([^)]+)\)\/?$/.exec(target);
      if (!m || m[1] !== n.relatedSet) throw badRequest(`"@odata.id" must address a row of ${n.relatedSet} (got "${target}")`);
      related = guidParam(m[2]);
    } else if (method === 'DELETE') {
      if (!relatedRaw) throw badRequest('Disassociating needs the related row: nav(id)/$ref or $ref?$id=URL');
      const m = /(?:\w+\()?([0-9a-fA-F-]{36})\)?\/?$/.exec(relatedRaw);
      if (!m) throw badRequest(`"${relatedRaw}" does not address a row`);
      related = m[1].toLowerCase();
    } else throw new WebApiError(405, '0x80060888', `${method} is not allowed on $ref`);
    if (!this.rowOf(n.relatedSet, related)) throw notFound(`${entityOf(n.relatedSet)} With Id = ${related}`);
    const [a, b] = n.side === 'a' ? [id, related] : [related, id];
    const t = n.intersect;
    if (method === 'POST') {
      if (t.set === 'teammemberships' && this.data.teams.get(n.side === 'a' ? id : related)?.isdefault) throw badRequest("Users can't be added to or removed from a business unit's default team", '0x80040237');
      const added = addPair(t, a, b, this.nextVersion());
      if (!added) throw badRequest(`Cannot insert duplicate key: the ${t.set} association already exists`, '0x80040237');
      this.changed(() => removePair(t, a, b));
    } else {
      const removed = removePair(t, a, b);
      if (!removed) throw notFound(`${t.set} association between ${a} and ${b}`);
      this.changed(() => restorePair(t, removed));
    }
    return { status: 204, headers: { 'OData-Version': '4.0' }, body: '' };
  }

  private update(set: string, rawId: string, ifMatch: string | undefined, body: Record<string, unknown>): Response {
    const id = guidParam(rawId);
    const table = this.tableOf(set);
    if (set === 'roles') return this.updateRole(id, ifMatch, body);
    if (!table) throw new WebApiError(405, '0x80060888', `PATCH is not supported on ${set}`);
    const row = table.get(id);
    if (!row) throw notFound(`${entityOf(set)} With Id = ${id}`);
    if (ifMatch && ifMatch !== '*' && ifMatch !== etagOf(row)) throw new WebApiError(412, '0x80060882', 'The version of the existing record doesn\'t match the RowVersion property provided.');
    const next = { ...row, ...this.columns(set, body) };
    next.versionnumber = this.nextVersion();
    const moved = set === 'businessunits' && next._parentbusinessunitid_value !== row._parentbusinessunitid_value;
    if (moved) this.checkParent(next._parentbusinessunitid_value as string | null, id);
    // fullname is composed from firstname and lastname ("First Last", the default format).
    if (set === 'systemusers' && ('firstname' in next || 'lastname' in next)) next.fullname = [next.firstname, next.lastname].filter((x) => typeof x === 'string' && x).join(' ');
    table.set(id, next);
    this.changed(() => table.set(id, row));
    if (moved) this.recopy();
    // A unit's default team carries the unit's name.
    const team = set === 'businessunits' && next.name !== row.name ? this.defaultTeamOf(id) : undefined;
    if (team) {
      const t = this.data.teams.get(team)!;
      this.data.teams.set(team, { ...t, name: next.name, versionnumber: this.nextVersion() });
      this.changed(() => this.data.teams.set(team, t));
    }
    return { status: 204, headers: { 'OData-Version': '4.0', 'OData-EntityId': `${this.baseUrl}${API_PATH}${set}(${id})` }, body: '' };
  }

  private updateRole(id: string, ifMatch: string | undefined, body: Record<string, unknown>): Response {
    const copy = this.copies.get(id);
    if (!copy) throw notFound(`role With Id = ${id}`);
    const role = this.data.roles.get(copy.root)!;
    if (ifMatch && ifMatch !== '*' && ifMatch !== `W/"${role.versionnumber}"`) throw new WebApiError(412, '0x80060882', 'The version of the existing record doesn\'t match the RowVersion property provided.');
    const cols = this.columns('roles', body);
    const before = { name: role.name, isinherited: role.isinherited, description: role.description, versionnumber: role.versionnumber };
    Object.assign(role, cols, { versionnumber: this.nextVersion() });
    this.changed(() => Object.assign(role, before));
    return { status: 204, headers: { 'OData-Version': '4.0' }, body: '' };
  }

  /** The columns a PATCH may set; a lookup is bound with x@odata.bind. Read-only columns are refused by name. */
  private columns(set: string, body: Record<string, unknown>): Row {
    const writable: Record<string, readonly string[]> = {
      businessunits: ['name', 'isdisabled', 'parentbusinessunitid@odata.bind'],
      systemusers: ['firstname', 'lastname', 'internalemailaddress', 'domainname', 'isdisabled', 'parentsystemuserid@odata.bind'],
      teams: ['name', 'administratorid@odata.bind'],
      roles: ['name', 'isinherited', 'description'],
      fieldsecurityprofiles: ['name', 'description'],
      fieldpermissions: ['canread', 'cancreate', 'canupdate'],
    };
    const out: Row = {};
    for (const [k, v] of Object.entries(body)) {
      if (k.startsWith('@')) continue;
      if (!writable[set].includes(k)) {
        if (set === 'systemusers' && k === 'businessunitid@odata.bind') throw badRequest("A user's business unit is changed with the SetBusinessSystemUser action, not an update", '0x80040203');
        if (set === 'systemusers' && k === 'fullname') throw badRequest("The property 'fullname' cannot be updated on systemuser: it is composed from firstname and lastname", '0x80060888');
        throw badRequest(`The property '${k}' cannot be updated on ${entityOf(set)}`, '0x80060888');
      }
      const bind = /^(\w+)@odata\.bind$/.exec(k);
      if (bind) out[`_${bind[1]}_value`] = this.bound(k, v, BIND_TARGET[bind[1]]);
      else {
        if (set === 'fieldpermissions' && v !== 0 && v !== 4) throw badRequest(`${k} must be 0 (Not Allowed) or 4 (Allowed); got ${JSON.stringify(v)}`, '0x80044331');
        out[k] = v;
      }
    }
    return out;
  }

  /** The row a lookup binds: "/set(ID)" of the expected set, or null. */
  private bound(k: string, v: unknown, set: string): string | null {
    if (v === null) return null;
    const m = /(\w+)\(([^)]+)\)$/.exec(String(v));
    if (!m || m[1] !== set) throw badRequest(`${k} must be "/${set}(ID)" or null`);
    const target = guidParam(m[2]);
    if (!this.rowOf(set, target)) throw notFound(`${entityOf(set)} With Id = ${target}`);
    return target;
  }

  private tableOf(set: string): Map<string, Row> | undefined {
    const d = this.data;
    return ({ businessunits: d.businessunits, systemusers: d.systemusers, teams: d.teams, fieldsecurityprofiles: d.fieldsecurityprofiles, fieldpermissions: d.fieldpermissions } as Record<string, Map<string, Row>>)[set];
  }

  /** A unit's new parent must exist and not be the unit or below it. */
  private checkParent(parent: string | null, unit: string | null): void {
    if (parent === null) throw badRequest('A business unit other than the root needs a parent business unit', '0x80040203');
    for (let cur: string | null = parent; cur; cur = (this.data.businessunits.get(cur)?._parentbusinessunitid_value as string | null) ?? null) {
      if (cur === unit) throw badRequest('The parent business unit cannot be the unit itself or one of its child units', '0x8004020c');
    }
  }

  // ---- creating and deleting rows ----------------------------------------------------------------

  /**
   * POST {set}: a row with the id the client gives (or a new one); 204 with OData-EntityId. A unit
   * comes with its default team and a copy of each role available in it; a user joins the default
   * team of its unit.
   */
  private create(set: string, body: Record<string, unknown>): Response {
    const key = keyOf(set);
    const given = body[key];
    const id = given === undefined ? randomUUID() : guidParam(String(given));
    const allowed: Record<string, readonly string[]> = {
      businessunits: ['name', 'parentbusinessunitid@odata.bind'],
      systemusers: ['firstname', 'lastname', 'domainname', 'internalemailaddress', 'businessunitid@odata.bind', 'parentsystemuserid@odata.bind'],
      teams: ['name', 'teamtype', 'businessunitid@odata.bind', 'administratorid@odata.bind'],
      roles: ['name', 'businessunitid@odata.bind', 'isinherited', 'description'],
      fieldsecurityprofiles: ['name', 'description'],
      fieldpermissions: ['fieldsecurityprofileid@odata.bind', 'entityname', 'attributelogicalname', 'canread', 'cancreate', 'canupdate'],
    };
    if (!allowed[set]) throw new WebApiError(405, '0x80060888', `POST is not supported on ${set}`);
    const row: Row = { [key]: id };
    for (const [k, v] of Object.entries(body)) {
      if (k === key || k.startsWith('@')) continue;
      if (!allowed[set].includes(k)) throw badRequest(`The property '${k}' cannot be set when creating a ${entityOf(set)}`, '0x80060888');
      const bind = /^(\w+)@odata\.bind$/.exec(k);
      if (bind) row[`_${bind[1]}_value`] = this.bound(k, v, BIND_TARGET[bind[1]]);
      else row[k] = v;
    }
    const need = (col: string, what = col) => {
      if (row[col] === undefined || row[col] === null || row[col] === '') throw badRequest(`${what} is required to create a ${entityOf(set)}`, '0x80040203');
    };
    if (this.rowOf(set, id) || (set === 'roles' && this.data.roles.has(id))) throw badRequest(`Cannot insert duplicate key: a ${entityOf(set)} with id ${id} already exists`, '0x80040237');
    const undo: (() => void)[] = [];
    const put = <V>(m: Map<string, V>, k: string, v: V) => {
      m.set(k, v);
      undo.push(() => m.delete(k));
    };
    if (set === 'businessunits') {
      need('name');
      need('_parentbusinessunitid_value', 'parentbusinessunitid');
      this.checkParent(row._parentbusinessunitid_value as string, null);
      put(this.data.businessunits, id, { ...row, isdisabled: false, versionnumber: this.nextVersion() });
      const team = randomUUID();
      put(this.data.teams, team, { teamid: team, name: row.name, teamtype: 0, _businessunitid_value: id, _administratorid_value: null, isdefault: true, versionnumber: this.nextVersion() });
      undo.push(this.copiesInto(id));
    } else if (set === 'systemusers') {
      need('lastname');
      need('domainname');
      need('_businessunitid_value', 'businessunitid');
      const fullname = [row.firstname, row.lastname].filter((x) => typeof x === 'string' && x).join(' ');
      put(this.data.systemusers, id, { ...row, fullname, internalemailaddress: row.internalemailaddress ?? null, _parentsystemuserid_value: row._parentsystemuserid_value ?? null, isdisabled: false, accessmode: 0, versionnumber: this.nextVersion() });
      const team = this.defaultTeamOf(row._businessunitid_value as string);
      if (team && addPair(this.data.teammembership, team, id, this.nextVersion())) undo.push(() => removePair(this.data.teammembership, team, id));
    } else if (set === 'teams') {
      need('name');
      need('_businessunitid_value', 'businessunitid');
      if (![0, 1, 2, 3].includes(row.teamtype as number)) throw badRequest(`teamtype must be 0 (Owner), 1 (Access), 2 (Security Group) or 3 (Office Group); got ${JSON.stringify(row.teamtype)}`, '0x80044331');
      put(this.data.teams, id, { ...row, _administratorid_value: row._administratorid_value ?? null, isdefault: false, versionnumber: this.nextVersion() });
    } else if (set === 'roles') {
      need('name');
      need('_businessunitid_value', 'businessunitid');
      put(this.data.roles, id, { roleid: id, name: row.name as string, businessunitid: row._businessunitid_value as string, isinherited: (row.isinherited as 0 | 1 | undefined) ?? 1, description: (row.description as string | null | undefined) ?? null, versionnumber: this.nextVersion(), privileges: new Map() });
      undo.push(this.copiesOf(id));
    } else if (set === 'fieldsecurityprofiles') {
      need('name');
      put(this.data.fieldsecurityprofiles, id, { ...row, description: row.description ?? null, versionnumber: this.nextVersion() });
    } else {
      need('_fieldsecurityprofileid_value', 'fieldsecurityprofileid');
      need('entityname');
      need('attributelogicalname');
      for (const k of ['canread', 'cancreate', 'canupdate']) if (row[k] !== 0 && row[k] !== 4) throw badRequest(`${k} must be 0 (Not Allowed) or 4 (Allowed); got ${JSON.stringify(row[k])}`, '0x80044331');
      const same = [...this.data.fieldpermissions.values()].find((f) => f._fieldsecurityprofileid_value === row._fieldsecurityprofileid_value && f.entityname === row.entityname && f.attributelogicalname === row.attributelogicalname);
      if (same) throw badRequest(`Cannot insert duplicate key: the profile already has a field permission for ${String(row.entityname)}.${String(row.attributelogicalname)}`, '0x80040237');
      put(this.data.fieldpermissions, id, { ...row, versionnumber: this.nextVersion() });
    }
    this.changed(() => {
      for (let i = undo.length - 1; i >= 0; i--) undo[i]();
    });
    return { status: 204, headers: { 'OData-Version': '4.0', 'OData-EntityId': `${this.baseUrl}${API_PATH}${set}(${id})` }, body: '' };
  }

  private defaultTeamOf(unit: string): string | undefined {
    for (const t of this.data.teams.values()) if (t.isdefault && t._businessunitid_value === unit) return t.teamid as string;
    return undefined;
  }

  private addCopy(c: RoleCopy): () => void {
    this.copies.set(c.roleid, c);
    this.copyOrder.push(c.roleid);
    this.copyByRootUnit.set(`${c.root}|${c.businessunitid}`, c.roleid);
    return () => {
      this.copies.delete(c.roleid);
      this.copyOrder.splice(this.copyOrder.lastIndexOf(c.roleid), 1);
      this.copyByRootUnit.delete(`${c.root}|${c.businessunitid}`);
    };
  }

  /** A new unit gets a copy of every role its parent has a copy of; returns its undo. */
  private copiesInto(unit: string): () => void {
    const parent = this.data.businessunits.get(unit)!._parentbusinessunitid_value as string;
    const undo: (() => void)[] = [];
    for (const r of this.data.roles.values()) {
      const above = this.copyByRootUnit.get(`${r.roleid}|${parent}`);
      if (above) undo.push(this.addCopy({ roleid: guidFor(`${r.roleid}@${unit}`), root: r.roleid, businessunitid: unit, parentroleid: above }));
    }
    return () => undo.reverse().forEach((u) => u());
  }

  /** A new role's copies, in its unit (the role itself) and every unit below; returns their undo. */
  private copiesOf(roleid: string): () => void {
    const undo: (() => void)[] = [];
    const walk = (bu: string, parent: string | null) => {
      const id = parent === null ? roleid : guidFor(`${roleid}@${bu}`);
      undo.push(this.addCopy({ roleid: id, root: roleid, businessunitid: bu, parentroleid: parent }));
      for (const u of this.data.businessunits.values()) if (u._parentbusinessunitid_value === bu) walk(u.businessunitid as string, id);
    };
    walk(this.data.roles.get(roleid)!.businessunitid, null);
    return () => undo.reverse().forEach((u) => u());
  }

  /**
   * After a unit moves, each role has copies exactly in the units at or below its own again, and an
   * assignment of a copy that is gone is dropped (Dataverse removes roles no longer available).
   */
  private recopy(): void {
    const before = { copies: new Map(this.copies), order: [...this.copyOrder], byRootUnit: new Map(this.copyByRootUnit) };
    const restore = (into: Map<string, unknown>, from: Map<string, unknown>) => {
      into.clear();
      for (const [k, v] of from) into.set(k, v);
    };
    this.copies.clear();
    this.copyOrder.length = 0;
    this.copyByRootUnit.clear();
    this.buildCopies();
    const dropped: [Intersect, Row][] = [];
    for (const t of [this.data.systemuserroles, this.data.teamroles]) {
      for (const r of [...t.rows.values()]) if (!this.copies.has(r.roleid as string)) dropped.push([t, removePair(t, r[t.a] as string, r[t.b] as string)!]);
    }
    this.changed(() => {
      restore(this.copies, before.copies);
      this.copyOrder.splice(0, this.copyOrder.length, ...before.order);
      restore(this.copyByRootUnit, before.byRootUnit);
      for (const [t, r] of dropped) restorePair(t, r);
    });
  }

  /**
   * DELETE {set}(ID). A team goes with its memberships and roles (a unit's default team only with
   * the unit); a role only as its root copy, with every copy and assignment; a unit only when
   * disabled and empty; a profile with its field permissions and members.
   */
  private remove(set: string, rawId: string): Response {
    const id = guidParam(rawId);
    const undo: (() => void)[] = [];
    // A deleted row of a change-tracked table leaves a tombstone: the next delta names it as a $deletedEntity.
    const tracked = new Map<unknown, string>([[this.data.teams, 'teams'], [this.data.businessunits, 'businessunits'], [this.data.systemusers, 'systemusers']]);
    const del = <V>(m: Map<string, V>, k: string) => {
      const v = m.get(k);
      if (v === undefined) return;
      m.delete(k);
      undo.push(() => m.set(k, v));
      const trackedSet = tracked.get(m);
      if (trackedSet) {
        const tomb = { set: trackedSet, id: k, version: this.nextVersion() };
        this.tombstones.push(tomb);
        undo.push(() => void this.tombstones.splice(this.tombstones.indexOf(tomb), 1));
      }
    };
    const dropPairs = (t: Intersect, side: 'a' | 'b', match: (v: string) => boolean) => {
      for (const r of [...t.rows.values()]) {
        if (!match(r[t[side]] as string)) continue;
        const removed = removePair(t, r[t.a] as string, r[t.b] as string)!;
        undo.push(() => restorePair(t, removed));
      }
    };
    const d = this.data;
    if (set === 'teams') {
      const team = d.teams.get(id);
      if (!team) throw notFound(`team With Id = ${id}`);
      if (team.isdefault) throw badRequest('The default team of a business unit cannot be deleted', '0x80041d3f');
      dropPairs(d.teammembership, 'a', (v) => v === id);
      dropPairs(d.teamroles, 'a', (v) => v === id);
      dropPairs(d.teamprofiles, 'b', (v) => v === id);
      del(d.teams, id);
    } else if (set === 'roles') {
      const copy = this.copies.get(id);
      if (!copy) throw notFound(`role With Id = ${id}`);
      if (copy.parentroleid !== null) throw badRequest(`The role ${id} is inherited from its parent business unit's copy and cannot be deleted; delete role ${copy.root}`, '0x80040225');
      const ids = new Set(this.copyOrder.filter((c) => this.copies.get(c)!.root === id));
      dropPairs(d.systemuserroles, 'b', (v) => ids.has(v));
      dropPairs(d.teamroles, 'b', (v) => ids.has(v));
      for (const c of ids) undo.push(this.dropCopy(c));
      del(d.roles, id);
    } else if (set === 'businessunits') {
      const bu = d.businessunits.get(id);
      if (!bu) throw notFound(`businessunit With Id = ${id}`);
      if (bu._parentbusinessunitid_value === null) throw badRequest('The root business unit cannot be deleted', '0x8004020c');
      if (!bu.isdisabled) throw badRequest('Only a disabled business unit can be deleted', '0x8004020c');
      const inUse = [...d.businessunits.values()].some((u) => u._parentbusinessunitid_value === id) || [...d.systemusers.values()].some((u) => u._businessunitid_value === id) || [...d.teams.values()].some((t) => t._businessunitid_value === id && !t.isdefault);
      if (inUse) throw badRequest('The business unit cannot be deleted: it has child business units, users or teams', '0x8004020c');
      for (const t of [...d.teams.values()]) if (t._businessunitid_value === id) {
        dropPairs(d.teamroles, 'a', (v) => v === t.teamid);
        dropPairs(d.teamprofiles, 'b', (v) => v === t.teamid);
        del(d.teams, t.teamid as string);
      }
      for (const r of [...d.roles.values()]) if (r.businessunitid === id) {
        for (const c of this.copyOrder.filter((c) => this.copies.get(c)!.root === r.roleid)) undo.push(this.dropCopy(c));
        del(d.roles, r.roleid);
      }
      for (const c of this.copyOrder.filter((c) => this.copies.get(c)!.businessunitid === id)) undo.push(this.dropCopy(c));
      del(d.businessunits, id);
    } else if (set === 'fieldsecurityprofiles') {
      if (!d.fieldsecurityprofiles.has(id)) throw notFound(`fieldsecurityprofile With Id = ${id}`);
      for (const f of [...d.fieldpermissions.values()]) if (f._fieldsecurityprofileid_value === id) del(d.fieldpermissions, f.fieldpermissionid as string);
      dropPairs(d.systemuserprofiles, 'a', (v) => v === id);
      dropPairs(d.teamprofiles, 'a', (v) => v === id);
      del(d.fieldsecurityprofiles, id);
    } else if (set === 'fieldpermissions') {
      if (!d.fieldpermissions.has(id)) throw notFound(`fieldpermission With Id = ${id}`);
      del(d.fieldpermissions, id);
    } else throw new WebApiError(405, '0x80060888', `DELETE is not supported on ${set}`);
    this.changed(() => {
      for (let i = undo.length - 1; i >= 0; i--) undo[i]();
    });
    return { status: 204, headers: { 'OData-Version': '4.0' }, body: '' };
  }

  private dropCopy(id: string): () => void {
    const c = this.copies.get(id)!;
    const at = this.copyOrder.indexOf(id);
    this.copies.delete(id);
    this.copyOrder.splice(at, 1);
    this.copyByRootUnit.delete(`${c.root}|${c.businessunitid}`);
    return () => {
      this.copies.set(id, c);
      this.copyOrder.splice(at, 0, id);
      this.copyByRootUnit.set(`${c.root}|${c.businessunitid}`, id);
    };
  }

  /**
   * systemusers(ID)/Microsoft.Dynamics.CRM.SetBusinessSystemUser: the user moves to the unit, loses
   * its security roles (Dataverse removes them on a change of unit) and changes default team.
   */
  private setBusinessSystemUser(rawId: string, body: Record<string, unknown>): Response {
    const id = guidParam(rawId);
    const user = this.data.systemusers.get(id);
    if (!user) throw notFound(`systemuser With Id = ${id}`);
    const unit = (body.BusinessUnit as Record<string, unknown> | undefined)?.businessunitid;
    const principal = body.ReassignPrincipal as Record<string, unknown> | undefined;
    if (typeof unit !== 'string') throw badRequest('SetBusinessSystemUser needs BusinessUnit: {"@odata.type": "Microsoft.Dynamics.CRM.businessunit", "businessunitid": ID}', '0x80040203');
    if (!principal || (typeof principal.systemuserid !== 'string' && typeof principal.teamid !== 'string')) throw badRequest('SetBusinessSystemUser needs ReassignPrincipal: the user or team that gets the records the user owned', '0x80040203');
    const bu = this.data.businessunits.get(guidParam(unit));
    if (!bu) throw notFound(`businessunit With Id = ${unit}`);
    if (bu.isdisabled) throw badRequest(`The business unit ${String(bu.name)} is disabled`, '0x8004020c');
    const p = typeof principal.systemuserid === 'string' ? ['systemusers', principal.systemuserid] : ['teams', principal.teamid as string];
    if (!this.rowOf(p[0], guidParam(p[1]))) throw notFound(`${entityOf(p[0])} With Id = ${p[1]}`);
    const from = user._businessunitid_value as string;
    const to = bu.businessunitid as string;
    const undo: (() => void)[] = [];
    const t = this.data.systemuserroles;
    for (const role of [...(t.byA.get(id) ?? [])]) {
      const removed = removePair(t, id, role)!;
      undo.push(() => restorePair(t, removed));
    }
    const oldTeam = this.defaultTeamOf(from);
    const newTeam = this.defaultTeamOf(to);
    if (oldTeam && removePair(this.data.teammembership, oldTeam, id)) undo.push(() => addPair(this.data.teammembership, oldTeam, id, this.nextVersion()));
    if (newTeam && addPair(this.data.teammembership, newTeam, id, this.nextVersion())) undo.push(() => removePair(this.data.teammembership, newTeam, id));
    this.data.systemusers.set(id, { ...user, _businessunitid_value: to, versionnumber: this.nextVersion() });
    undo.push(() => this.data.systemusers.set(id, user));
    this.changed(() => {
      for (let i = undo.length - 1; i >= 0; i--) undo[i]();
    });
    return { status: 204, headers: { 'OData-Version': '4.0' }, body: '' };
  }
}

/** The entity set a lookup column binds to. */
const BIND_TARGET: Record<string, string> = { parentsystemuserid: 'systemusers', administratorid: 'systemusers', businessunitid: 'businessunits', parentbusinessunitid: 'businessunits', fieldsecurityprofileid: 'fieldsecurityprofiles' };

// ---- helpers -----------------------------------------------------------------------------------

type Filter = (row: Row) => boolean;

/** $filter with `column eq value` terms joined by `and` (the forms the connector and the tests use). */
export function parseFilter(text: string): Filter {
  const terms = text.split(/\s+and\s+/i).map((t) => {
    const m = /^\s*(\w+)\s+(eq|ne)\s+(null|true|false|'(?:[^']|'')*'|-?\d+(?:\.\d+)?|[0-9a-fA-F-]{36})\s*$/.exec(t);
    if (!m) throw badRequest(`Only "column eq value" terms joined by "and" are understood here; got "${t}"`, '0x80060888');
    const [, col, op, raw] = m;
    const value = raw === 'null' ? null : raw === 'true' ? true : raw === 'false' ? false : raw.startsWith("'") ? raw.slice(1, -1).replace(/''/g, "'") : /^-?\d/.test(raw) && !raw.includes('-', 1) ? Number(raw) : raw.toLowerCase();
    return (row: Row) => ((row[col] ?? null) === value) === (op === 'eq');
  });
  return (row) => terms.every((t) => t(row));
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return { status, headers: { 'Content-Type': 'application/json; odata.metadata=minimal', 'OData-Version': '4.0', ...headers }, body: JSON.stringify(body) };
}

function parseBody(text: string): Record<string, unknown> {
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* answered below */
  }
  throw badRequest('The request body is not a JSON object', '0x80048d19');
}

const etagOf = (row: Row) => `W/"${row.versionnumber as number}"`;

function shaped(row: Row, select: string | null): Row {
  const out: Row = { '@odata.etag': etagOf(row) };
  const cols = select ? select.split(',').map((s) => s.trim()) : Object.keys(row);
  for (const c of cols) if (c in row) out[c] = row[c];
  return out;
}

function guidParam(raw: string): string {
  const v = raw.trim().replace(/^'|'$/g, '').toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v)) throw badRequest(`"${raw}" is not a GUID`, '0x80060888');
  return v;
}

/** A function parameter written inline or as an alias (@p1) given in the query string. */
function param(raw: string, query: URLSearchParams): string {
  return raw.startsWith('@') ? (query.get(raw) ?? '') : raw;
}

function relative(url: string): string {
  const i = url.indexOf(API_PATH);
  if (i >= 0) return url.slice(i + API_PATH.length);
  return url.replace(/^\//, '');
}

const ENTITY: Record<string, string> = { businessunits: 'businessunit', systemusers: 'systemuser', teams: 'team', roles: 'role', fieldsecurityprofiles: 'fieldsecurityprofile', fieldpermissions: 'fieldpermission', privileges: 'privilege' };
const entityOf = (set: string) => ENTITY[set] ?? set;
const keyOf = (set: string) => `${entityOf(set)}id`;

function privilegeRow(p: SeedData['privileges'] extends Map<string, infer P> ? P : never): Row {
  return { privilegeid: p.privilegeid, name: p.name, accessright: p.accessright, canbebasic: p.canbebasic, canbelocal: p.canbelocal, canbedeep: p.canbedeep, canbeglobal: p.canbeglobal, versionnumber: 1 };
}

function navigation(d: SeedData, set: string, nav: string): Navigation {
  const table: Record<string, Navigation> = {
    'systemusers/systemuserroles_association': { intersect: d.systemuserroles, side: 'a', relatedSet: 'roles' },
    'roles/systemuserroles_association': { intersect: d.systemuserroles, side: 'b', relatedSet: 'systemusers' },
    'teams/teamroles_association': { intersect: d.teamroles, side: 'a', relatedSet: 'roles' },
    'roles/teamroles_association': { intersect: d.teamroles, side: 'b', relatedSet: 'teams' },
    'teams/teammembership_association': { intersect: d.teammembership, side: 'a', relatedSet: 'systemusers' },
    'systemusers/teammembership_association': { intersect: d.teammembership, side: 'b', relatedSet: 'teams' },
    'fieldsecurityprofiles/systemuserprofiles_association': { intersect: d.systemuserprofiles, side: 'a', relatedSet: 'systemusers' },
    'systemusers/systemuserprofiles_association': { intersect: d.systemuserprofiles, side: 'b', relatedSet: 'fieldsecurityprofiles' },
    'fieldsecurityprofiles/teamprofiles_association': { intersect: d.teamprofiles, side: 'a', relatedSet: 'teams' },
    'teams/teamprofiles_association': { intersect: d.teamprofiles, side: 'b', relatedSet: 'fieldsecurityprofiles' },
  };
  const n = table[`${set}/${nav}`];
  if (!n) throw new WebApiError(404, '0x80060888', `Resource not found for the segment '${nav}'.`);
  return n;
}

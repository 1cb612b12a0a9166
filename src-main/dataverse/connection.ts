/**
 * One Dataverse environment reached through dynamics-web-api, with what the library leaves to its
 * caller: service protection (429 answered by waiting the Retry-After it names, then sending
 * again), a bound on requests in flight, and paging one page at a time so progress can be told.
 */
import { DynamicsWebApi } from 'dynamics-web-api';
import { environmentUrlProblem } from './environmentUrl';

/** Dataverse's limit is 52 concurrent requests per user (service protection API limits); we stay well under it. */
export const DEFAULT_CONCURRENCY = 8;
/** The documented largest page of a Web API query. */
export const PAGE_SIZE = 5000;

export interface ConnectionOptions {
  /** https://ORG.crm.dynamics.com (http only to this computer). */
  readonly url: string;
  readonly token: () => Promise<string>;
  readonly concurrency?: number;
  readonly pageSize?: number;
  /** Waits this long; tests pass a fake clock. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Sends of one request before giving up on 429s. */
  readonly maxAttempts?: number;
}

/** A refusal from the environment, worded by Dataverse itself. */
export class DataverseError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null,
  ) {
    super(message);
  }
}

/**
 * No access token could be had (the sign-in must be made again: SignInError's code and words):
 * the request was never sent, so it is neither retried nor read back as a lost answer.
 */
export class NoToken extends DataverseError {
  /** `message` words it in the caller's context; the cause's by default. */
  constructor(cause: unknown, message?: string) {
    const code = (cause as { code?: unknown } | null)?.code;
    super(message ?? (cause instanceof Error ? cause.message : String(cause)), null, typeof code === 'string' ? code : 'no-token');
  }
}

/** The environment URL as a base for the Web API, or an error naming what is wrong with it. */
export function environmentUrl(text: string): URL {
  const problem = environmentUrlProblem(text);
  if (problem) throw new DataverseError(problem, null, null);
  return new URL(text);
}

interface LibraryError {
  readonly status?: number;
  readonly message?: string;
  readonly code?: string;
  readonly headers?: Record<string, string>;
  readonly error?: { code?: string; message?: string };
}

export function asDataverseError(e: unknown): DataverseError {
  if (e instanceof DataverseError) return e;
  const err = (Array.isArray(e) ? e[0] : e) as LibraryError;
  const message = err?.error?.message ?? err?.message ?? String(e);
  return new DataverseError(message, err?.status ?? null, err?.error?.code ?? err?.code ?? null);
}

export class Connection {
  readonly api: DynamicsWebApi;
  readonly url: URL;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;
  readonly pageSize: number;
  /** Seconds waited on Retry-After so far, and requests answered 429. */
  throttledWaitMs = 0;
  throttled = 0;
  requests = 0;

  constructor(options: ConnectionOptions) {
    this.url = environmentUrl(options.url);
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.pageSize = options.pageSize ?? PAGE_SIZE;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.maxAttempts = options.maxAttempts ?? 10;
    this.api = new DynamicsWebApi({ serverUrl: this.url.origin, dataApi: { version: '9.2' }, propagateErrors: true, onTokenRefresh: () => options.token().catch((e: unknown) => Promise.reject(new NoToken(e))) });
  }

  /** Runs a request with at most `concurrency` in flight, sending it again after each 429 once Retry-After has passed. */
  async send<T>(what: string, request: (api: DynamicsWebApi) => Promise<T>): Promise<T> {
    await this.slot();
    try {
      for (let attempt = 1; ; attempt++) {
        this.requests++;
        try {
          return await request(this.api);
        } catch (e) {
          if (e instanceof NoToken) throw e;
          const err = (Array.isArray(e) ? e[0] : e) as LibraryError;
          if (err?.status !== 429 || attempt >= this.maxAttempts) {
            const d = asDataverseError(e);
            throw new DataverseError(`${what}: ${d.message}`, d.status, d.code);
          }
          this.throttled++;
          const header = err.headers?.['retry-after'];
          const seconds = header !== undefined && /^\d+(\.\d+)?$/.test(header.trim()) ? Number(header) : 2 ** attempt;
          this.throttledWaitMs += seconds * 1000;
          await this.sleep(seconds * 1000);
        }
      }
    } finally {
      this.release();
    }
  }

  private async slot(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  /** Every row of an entity set, page by page (odata.maxpagesize, @odata.nextLink), telling `onPage` the running count. */
  async all<T = Record<string, unknown>>(collection: string, select: readonly string[], options: { filter?: string; onPage?: (rows: number) => void } = {}): Promise<T[]> {
    return (await this.read<T>(collection, select, { ...options, trackChanges: false })).rows;
  }

  /**
   * Every row, asking for change tracking (Prefer: odata.track-changes): the last page carries the
   * @odata.deltaLink that later asks only for what changed since
   * (https://learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems).
   */
  async allTracked<T = Record<string, unknown>>(collection: string, select: readonly string[], options: { onPage?: (rows: number) => void } = {}): Promise<{ rows: T[]; deltaLink: string }> {
    const r = await this.read<T>(collection, select, { ...options, trackChanges: true });
    if (!r.deltaLink) throw new DataverseError(`reading ${collection}: change tracking was asked for, but the answer has no @odata.deltaLink`, null, null);
    return { rows: r.rows, deltaLink: r.deltaLink };
  }

  /**
   * What changed in an entity set since a delta link: rows added or changed, and the ids of rows
   * deleted (entries of $deletedEntity with id and reason), with the delta link for the next time.
   */
  async changesSince<T = Record<string, unknown>>(collection: string, deltaLink: string, options: { onPage?: (rows: number) => void } = {}): Promise<{ changed: T[]; deleted: string[]; deltaLink: string }> {
    const link = new URL(deltaLink);
    if (link.origin !== this.url.origin) throw new DataverseError(`the delta link kept for ${collection} is for ${link.origin}, not ${this.url.origin}`, null, null);
    const changed: T[] = [];
    const deleted: string[] = [];
    let next: string | undefined = deltaLink;
    let last: string | undefined;
    while (next) {
      const url: string = next;
      const page = await this.send(`reading the changes of ${collection}`, (api) => api.retrieveMultiple<Record<string, unknown>>({ collection }, url));
      if (!page || !Array.isArray(page.value)) throw new DataverseError(`reading the changes of ${collection}: the answer has no "value" list`, null, null);
      for (const row of page.value) {
        const context = row['@odata.context'];
        if (typeof context === 'string' && context.endsWith('/$deletedEntity')) {
          if (typeof row.id !== 'string') throw new DataverseError(`reading the changes of ${collection}: a deleted entry has no id`, null, null);
          deleted.push(row.id.toLowerCase());
        } else changed.push(row as T);
      }
      options.onPage?.(changed.length + deleted.length);
      next = page.oDataNextLink;
      last = page.oDataDeltaLink ?? last;
    }
    if (!last) throw new DataverseError(`reading the changes of ${collection}: the answer has no @odata.deltaLink`, null, null);
    return { changed, deleted, deltaLink: last };
  }

  /**
   * Every row a FetchXML query returns, page by page: the fetch element's count and page, and the
   * paging cookie each page hands on while more rows follow
   * (https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/page-results). A query
   * Dataverse gives no cookie for goes on by page number alone. `fetchXml` starts `<fetch` without
   * page or paging-cookie: dynamics-web-api writes those per page.
   */
  async fetchAll<T = Record<string, unknown>>(collection: string, fetchXml: string, options: { what: string; onPage?: (rows: number) => void }): Promise<T[]> {
    const out: T[] = [];
    let pageNumber = 1;
    let pagingCookie: string | undefined;
    for (;;) {
      const page = await this.send(`reading ${options.what}`, (api) =>
        api.fetch<T>({ collection, fetchXml, pageNumber, ...(pagingCookie ? { pagingCookie } : {}), includeAnnotations: 'Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords' }),
      );
      if (!page || !Array.isArray(page.value)) throw new DataverseError(`reading ${options.what}: the answer has no "value" list`, null, null);
      for (const row of page.value) out.push(row);
      options.onPage?.(out.length);
      const more = (page as { '@Microsoft.Dynamics.CRM.morerecords'?: unknown })['@Microsoft.Dynamics.CRM.morerecords'];
      if (more !== true || page.value.length === 0) return out;
      pagingCookie = page.PagingInfo?.cookie || undefined;
      pageNumber = page.PagingInfo?.nextPage ?? pageNumber + 1;
    }
  }

  private async read<T>(collection: string, select: readonly string[], options: { filter?: string; onPage?: (rows: number) => void; trackChanges: boolean }): Promise<{ rows: T[]; deltaLink?: string }> {
    const out: T[] = [];
    let next: string | undefined;
    let deltaLink: string | undefined;
    do {
      const link = next;
      const page = await this.send(`reading ${collection}`, (api) => api.retrieveMultiple<T>({ collection, select: [...select], maxPageSize: this.pageSize, ...(options.filter ? { filter: options.filter } : {}), ...(options.trackChanges ? { trackChanges: true } : {}) }, link));
      if (!page || !Array.isArray(page.value)) throw new DataverseError(`reading ${collection}: the answer has no "value" list`, null, null);
      for (const row of page.value) out.push(row);
      options.onPage?.(out.length);
      next = page.oDataNextLink;
      deltaLink = page.oDataDeltaLink ?? deltaLink;
    } while (next);
    return { rows: out, deltaLink };
  }
}

/**
 * The admin at the browser, played by a test: an HTTP client that keeps cookies, follows redirects
 * and submits the forms of the pages it is shown, as a browser would (no JavaScript: the identity
 * double's pages, and its form_post answer to the loopback, need none).
 */

export interface Page {
  readonly url: string;
  readonly status: number;
  readonly html: string;
}

const attr = (tag: string, name: string): string | null => {
  const m = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return m ? decode(m[2] ?? m[3] ?? m[4] ?? '') : null;
};
const decode = (s: string) => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCharCode(parseInt(n, 16))).replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

export class Browser {
  private readonly cookies = new Map<string, Map<string, string>>();

  /** Opens a URL and follows its redirects. */
  open(url: string): Promise<Page> {
    return this.go(url, { method: 'GET' });
  }

  /** Submits the page's first form (or the one whose action contains `action`), its inputs as the page filled them, overridden by `fields`. */
  submit(page: Page, fields: Record<string, string> = {}, action?: string): Promise<Page> {
    const forms = [...page.html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/gi)].map((m) => m[0]);
    const form = action ? forms.find((f) => (attr(f.slice(0, f.indexOf('>') + 1), 'action') ?? '').includes(action)) : forms[0];
    if (!form) throw new Error(`no form${action ? ` posting to ${action}` : ''} on ${page.url}:\n${page.html.slice(0, 2000)}`);
    const open = form.slice(0, form.indexOf('>') + 1);
    const target = new URL(attr(open, 'action') ?? page.url, page.url).href;
    const body = new URLSearchParams();
    for (const m of form.matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(m[0], 'name');
      if (name && !(name in fields)) body.append(name, attr(m[0], 'value') ?? '');
    }
    for (const [k, v] of Object.entries(fields)) body.append(k, v);
    const method = (attr(open, 'method') ?? 'get').toUpperCase();
    if (method === 'GET') {
      const u = new URL(target);
      for (const [k, v] of body) u.searchParams.append(k, v);
      return this.go(u.href, { method: 'GET' });
    }
    return this.go(target, { method: 'POST', body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  private async go(url: string, init: { method: string; body?: string; headers?: Record<string, string> }): Promise<Page> {
    let current = url;
    let request = init;
    for (let hop = 0; hop < 20; hop++) {
      const u = new URL(current);
      const jar = this.cookies.get(u.host);
      const cookie = jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
      const res = await fetch(current, { method: request.method, body: request.body, redirect: 'manual', headers: { ...(request.headers ?? {}), ...(cookie ? { cookie } : {}) } });
      for (const set of res.headers.getSetCookie()) {
        const [pair] = set.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        const cookies = this.cookies.get(u.host) ?? new Map<string, string>();
        if (/expires=Thu, 01 Jan 1970/i.test(set) || value === '') cookies.delete(name);
        else cookies.set(name, value);
        this.cookies.set(u.host, cookies);
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        current = new URL(location, current).href;
        request = { method: 'GET' };
        await res.arrayBuffer();
        continue;
      }
      return { url: current, status: res.status, html: await res.text() };
    }
    throw new Error(`too many redirects from ${url}`);
  }
}

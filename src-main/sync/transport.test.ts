import { describe, expect, it } from 'vitest';
import { SyncClient, SyncError } from './client';
import { MemorySyncStore } from './store';
import { cleartextProblem, isCleartextRemote, isLoopbackHost } from './transport';
import { contoso } from '../../test/fixtures/orgCharts';

/** A fetch that records where it was asked to go and answers like an empty server. */
function recordingFetch() {
  const urls: string[] = [];
  const fetch = (async (input: string | URL | Request) => {
    urls.push(String(input));
    return new Response(JSON.stringify({ value: [], '@odata.deltaLink': 'x?$deltatoken=1' }), { status: 200, headers: { 'Content-Type': 'application/json' } });
  }) as typeof globalThis.fetch;
  return { urls, fetch };
}

describe('where the sync client sends its token', () => {
  it('refuses to send the token over http:// to another computer, before any request goes out', async () => {
    const { urls, fetch } = recordingFetch();
    const client = new SyncClient({ server: 'http://sync.example.com', token: 'secret-token', store: new MemorySyncStore('c', contoso()), fetch, attempts: 1 });
    const e = await client.pull().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SyncError);
    expect((e as SyncError).message).toBe(
      'refusing to send the sign-in or token to http://sync.example.com over unencrypted http:// (anyone on the network could read it): use the server\'s https:// address, or allow insecure http explicitly to allow cleartext',
    );
    expect(urls).toEqual([]);
  });

  it('talks http:// to this computer, https:// anywhere, and http:// elsewhere only when the admin allows it', async () => {
    for (const [server, allow] of [
      ['http://127.0.0.1:8080', false],
      ['http://localhost:8080', false],
      ['http://[::1]:8080', false],
      ['https://sync.example.com', false],
      ['http://sync.example.com', true],
    ] as const) {
      const { urls, fetch } = recordingFetch();
      await new SyncClient({ server, token: 't', store: new MemorySyncStore('c', contoso()), fetch, attempts: 1, allowInsecureHttp: allow }).pull();
      expect(urls.length, server).toBeGreaterThan(0);
    }
  });

  it('tells loopback from another computer', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', 'app.localhost', '[::1]', '::1'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', '128.0.0.1', 'localhost.example.com', '127.0.0.1.nip.io', '[::2]', '0.0.0.0'].some(isLoopbackHost)).toBe(false);
    expect(isCleartextRemote('http://127.0.0.1.nip.io')).toBe(true);
    expect(isCleartextRemote('https://10.0.0.1')).toBe(false);
    expect(cleartextProblem('http://10.0.0.1', false, 'pass --allow-insecure-http')).toMatch(/or pass --allow-insecure-http to allow cleartext$/);
    expect(cleartextProblem('http://10.0.0.1', true, 'x')).toBeNull();
  });
});

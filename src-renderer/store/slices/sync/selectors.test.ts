import { describe, expect, it } from 'vitest';
import type { SyncStatusDto } from '../../../../src-main/bridge/channels/sync';
import { ago, syncPill } from './selectors';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const base: SyncStatusDto = { available: true, connection: { server: 'https://sync.example', account: 'ada' }, insecure: false, state: 'idle', lastsyncat: '2025-03-01T11:57:00Z', message: null, offline: false, pending: 0, conflicts: 0, resolved: 0, jobid: null };
const pill = (s: Partial<SyncStatusDto>) => syncPill({ ...base, ...s }, NOW).text;

describe('the sync pill', () => {
  it('says how long ago the last sync was when nothing waits', () => {
    expect(pill({})).toBe('Sync: 3 min ago');
    expect(pill({ lastsyncat: '2025-03-01T11:59:40Z' })).toBe('Sync: just now');
    expect(ago('2025-03-01T09:00:00Z', NOW)).toBe('3 h ago');
  });

  it('counts the changes waiting for the next sync', () => {
    expect(pill({ pending: 5 })).toBe('Sync: 5 pending');
    expect(pill({ resolved: 1 })).toBe('Sync: 1 pending');
  });

  it('says never before the first sync, even with changes made', () => {
    expect(pill({ state: 'never', lastsyncat: null, pending: 3 })).toBe('Sync: never');
    expect(pill({ state: 'never', lastsyncat: null, connection: null })).toBe('Sync: never');
  });

  it('puts failures and conflicts before everything else', () => {
    expect(pill({ conflicts: 2, pending: 4 })).toBe('Sync: conflicts (2)');
    expect(pill({ state: 'error', offline: true, message: 'cannot reach https://sync.example: connection refused' })).toBe('Sync: offline');
    expect(syncPill({ ...base, state: 'error', offline: true, message: 'cannot reach x: host not found' }, NOW).title).toMatch(/host not found/);
    expect(pill({ state: 'error', message: 'the server refused the change (403)' })).toBe('Sync: failed: the server refused the change (403)');
    expect(pill({ state: 'running' })).toBe('Sync: syncing…');
  });

  it('says when there is no vault to sync', () => {
    expect(pill({ available: false })).toBe('Sync: no vault');
    expect(syncPill(null, NOW).text).toBe('Sync: …');
  });

  it('warns on every state that the connection sends its token over unencrypted http', () => {
    const insecure = { insecure: true, connection: { server: 'http://sync.example', account: 'ada' } };
    expect(pill(insecure)).toBe('Sync: 3 min ago (unencrypted http)');
    expect(syncPill({ ...base, ...insecure }, NOW)).toMatchObject({ tone: 'warn', title: expect.stringMatching(/^Unencrypted http:\/\/ to http:\/\/sync.example: the sign-in token crosses the network in cleartext/) });
    expect(pill({ ...insecure, state: 'running' })).toBe('Sync: syncing… (unencrypted http)');
  });
});

import { describe, expect, it } from 'vitest';
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { CHANNELS } from '../bridge/contract';
import { OrgSession } from '../session/orgSession';
import { FABRIKAM as F, fabrikam } from '../session/fabrikam.fixture';
import { createDispatch } from './dispatch';
import { handlersFor, memoryServices, registerIpc } from './register';
import { isOwnRenderer } from './sender';
import { ScriptedDesktop } from '../session/desktop';

const dispatchOver = () => createDispatch(handlersFor(memoryServices(new OrgSession(fabrikam()))));

describe('dispatch', () => {
  it('answers a valid request with the service value', async () => {
    const r = await dispatchOver()('access:explain', { systemuserid: F.ada, entity: 'account', right: 'Read' });
    expect(r).toMatchObject({ ok: true, value: { allowed: true, depth: 'Global' } });
  });

  it('rejects a request with a bad field, naming the field', async () => {
    const r = await dispatchOver()('access:explain', { systemuserid: F.ada, entity: 'account', right: 'Peek' });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-request', path: 'right' } });
    if (!r.ok) expect(r.error.message).toMatch(/^access:explain: right: /);
  });

  it('says an organization held in memory has nowhere to keep a Dataverse sign-in, without opening the browser', async () => {
    const desktop = new ScriptedDesktop();
    const dispatch = createDispatch(handlersFor(memoryServices(new OrgSession(fabrikam()), desktop)));
    expect(await dispatch('dataverse:account', {})).toEqual({ ok: true, value: { available: false, account: null } });
    expect(await dispatch('dataverse:signIn', { env: 'https://contoso.crm.dynamics.com' })).toMatchObject({ ok: false, error: { code: 'no-vault', message: expect.stringContaining('held in memory') } });
    expect(desktop.external).toEqual([]);
  });

  it('rejects a field the channel does not know', async () => {
    const r = await dispatchOver()('org:summary', { everything: true });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
  });

  it('rejects an invalid command before it reaches the session, pointing inside the command', async () => {
    const r = await dispatchOver()('org:apply', { command: { type: 'createBusinessUnit', name: '', parentbusinessunitid: F.root } });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-request', path: 'command.name' } });
  });

  it('returns a refusal of the core as an error value with the path inside the command', async () => {
    const r = await dispatchOver()('org:apply', { command: { type: 'deleteRole', roleid: 'role-missing' } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.path).toMatch(/^command\./);
  });

  it('turns a thrown error into an internal error value', async () => {
    const session = new OrgSession(fabrikam());
    session.summary = () => {
      throw new Error('disk on fire');
    };
    const r = await createDispatch(handlersFor(memoryServices(session)))('org:summary', {});
    expect(r).toEqual({ ok: false, error: { code: 'internal', message: 'org:summary failed: disk on fire' } });
  });
});

describe('the sender check', () => {
  const origin = { rendererDir: '/opt/roleatlas/out/renderer', devServerUrl: 'http://localhost:5173' };

  it('accepts our built renderer and the dev server', () => {
    expect(isOwnRenderer('file:///opt/roleatlas/out/renderer/index.html', origin)).toBe(true);
    expect(isOwnRenderer('http://localhost:5173/', origin)).toBe(true);
  });

  it('refuses other files, other sites and destroyed frames', () => {
    expect(isOwnRenderer('file:///opt/roleatlas/out/renderer/../../secrets.html', origin)).toBe(false);
    expect(isOwnRenderer('file:///opt/roleatlas/out/renderer-evil/index.html', origin)).toBe(false);
    expect(isOwnRenderer('https://example.com/', origin)).toBe(false);
    expect(isOwnRenderer('http://localhost:5174/', origin)).toBe(false);
    expect(isOwnRenderer(undefined, origin)).toBe(false);
    expect(isOwnRenderer('http://localhost:5173/', { rendererDir: origin.rendererDir })).toBe(false);
  });
});

describe('registerIpc', () => {
  type Listener = (event: IpcMainInvokeEvent, request: unknown) => unknown;
  const fakeIpc = () => {
    const handlers = new Map<string, Listener>();
    const ipc = {
      handle: (channel: string, listener: Listener) => void handlers.set(channel, listener),
      removeHandler: (channel: string) => void handlers.delete(channel),
    } as unknown as Pick<IpcMain, 'handle' | 'removeHandler'>;
    return { ipc, handlers };
  };
  const eventFrom = (url: string) => ({ senderFrame: { url } }) as unknown as IpcMainInvokeEvent;
  const quiet = { error: () => {}, warn: () => {} };
  const origin = { rendererDir: '/opt/roleatlas/out/renderer' };

  it('registers every channel of the contract and removes them all again', () => {
    const { ipc, handlers } = fakeIpc();
    const unregister = registerIpc(ipc, memoryServices(new OrgSession(fabrikam())), origin, quiet);
    expect([...handlers.keys()].sort()).toEqual([...CHANNELS].sort());
    unregister();
    expect(handlers.size).toBe(0);
  });

  it('answers our own window and refuses any other frame', async () => {
    const { ipc, handlers } = fakeIpc();
    registerIpc(ipc, memoryServices(new OrgSession(fabrikam())), origin, quiet);
    const summary = handlers.get('org:summary')!;
    expect(await summary(eventFrom('file:///opt/roleatlas/out/renderer/index.html'), {})).toMatchObject({ ok: true, value: { name: 'Fabrikam' } });
    expect(await summary(eventFrom('https://example.com/'), {})).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } });
  });
});

describe('the screens’ channels', () => {
  it('pages users and refuses a page larger than the bridge allows', async () => {
    const d = dispatchOver();
    expect(await d('users:list', { query: 'a', limit: 1 })).toMatchObject({ ok: true, value: { total: 3, rows: [{ fullname: 'Ada Admin' }] } });
    expect(await d('users:list', { limit: 100000 })).toMatchObject({ ok: false, error: { code: 'invalid-request', path: 'limit' } });
  });

  it('answers a missing item as not-found, not as an internal error', async () => {
    expect(await dispatchOver()('roles:matrix', { roleid: 'role-missing' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('refuses a whole batch, pointing at the command that failed', async () => {
    const r = await dispatchOver()('org:applyAll', {
      commands: [
        { type: 'setUserDisabled', systemuserid: F.sam, isdisabled: true },
        { type: 'deleteRole', roleid: F.salesperson },
      ],
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'in-use', path: 'commands[1].roleid' } });
  });

  it('undoes through the bridge and reports where history stands', async () => {
    const d = dispatchOver();
    await d('org:apply', { command: { type: 'updateBusinessUnit', businessunitid: F.sales, name: 'Selling' } });
    expect(await d('history:state', {})).toMatchObject({ ok: true, value: { canUndo: true, undoLabel: expect.stringMatching(/Selling/) } });
    expect(await d('history:undo', {})).toMatchObject({ ok: true, value: { history: { canUndo: false, canRedo: true } } });
  });
});

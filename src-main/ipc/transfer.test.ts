import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { contoso } from '../../test/fixtures/orgCharts';
import { ScriptedDesktop } from '../session/desktop';
import { OrgSession } from '../session/orgSession';
import { createDispatch } from './dispatch';
import { handlersFor, memoryServices } from './register';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/solutions/', import.meta.url));

function over(desktop = new ScriptedDesktop()) {
  const session = new OrgSession(contoso());
  return { session, dispatch: createDispatch(handlersFor(memoryServices(session, desktop))) };
}

describe('transfer channels', () => {
  it('refuses a pick that is neither files nor a folder, naming the field', async () => {
    const r = await over().dispatch('transfer:previewRoles', { pick: 'disk' });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-request', path: 'pick' } });
  });

  it('previews through the desktop dialog and applies the chosen role', async () => {
    const desktop = new ScriptedDesktop().willOpen([join(FIXTURES, 'unpacked')]);
    const { session, dispatch } = over(desktop);
    const p = await dispatch('transfer:previewRoles', { pick: 'folder' });
    if (!p.ok || !p.value) throw new Error('no preview');
    const { importid } = p.value as { importid: string };
    const r = await dispatch('transfer:applyRoles', { importid, roles: ['{6A1C2E44-97D3-4F0B-9C1E-2B7D5A3E8F10}'.slice(1, -1)], profiles: [] });
    expect(r).toMatchObject({ ok: true, value: { message: 'Import roles from unpacked' } });
    expect([...session.current.roles.values()].some((x) => x.name === 'Contoso Sales Rep')).toBe(true);
  });

  it('refuses to reveal a path it did not export', async () => {
    const r = await over().dispatch('transfer:reveal', { path: '/home' });
    expect(r).toMatchObject({ ok: false, error: { code: 'not-exported' } });
  });
});

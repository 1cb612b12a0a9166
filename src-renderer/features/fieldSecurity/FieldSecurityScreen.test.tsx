// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { MainLayout } from '../shell/App';
import { renderWith } from '../../testing/renderApp';
import { applyStagedFromPreview } from '../../testing/stagedFlow';
import { fabrikam } from '../../../src-main/session/fabrikam.fixture';
import { applyAll } from '../../../src-main/core/commands/apply';

describe('Field security screen', () => {
  afterEach(cleanup);

  it('grants read on a secured column with a tick, applied from Preview', async () => {
    const r = applyAll(fabrikam(), [{ type: 'createFieldSecurityProfile', fieldsecurityprofileid: 'fsp', name: 'Secrets' }]);
    if (!r.ok) throw new Error(r.error.message);
    const { session } = await renderWith(<MainLayout />, r.state, { screen: 'fieldSecurity' });
    const boxes = await screen.findAllByRole('checkbox', { name: /^Read / });
    fireEvent.click(boxes[0]);
    expect(await applyStagedFromPreview()).toEqual([expect.stringMatching(/Secrets/)]);
    await waitFor(() => expect(session.current.fieldsecurityprofiles.get('fsp')!.fieldpermissions).toMatchObject([{ canread: 4, cancreate: 0, canupdate: 0 }]));
    await waitFor(() => expect((screen.getAllByRole('checkbox', { name: /^Read / })[0] as HTMLInputElement).checked).toBe(true));
  });
});

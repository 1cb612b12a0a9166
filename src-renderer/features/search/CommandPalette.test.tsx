// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { MainLayout } from '../shell/App';
import { renderWith } from '../../testing/renderApp';
import { fabrikam } from '../../../src-main/session/fabrikam.fixture';

describe('Search everything', () => {
  afterEach(cleanup);

  it('opens with Ctrl+K, finds a user and opens their screen with Enter', async () => {
    await renderWith(<MainLayout />, fabrikam());
    await screen.findByRole('tree', { name: 'Business unit tree' });
    fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    const input = await screen.findByRole('combobox', { name: 'Search everything' });
    fireEvent.change(input, { target: { value: 'nina' } });
    expect(await screen.findByRole('option', { name: /Nina North/ })).toBeTruthy();
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(await screen.findByRole('region', { name: 'User Nina North' })).toBeTruthy();
  });
});

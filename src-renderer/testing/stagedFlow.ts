import { fireEvent, screen, within } from '@testing-library/react';
import { SCREEN_TITLES, useAppStore } from '../store';

/**
 * What the admin does with what they staged: Preview in the top bar, read the pending changes,
 * Apply all, and go back to the screen they came from. Needs the main layout (its top bar and
 * sidebar). Returns the pending changes as the list named them, for the test to check what the
 * admin reviewed.
 */
export async function applyStagedFromPreview(): Promise<string[]> {
  const from = useAppStore.getState().screen;
  fireEvent.click(await screen.findByRole('button', { name: /^Preview: [1-9]\d* staged$/ }));
  const pending = await screen.findByRole('list', { name: 'Pending changes' });
  // Each item is the change's summary followed by its Apply and Discard buttons.
  const reviewed = within(pending)
    .getAllByRole('listitem')
    .map((li) => li.firstChild?.textContent ?? '');
  fireEvent.click(screen.getByRole('button', { name: 'Apply all' }));
  await screen.findByText(/^Nothing is staged\./);
  fireEvent.click(within(screen.getByRole('navigation', { name: 'Screens' })).getAllByRole('button', { name: new RegExp(`^${SCREEN_TITLES[from]}`) })[0]);
  return reviewed;
}

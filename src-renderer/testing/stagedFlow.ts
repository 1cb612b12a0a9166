import { fireEvent, screen, within } from '@testing-library/react';
import { SCREEN_TITLES, useAppStore } from '../store';

// Queries stay inside the top bar: a role matrix has a thousand buttons, and naming each of them on
// every poll of a screen-wide query makes a test wait seconds for the pill.
const topBar = () => within(screen.getByRole('banner'));

/** Waits until the Preview pill in the top bar says `count` changes are staged, as the admin reads it. */
export async function waitForStaged(count: number): Promise<HTMLElement> {
  return topBar().findByRole('button', { name: `Preview: ${count} staged` });
}

/**
 * What the admin does with what they staged: Preview in the top bar, read the pending changes,
 * Apply all, and go back to the screen they came from. Needs the main layout (its top bar and
 * sidebar). Returns the pending changes as the list named them, for the test to check what the
 * admin reviewed.
 */
export async function applyStagedFromPreview(): Promise<string[]> {
  const from = useAppStore.getState().screen;
  fireEvent.click(await topBar().findByRole('button', { name: /^Preview: [1-9]\d* staged$/ }));
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

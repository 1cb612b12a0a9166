import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import type { OrgState } from '../../src-main/core/model/org';
import { useAppStore, type Screen } from '../store';
import { fakeApi, installApi, type FakeApi, type FakeApiOptions } from './fakeApi';

/**
 * jsdom lays nothing out, so a virtual list would measure 0 px and draw no rows: give scrolling
 * lists a screen's height, as a window would.
 */
export function giveListsAHeight(): void {
  const proto = globalThis.HTMLElement?.prototype as (HTMLElement & { __roleatlasSized?: boolean }) | undefined;
  if (!proto || proto.__roleatlasSized) return;
  const sized = (el: HTMLElement, px: number, fallback: number) => (el.classList?.contains('virtual-list') ? px : fallback);
  for (const [target, prop, px] of [
    [HTMLElement.prototype, 'offsetHeight', 800],
    [HTMLElement.prototype, 'offsetWidth', 1000],
    [Element.prototype, 'clientHeight', 800],
    [Element.prototype, 'clientWidth', 1000],
  ] as const) {
    const original = Object.getOwnPropertyDescriptor(target, prop);
    Object.defineProperty(target, prop, {
      configurable: true,
      get(this: HTMLElement) {
        return sized(this, px, (original?.get?.call(this) as number | undefined) ?? 0);
      },
    });
  }
  Object.defineProperty(proto, '__roleatlasSized', { value: true });
}

/**
 * A fresh store over the services the app runs for `state` (the encrypted vault, staging on), then
 * renders `ui`. A test about the other modes says so: `{ staging: false }`, `{ store: 'memory' }`.
 */
export async function renderWith(ui: ReactElement, state: OrgState, options: FakeApiOptions & { staging?: boolean; screen?: Screen } = {}): Promise<FakeApi & ReturnType<typeof render>> {
  giveListsAHeight();
  useAppStore.setState(useAppStore.getInitialState(), true);
  // The screen the main layout opens on, as if the admin had chosen it in the sidebar.
  if (options.screen) useAppStore.setState({ screen: options.screen });
  const fake = await fakeApi(state, options);
  installApi(fake.api, { staging: options.staging });
  return { ...fake, ...render(ui) };
}

import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import type { OrgState } from '../../src-main/core/model/org';
import type { OrgSession } from '../../src-main/session/orgSession';
import type { Channel } from '../../src-main/bridge/contract';
import { useAppStore } from '../store';
import { fakeApi, installApi } from './fakeApi';

/**
 * jsdom lays nothing out, so a virtual list would measure 0 px and draw no rows: give scrolling
 * lists a screen's height, as a window would.
 */
function giveListsAHeight(): void {
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

/** A fresh store over the real services for `state`, then renders `ui`. */
export function renderWith(ui: ReactElement, state: OrgState): { session: OrgSession; calls: Channel[] } & ReturnType<typeof render> {
  giveListsAHeight();
  useAppStore.setState(useAppStore.getInitialState(), true);
  const { api, session, calls } = fakeApi(state);
  installApi(api);
  return { session, calls, ...render(ui) };
}

import { buildApi, contract, type Channel, type RoleAtlasApi } from '../../src-main/bridge/contract';
import type { OrgState } from '../../src-main/core/model/org';
import { createDispatch } from '../../src-main/ipc/dispatch';
import { handlersFor, memoryServices } from '../../src-main/ipc/register';
import { OrgSession } from '../../src-main/session/orgSession';
import { useAppStore } from '../store';

/**
 * window.api over the real contract, dispatch and services, without Electron: only the transport
 * is replaced, and results are structured-cloned as IPC would.
 */
export function fakeApi(state: OrgState): { api: RoleAtlasApi; session: OrgSession; calls: Channel[] } {
  const session = new OrgSession(state);
  const dispatch = createDispatch(handlersFor(memoryServices(session)), (channel, error) => {
    throw new Error(`${channel} threw in a test`, { cause: error });
  });
  const calls: Channel[] = [];
  const api = buildApi(async (channel, request) => {
    calls.push(channel);
    const answer = structuredClone(await dispatch(channel, structuredClone(request)));
    // The contract's response schema is the promise the screens rely on: a handler that drifts from it fails the test.
    if (answer.ok) {
      const checked = contract[channel].response.safeParse(answer.value);
      if (!checked.success) throw new Error(`${channel} answered outside its contract: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    return answer;
  });
  return { api, session, calls };
}

/**
 * Puts a stand-in at window.api (the preload's place). Staging starts off, so a screen's test sees
 * its edits applied at once; the staged flow's tests pass `{ staging: true }`.
 */
export function installApi(api: RoleAtlasApi, { staging = false }: { staging?: boolean } = {}): void {
  Object.defineProperty(globalThis, 'api', { value: api, configurable: true, writable: true });
  useAppStore.setState({ stagingEnabled: staging });
}

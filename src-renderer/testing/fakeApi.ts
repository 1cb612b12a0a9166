import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { buildApi, contract, type Channel, type RoleAtlasApi } from '../../src-main/bridge/contract';
import { newOrganization, type OrgState } from '../../src-main/core/model/org';
import { createDispatch } from '../../src-main/ipc/dispatch';
import { handlersFor, memoryServices, vaultServices } from '../../src-main/ipc/register';
import type { Services } from '../../src-main/ipc/services';
import { ScriptedDesktop, type Desktop } from '../../src-main/session/desktop';
import { OrgSession } from '../../src-main/session/orgSession';
import { Workspace, type VaultControl } from '../../src-main/session/workspace';
import { createVaultWith } from '../../src-main/vault/testing/vaultWith';
import { TEST_KDF } from '../../src-main/vault/testing/kdf';
import { useAppStore } from '../store';

/** The passphrase of every vault a screen test opens. */
export const TEST_PASSPHRASE = 'violet tractor sings under 42 lanterns';

export interface FakeApiOptions {
  /**
   * Where the organization lives. The app keeps it in the encrypted vault (journaled, audited,
   * undo persisted), so that is the default; `'memory'` is for a test about the memory store.
   */
  readonly store?: 'vault' | 'memory';
  /** Answers the file dialogs. */
  readonly desktop?: Desktop;
}

export interface FakeApi {
  readonly api: RoleAtlasApi;
  readonly session: OrgSession;
  readonly workspace: VaultControl;
  readonly desktop: Desktop;
  /** Every channel called, in order. */
  readonly calls: Channel[];
}

/** Vaults opened by this test file's current test: locked and removed after it, so none outlives its test. */
const opened: { workspace: Workspace; dir: string }[] = [];
afterEach(() => {
  for (const { workspace, dir } of opened.splice(0)) {
    workspace.lock();
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The services the app runs, over `state`: a vault in a temporary folder, created with it and
 * unlocked (as after the admin typed the passphrase), unless `store: 'memory'`.
 */
export async function testServices(state: OrgState, options: FakeApiOptions = {}): Promise<Services> {
  const desktop = options.desktop ?? new ScriptedDesktop();
  if (options.store === 'memory') return memoryServices(new OrgSession(state), desktop);
  const dir = mkdtempSync(join(tmpdir(), 'roleatlas-screen-'));
  const vaultDir = join(dir, 'vault');
  await createVaultWith(vaultDir, TEST_PASSPHRASE, state);
  const session = new OrgSession(newOrganization({ name: 'none', rootbusinessunitid: 'none', defaultteamid: 'none-team' }));
  const workspace = new Workspace({ dir: vaultDir, actor: 'tester', session, kdf: TEST_KDF });
  opened.push({ workspace, dir });
  const unlocked = await workspace.unlock({ passphrase: TEST_PASSPHRASE });
  if (!unlocked.ok) throw new Error(`the test vault did not unlock: ${unlocked.error.message}`);
  return vaultServices(session, workspace, desktop);
}

/**
 * window.api over the real contract, dispatch and services, without Electron: only the transport
 * is replaced, and results are structured-cloned as IPC would.
 */
export async function fakeApi(state: OrgState, options: FakeApiOptions = {}): Promise<FakeApi> {
  return apiOver(await testServices(state, options));
}

/** window.api over services a test built itself (a workspace with no vault yet, a sync service). */
export function apiOver(services: Services): FakeApi {
  const dispatch = createDispatch(handlersFor(services), (channel, error) => {
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
  return { api, session: services.session, workspace: services.workspace, desktop: services.desktop, calls };
}

/**
 * Puts a stand-in at window.api (the preload's place). Staging starts on, as in the app: an edit
 * waits in the change set until it is applied from Preview. A test of applying at once passes
 * `{ staging: false }`.
 */
export function installApi(api: RoleAtlasApi, { staging = true }: { staging?: boolean } = {}): void {
  Object.defineProperty(globalThis, 'api', { value: api, configurable: true, writable: true });
  useAppStore.setState({ stagingEnabled: staging });
}

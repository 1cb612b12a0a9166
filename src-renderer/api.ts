import type { RoleAtlasApi } from '../src-main/bridge/contract';

export type { BridgeError, BridgeResult, OrgSummaryDto, RoleAtlasApi } from '../src-main/bridge/contract';

declare global {
  interface Window {
    /** Built by the preload from the bridge contract; tests stand in for it with the real services. */
    readonly api: RoleAtlasApi;
  }
}

/** window.api, looked up at call time so a test can install its stand-in before the first call. */
export function api(): RoleAtlasApi {
  const bridge = (globalThis as { api?: RoleAtlasApi }).api;
  if (!bridge) throw new Error('window.api is missing: the preload did not run');
  return bridge;
}

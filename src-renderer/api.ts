import type { BridgeResult, RoleAtlasApi } from '../src-main/bridge/contract';

export type {
  BridgeError,
  BridgeResult,
  ChangedDto,
  CompareDto,
  FieldProfileDetailDto,
  FieldProfileRowDto,
  HistoryDto,
  MatrixDto,
  OrgSummaryDto,
  RoleAtlasApi,
  RoleInfoDto,
  SearchHitDto,
  TeamDetailDto,
  TeamRowDto,
  UserDetailDto,
  UserRowDto,
  UsageDto,
} from '../src-main/bridge/contract';
export type { RestoreReportDto, VaultStatusDto } from '../src-main/bridge/channels/vault';
export type { Command } from '../src-main/core/commands/schema';
export type { Depth } from '../src-main/core/model/depth';

declare global {
  interface Window {
    /** Built by the preload from the bridge contract; tests stand in for it with the real services. */
    readonly api: RoleAtlasApi;
  }
}

const lockedListeners = new Set<() => void>();

/** Called whenever main answers that the vault is locked (auto-lock while the admin was away). */
export function onVaultLocked(listener: () => void): () => void {
  lockedListeners.add(listener);
  return () => lockedListeners.delete(listener);
}

const watched = new WeakMap<RoleAtlasApi, RoleAtlasApi>();

/** The bridge with every answer watched for 'locked', so one place moves the app to its lock screen. */
function watch(bridge: RoleAtlasApi): RoleAtlasApi {
  let w = watched.get(bridge);
  if (!w) {
    const calls: Record<string, unknown> = {};
    for (const [channel, call] of Object.entries(bridge) as [string, (request: unknown) => Promise<BridgeResult<unknown>>][]) {
      calls[channel] = async (request: unknown) => {
        const r = await call(request);
        if (!r.ok && r.error.code === 'locked') for (const l of lockedListeners) l();
        return r;
      };
    }
    w = calls as unknown as RoleAtlasApi;
    watched.set(bridge, w);
  }
  return w;
}

/** window.api, looked up at call time so a test can install its stand-in before the first call. */
export function api(): RoleAtlasApi {
  const bridge = (globalThis as { api?: RoleAtlasApi }).api;
  if (!bridge) throw new Error('window.api is missing: the preload did not run');
  return watch(bridge);
}

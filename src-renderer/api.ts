import type { RoleAtlasApi } from '../src-main/bridge/contract';

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
export type { Command } from '../src-main/core/commands/schema';
export type { Depth } from '../src-main/core/model/depth';

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

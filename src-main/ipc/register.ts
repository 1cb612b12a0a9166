import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { CHANNELS, type BridgeResult, type Channel } from '../bridge/contract';
import type { OrgSession } from '../session/orgSession';
import { accessHandlers } from './access';
import { checkAccessHandlers, hierarchyHandlers } from './hierarchy';
import { stagingHandlers } from './staging';
import { createDispatch, failure, type Handlers } from './dispatch';
import { historyHandlers, orgHandlers } from './org';
import { catalogHandlers, fieldSecurityHandlers, roleHandlers, searchHandlers, teamHandlers, userHandlers } from './queries';
import { isOwnRenderer, type RendererOrigin } from './sender';
import { vaultHandlers } from './vault';
import { syncHandlers } from './sync';
import { transferHandlers } from './transfer';
import { reportHandlers } from './reports';
import { findingsHandlers } from './findings';
import { auditHandlers } from './audit';
import { dataverseHandlers } from './dataverse';
import { dataverseLinkHandlers } from './dataverseLink';
import { DataverseSignInService } from '../session/dataverseSignIn';
import { MemoryWorkspace, Workspace } from '../session/workspace';
import type { EntraSignInOptions } from '../dataverse/signIn/entraSignIn';
import { ScriptedDesktop, type Desktop } from '../session/desktop';
import type { Services } from './services';

/** Services for an organization held in memory (tests, and files opened without a vault). */
export function memoryServices(session: OrgSession, desktop: Desktop = new ScriptedDesktop()): Services {
  return { session, workspace: new MemoryWorkspace(session), desktop, dataverse: new DataverseSignInService({ vaults: null, openBrowser: (url) => desktop.openExternal(url) }) };
}

/** Services over the app's vault: the sign-in to Dataverse kept in it, its browser the desktop's. */
export function vaultServices(session: OrgSession, workspace: Workspace, desktop: Desktop, signIn: EntraSignInOptions = {}): Services {
  return { session, workspace, desktop, dataverse: new DataverseSignInService({ ...signIn, vaults: workspace.vaults, openBrowser: (url) => desktop.openExternal(url) }) };
}

/** The handler map; adding a channel to the contract without its handler fails typecheck here. */
export function handlersFor(services: Services): Handlers {
  return {
    ...vaultHandlers(services.workspace),
    ...orgHandlers(services.session),
    ...accessHandlers(services.session),
    ...historyHandlers(services.session),
    ...userHandlers(services.session),
    ...teamHandlers(services.session),
    ...roleHandlers(services.session),
    ...fieldSecurityHandlers(services.session),
    ...searchHandlers(services.session),
    ...catalogHandlers(services.session),
    ...hierarchyHandlers(services.session),
    ...checkAccessHandlers(services.session),
    ...stagingHandlers(services.session),
    ...syncHandlers(services),
    ...reportHandlers(services),
    ...findingsHandlers(services),
    ...auditHandlers(services),
    ...dataverseLinkHandlers(services),
    ...transferHandlers(services.session, services.desktop),
    ...dataverseHandlers(services.dataverse),
  };
}

export interface Log {
  error(message: string, error?: unknown): void;
  warn(message: string): void;
}

/** One call from a renderer frame: the sender check, then validation and the handler. */
export type Invoke = (senderUrl: string | undefined, channel: Channel, request: unknown) => Promise<BridgeResult<unknown>>;

/**
 * What every IPC message goes through in main. Electron's ipcMain and the end-to-end harness's
 * page binding both call this, so the browser test exercises the same checks as the app.
 */
export function createInvoke(services: Services, origin: RendererOrigin, log: Log): Invoke {
  const dispatch = createDispatch(handlersFor(services), (channel, error) => log.error(`ipc ${channel} failed`, error));
  return async (url, channel, request) => {
    if (!isOwnRenderer(url, origin)) {
      log.warn(`ipc ${channel} refused from ${url ?? 'a destroyed frame'}`);
      return failure({ code: 'forbidden-sender', message: `${channel} may only be called by the RoleAtlas window` });
    }
    return dispatch(channel, request);
  };
}

/** Registers every channel of the contract on ipcMain; returns the function that removes them. */
export function registerIpc(ipc: Pick<IpcMain, 'handle' | 'removeHandler'>, services: Services, origin: RendererOrigin, log: Log): () => void {
  const invoke = createInvoke(services, origin, log);
  for (const channel of CHANNELS) {
    ipc.handle(channel, (event: IpcMainInvokeEvent, request: unknown) => invoke(event.senderFrame?.url, channel, request));
  }
  return () => {
    for (const channel of CHANNELS) ipc.removeHandler(channel);
  };
}

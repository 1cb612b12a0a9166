import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { CHANNELS } from '../bridge/contract';
import type { OrgSession } from '../session/orgSession';
import { accessHandlers } from './access';
import { createDispatch, failure, type Handlers } from './dispatch';
import { orgHandlers } from './org';
import { isOwnRenderer, type RendererOrigin } from './sender';

export interface Services {
  readonly session: OrgSession;
}

/** The handler map; adding a channel to the contract without its handler fails typecheck here. */
export function handlersFor(services: Services): Handlers {
  return {
    ...orgHandlers(services.session),
    ...accessHandlers(services.session),
  };
}

export interface Log {
  error(message: string, error?: unknown): void;
  warn(message: string): void;
}

/** Registers every channel of the contract on ipcMain; returns the function that removes them. */
export function registerIpc(ipc: Pick<IpcMain, 'handle' | 'removeHandler'>, services: Services, origin: RendererOrigin, log: Log): () => void {
  const dispatch = createDispatch(handlersFor(services), (channel, error) => log.error(`ipc ${channel} failed`, error));
  for (const channel of CHANNELS) {
    ipc.handle(channel, (event: IpcMainInvokeEvent, request: unknown) => {
      const url = event.senderFrame?.url;
      if (!isOwnRenderer(url, origin)) {
        log.warn(`ipc ${channel} refused from ${url ?? 'a destroyed frame'}`);
        return failure({ code: 'forbidden-sender', message: `${channel} may only be called by the RoleAtlas window` });
      }
      return dispatch(channel, request);
    });
  }
  return () => {
    for (const channel of CHANNELS) ipc.removeHandler(channel);
  };
}

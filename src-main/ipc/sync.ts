import { SyncService } from '../session/sync';
import { VaultModelStore } from '../session/vaultModelStore';
import { Workspace } from '../session/workspace';
import { answer, type AreaHandlers, value } from './dispatch';
import type { Services } from './services';

/** The sync service over the workspace's vault; an organization held in memory has nothing to sync. */
export function syncServiceFor(services: Services): SyncService {
  const vaults = services.workspace instanceof Workspace ? services.workspace.vaults : null;
  return new SyncService({
    vaults,
    // A pull or a conflict taken changed the vault under the session: move its revision so the screens reload.
    onRemoteChange: () => {
      if (vaults && !vaults.isLocked) services.session.useStore(new VaultModelStore(vaults));
    },
  });
}

export function syncHandlers(services: Services, sync: SyncService = syncServiceFor(services)): AreaHandlers<'sync'> {
  return {
    'sync:status': () => value(sync.status()),
    'sync:connect': async ({ server, account, password, allowInsecureHttp }) => answer(await sync.connect(server, account, password, { allowInsecureHttp })),
    'sync:disconnect': async () => answer(await sync.disconnect()),
    'sync:start': ({ publish }) => answer(sync.start({ publish })),
    'sync:progress': ({ jobid }) => answer(sync.progress(jobid)),
    'sync:conflicts': async () => value({ conflicts: await sync.conflicts() }),
    'sync:resolve': async ({ conflictid, take, fields }) => answer(await sync.resolve(conflictid, take, fields)),
    'sync:pending': ({ limit }) => value(sync.pending(limit)),
  };
}

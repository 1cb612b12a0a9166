import type { VaultControl } from '../session/workspace';
import { answer, type AreaHandlers, value } from './dispatch';

export function vaultHandlers(workspace: VaultControl): AreaHandlers<'vault'> {
  return {
    'vault:status': () => value(workspace.status()),
    'vault:create': async ({ passphrase, start }) => answer(await workspace.create(passphrase, start)),
    'vault:unlock': async (how) => answer(await workspace.unlock('device' in how ? { device: true } : { passphrase: how.passphrase })),
    'vault:lock': () => value(workspace.lock()),
    'vault:setAutoLock': async ({ minutes }) => answer(await workspace.setAutoLock(minutes)),
    'vault:changePassphrase': async ({ current, next }) => answer(await workspace.changePassphrase(current, next)),
    'vault:setDeviceUnlock': async ({ enabled }) => answer(await workspace.setDeviceUnlock(enabled)),
    'vault:restoreBackup': async ({ passphrase }) => answer(await workspace.restoreBackup(passphrase)),
  };
}

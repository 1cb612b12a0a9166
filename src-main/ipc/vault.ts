import type { VaultControl } from '../session/workspace';
import type { Refusal } from '../core/result';
import { failure, value, type AreaHandlers } from './dispatch';

const answer = <T,>(r: { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Refusal }) => (r.ok ? value(r.value) : failure(r.error));

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

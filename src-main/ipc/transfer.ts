import type { Desktop } from '../session/desktop';
import type { OrgSession } from '../session/orgSession';
import { Transfer } from '../session/transfer';
import { answer, type AreaHandlers, value } from './dispatch';

/** Import & export; one Transfer per handler map, so a preview lives until it is applied, closed or expires. */
export function transferHandlers(session: OrgSession, desktop: Desktop, transfer = new Transfer(session, desktop)): AreaHandlers<'transfer'> {
  return {
    'transfer:previewRoles': async ({ pick }) => answer(await transfer.previewRoles(pick)),
    'transfer:applyRoles': ({ importid, roles, profiles }) => answer(transfer.applyRoles(importid, { roles, profiles })),
    'transfer:previewUsers': async () => answer(await transfer.previewUsers()),
    'transfer:applyUsers': ({ importid }) => answer(transfer.applyUsers(importid)),
    'transfer:discard': ({ importid }) => {
      transfer.discard(importid);
      return value({});
    },
    'transfer:exportOrganization': async () => answer(await transfer.exportOrganization()),
    'transfer:exportSolution': async () => answer(await transfer.exportSolution()),
    'transfer:reveal': ({ path }) => answer(transfer.reveal(path)),
  };
}

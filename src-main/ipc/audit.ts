import type { Services } from './services';
import { auditRow, changeFields, openVaultOf, queryAudit } from '../session/audit';
import { failure, value, type AreaHandlers } from './dispatch';

const NO_LOG = { code: 'no-vault', message: 'this organization is held in memory, not in a vault: there is no audit log' };

export function auditHandlers(services: Services): AreaHandlers<'audit'> {
  return {
    'audit:list': (q) => {
      const vault = openVaultOf(services.workspace);
      if (!vault) return value({ available: false, total: 0, rows: [], actors: [], types: [] });
      return value({ available: true, ...queryAudit(vault.audit(), q) });
    },
    'audit:entry': ({ seq }) => {
      const vault = openVaultOf(services.workspace);
      if (!vault) return failure(NO_LOG);
      const e = vault.audit().find((x) => x.seq === seq);
      if (!e) return failure({ code: 'not-found', message: `no audit entry ${seq}`, path: 'seq' });
      return value({ row: auditRow(e), prev: e.prev, hash: e.hash, changes: e.changes.map(changeFields) });
    },
    'audit:verify': () => {
      const vault = openVaultOf(services.workspace);
      if (!vault) return failure(NO_LOG);
      const r = vault.verify();
      return value({ ok: r.ok, entries: r.entries, problems: r.problems.map((p) => ({ ...p })), files: r.files.map((f) => ({ ...f })) });
    },
  };
}

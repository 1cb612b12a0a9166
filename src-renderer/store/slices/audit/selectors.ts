import type { AppStore } from '../../index';

export const auditSelectors = {
  filter: (s: AppStore) => s.auditFilter,
  log: (s: AppStore) => s.auditLog,
  error: (s: AppStore) => s.auditError,
  selectedSeq: (s: AppStore) => s.selectedAuditSeq,
  entry: (s: AppStore) => s.auditEntry,
  verify: (s: AppStore) => s.auditVerify,
  verifying: (s: AppStore) => s.auditVerifying,
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A period of days in the admin's time zone as ISO bounds: from the start of `from` (inclusive)
 * to the start of the day after `to` (exclusive), as the audit log and report compare them.
 */
export function periodBounds(from: string, to: string): { from?: string; to?: string } {
  const start = (day: string, plus = 0) => {
    const [y, m, d] = day.split('-').map(Number);
    return new Date(y, m - 1, d + plus).toISOString();
  };
  return { ...(DAY.test(from) ? { from: start(from) } : {}), ...(DAY.test(to) ? { to: start(to, 1) } : {}) };
}

/** "2024-05-01 14:03:22" in the admin's time zone. */
export function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

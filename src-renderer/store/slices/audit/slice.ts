import type { StateCreator } from 'zustand';
import { api, type BridgeError } from '../../../api';
import type { AuditVerifyDto } from '../../../../src-main/bridge/channels/audit';
import type { ResponseOf } from '../../../../src-main/bridge/contract';
import type { AppStore } from '../../index';
import { periodBounds } from './selectors';

export type AuditListDto = ResponseOf<'audit:list'>;
export type AuditEntryDto = ResponseOf<'audit:entry'>;

export interface AuditFilter {
  /** YYYY-MM-DD, both inclusive; empty is open-ended. */
  readonly from: string;
  readonly to: string;
  readonly actor: string;
  readonly object: string;
  readonly type: string;
}

export interface AuditActions {
  loadAudit: () => Promise<void>;
  /** Changes the filter and reloads the list. */
  setAuditFilter: (filter: Partial<AuditFilter>) => Promise<void>;
  selectAuditEntry: (seq: number | null) => Promise<void>;
  verifyAudit: () => Promise<void>;
}

export interface AuditSliceState {
  readonly auditFilter: AuditFilter;
  readonly auditLog: AuditListDto | null;
  readonly auditError: BridgeError | null;
  readonly selectedAuditSeq: number | null;
  readonly auditEntry: AuditEntryDto | null;
  readonly auditVerify: AuditVerifyDto | null;
  readonly auditVerifying: boolean;
}

export type AuditSlice = AuditSliceState & AuditActions;

export const initialAuditState: AuditSliceState = {
  auditFilter: { from: '', to: '', actor: '', object: '', type: '' },
  auditLog: null,
  auditError: null,
  selectedAuditSeq: null,
  auditEntry: null,
  auditVerify: null,
  auditVerifying: false,
};

export const createAuditSlice: StateCreator<AppStore, [], [], AuditSlice> = (set, get) => ({
  ...initialAuditState,

  async loadAudit() {
    const f = get().auditFilter;
    const period = periodBounds(f.from, f.to);
    const r = await api()['audit:list']({
      ...period,
      ...(f.actor ? { actor: f.actor } : {}),
      ...(f.object.trim() ? { object: f.object.trim() } : {}),
      ...(f.type ? { type: f.type } : {}),
    });
    if (get().auditFilter !== f) return; // the filter changed while this answer was on its way
    set(r.ok ? { auditLog: r.value, auditError: null } : { auditError: r.error });
  },

  async setAuditFilter(filter) {
    set({ auditFilter: { ...get().auditFilter, ...filter } });
    await get().loadAudit();
  },

  async selectAuditEntry(seq) {
    if (seq === null) return set({ selectedAuditSeq: null, auditEntry: null });
    set({ selectedAuditSeq: seq });
    const r = await api()['audit:entry']({ seq });
    if (get().selectedAuditSeq !== seq) return;
    set(r.ok ? { auditEntry: r.value } : { auditEntry: null, auditError: r.error });
  },

  async verifyAudit() {
    set({ auditVerifying: true, auditVerify: null });
    const r = await api()['audit:verify']({});
    set(r.ok ? { auditVerify: r.value, auditVerifying: false } : { auditVerifying: false, auditError: r.error });
  },
});

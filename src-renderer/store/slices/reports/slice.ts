import type { StateCreator } from 'zustand';
import { api, type BridgeError, type Depth } from '../../../api';
import type { ReportFormatDto, ReportJobDto, ReportKindDto, ReportRequestDto } from '../../../../src-main/bridge/channels/reports';
import type { ResponseOf } from '../../../../src-main/bridge/contract';
import type { AppStore } from '../../index';
import { periodBounds } from '../audit/selectors';

export type ReportCatalogDto = ResponseOf<'reports:catalog'>;

/** Every option of every kind, kept while the admin switches kinds; only the chosen kind's are sent. */
export interface ReportOptions {
  readonly roles: readonly string[];
  readonly users: readonly { readonly id: string; readonly name: string }[];
  readonly entity: string;
  readonly right: string;
  readonly minDepth: Depth;
  readonly left: string;
  readonly right2: string;
  /** YYYY-MM-DD, both inclusive; empty is open-ended. */
  readonly from: string;
  readonly to: string;
}

export interface ReportsActions {
  setReportKind: (kind: ReportKindDto) => void;
  setReportOptions: (options: Partial<ReportOptions>) => void;
  setReportFormat: (format: ReportFormatDto) => void;
  loadReportCatalog: () => Promise<void>;
  /** Builds the report in main, which asks where to save it, and starts writing it. */
  startReport: () => Promise<void>;
  /** Asks main how far the running report is (the screen calls it every ~200 ms while running). */
  pollReport: () => Promise<void>;
  cancelReport: () => Promise<void>;
  openReport: () => Promise<void>;
  revealReport: () => Promise<void>;
  dismissReport: () => void;
}

export interface ReportsSliceState {
  readonly reportKind: ReportKindDto;
  readonly reportOptions: ReportOptions;
  readonly reportFormat: ReportFormatDto;
  readonly reportCatalog: ReportCatalogDto | null;
  readonly reportJob: ReportJobDto | null;
  /** The admin closed the save dialog. */
  readonly reportNotSaved: boolean;
  readonly reportError: BridgeError | null;
  readonly reportStarting: boolean;
}

export type ReportsSlice = ReportsSliceState & ReportsActions;

export const initialReportsState: ReportsSliceState = {
  reportKind: 'role-matrix',
  reportOptions: { roles: [], users: [], entity: 'account', right: 'Read', minDepth: 'Basic', left: '', right2: '', from: '', to: '' },
  reportFormat: 'xlsx',
  reportCatalog: null,
  reportJob: null,
  reportNotSaved: false,
  reportError: null,
  reportStarting: false,
};

/** The request for the chosen kind, or the reason it can't be sent yet. */
export function reportRequest(kind: ReportKindDto, o: ReportOptions): { ok: true; value: ReportRequestDto } | { ok: false; message: string } {
  switch (kind) {
    case 'role-matrix':
      return { ok: true, value: { kind, roles: [...o.roles] } };
    case 'user-access':
      return { ok: true, value: { kind, users: o.users.map((u) => u.id) } };
    case 'who-has-access':
      if (!o.entity) return { ok: false, message: 'Choose a table.' };
      return { ok: true, value: { kind, entity: o.entity, right: o.right as 'Read', minDepth: o.minDepth } };
    case 'role-compare':
      if (!o.left || !o.right2) return { ok: false, message: 'Choose two roles to compare.' };
      return { ok: true, value: { kind, left: o.left, right: o.right2 } };
    case 'audit': {
      const { from, to } = periodBounds(o.from, o.to);
      return { ok: true, value: { kind, ...(from ? { from } : {}), ...(to ? { to } : {}) } };
    }
    default:
      return { ok: true, value: { kind } };
  }
}

export const createReportsSlice: StateCreator<AppStore, [], [], ReportsSlice> = (set, get) => ({
  ...initialReportsState,

  setReportKind: (reportKind) => set({ reportKind, reportError: null }),
  setReportOptions: (options) => set({ reportOptions: { ...get().reportOptions, ...options } }),
  setReportFormat: (reportFormat) => set({ reportFormat }),

  async loadReportCatalog() {
    if (get().reportCatalog) return;
    const r = await api()['reports:catalog']({});
    if (r.ok) set({ reportCatalog: r.value });
  },

  async startReport() {
    const req = reportRequest(get().reportKind, get().reportOptions);
    if (!req.ok) return set({ reportError: { code: 'invalid-request', message: req.message } });
    set({ reportStarting: true, reportError: null, reportNotSaved: false });
    const r = await api()['reports:start']({ report: req.value, format: get().reportFormat });
    if (!r.ok) return set({ reportStarting: false, reportError: r.error });
    set({ reportStarting: false, reportJob: r.value.job, reportNotSaved: r.value.job === null });
  },

  async pollReport() {
    const job = get().reportJob;
    if (!job || job.state !== 'running') return;
    const r = await api()['reports:progress']({ jobid: job.jobid });
    // A newer report may have started while this answer was on its way.
    if (get().reportJob?.jobid !== job.jobid) return;
    set(r.ok ? { reportJob: r.value } : { reportError: r.error });
  },

  async cancelReport() {
    const job = get().reportJob;
    if (!job || job.state !== 'running') return;
    const r = await api()['reports:cancel']({ jobid: job.jobid });
    if (get().reportJob?.jobid !== job.jobid) return;
    set(r.ok ? { reportJob: r.value } : { reportError: r.error });
  },

  async openReport() {
    const job = get().reportJob;
    if (!job) return;
    const r = await api()['reports:open']({ jobid: job.jobid });
    if (!r.ok) set({ reportError: r.error });
  },

  async revealReport() {
    const job = get().reportJob;
    if (!job) return;
    const r = await api()['reports:reveal']({ jobid: job.jobid });
    if (!r.ok) set({ reportError: r.error });
  },

  dismissReport: () => set({ reportJob: null, reportNotSaved: false, reportError: null }),
});

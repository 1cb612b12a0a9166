import type { StateCreator } from 'zustand';
import { api, type BridgeError } from '../../../api';
import type { HierarchyUnitDto, MembersDto, OverlayDto, PrincipalDto, StagedUnitsDto } from '../../../../src-main/bridge/channels/hierarchy';
import type { ResponseOf } from '../../../../src-main/bridge/contract';

export type EntityDto = ResponseOf<'hierarchy:units'>['entities'][number];
export type ExplanationDto = ResponseOf<'access:explain'>;
import type { AccessRight } from '../../../../src-main/core/model/accessRights';
import type { AppStore } from '../../index';
import { ancestorsOf, decodeUnits, type UnitIndex } from './selectors';

export interface HierarchyActions {
  loadGraphUnits: () => Promise<void>;
  /** Opens or closes a unit's subtree in the graph. */
  setGraphUnitOpen: (businessunitid: string, open: boolean) => void;
  expandGraph: () => void;
  /** Back to the default: units below the second level closed. */
  collapseGraph: () => void;
  /** Opens every ancestor so the unit is drawn, and selects it (search and jump). */
  revealGraphUnit: (businessunitid: string) => void;
  selectGraphUnit: (businessunitid: string | null) => void;
  loadGraphMembers: (businessunitid: string) => Promise<void>;
  setOverlayQuery: (q: Partial<OverlayQuery>) => void;
  loadOverlay: () => Promise<void>;
  /** The overlay principal's paths, for the unit panel (asked for only while it is open). */
  loadGraphPaths: () => Promise<void>;
  /** Teams whose name contains the query, to colour the graph by a team. */
  findGraphTeams: (query: string) => Promise<readonly { teamid: string; name: string; businessunitname: string }[]>;
  /** Whether the graph colours the staged state (after) or the committed one. */
  setGraphShowAfter: (on: boolean) => void;
  /** The detailed graph of one unit's subtree (semantic zoom from the overview). */
  openGraphOf: (businessunitid: string) => void;
  /** Back to the overview, zoomed on a unit's subtree (null: the whole organization). */
  showOverview: (focus: string | null) => void;
  setOverviewSize: (size: CellSize) => void;
  setOverviewColour: (colour: OverviewColour) => void;
  /** Where the staged set changes anyone's access to the overlay's table and right. */
  loadStagedUnits: () => Promise<void>;
}

/** What colours the overview's cells: the overlay's depth, or the staged change for the chosen principal or for any user. */
export type OverviewColour = 'depth' | 'diff-principal' | 'diff-any';
export type CellSize = 'users' | 'records';

export interface OverlayQuery {
  readonly principal: PrincipalDto | null;
  /** What the picker shows for the principal. */
  readonly principalLabel: string;
  readonly entity: string;
  readonly right: AccessRight;
}

export interface HierarchySliceState {
  readonly hierarchyUnits: readonly HierarchyUnitDto[] | null;
  /** The units indexed once per load (positions, parents, subtree ranges); the overlay's arrays follow the same positions. */
  readonly hierarchyIndex: UnitIndex | null;
  readonly graphEntities: readonly EntityDto[];
  /** The overlay principal's paths (explain() for a user; the team's or the role's grants otherwise), with depth and scope unit. */
  readonly graphPaths: ExplanationDto | null;
  /** The query `graphPaths` answers. */
  readonly graphPathsFor: OverlayQuery | null;
  readonly hierarchyError: BridgeError | null;
  /** Units opened or closed by hand; the rest follow the default depth. */
  readonly graphExpanded: Readonly<Record<string, boolean>>;
  readonly graphSelected: string | null;
  readonly graphMembers: MembersDto | null;
  readonly overlayQuery: OverlayQuery;
  readonly overlay: OverlayDto | null;
  /** The query `overlay` answers (the picker may already show the next one). */
  readonly overlayFor: OverlayQuery | null;
  readonly overlayError: BridgeError | null;
  readonly graphShowAfter: boolean;
  /** The unit whose subtree the detailed graph shows; null: the overview of every unit. */
  readonly graphRoot: string | null;
  /** The unit the overview is zoomed on (null: the whole organization). */
  readonly overviewFocus: string | null;
  readonly overviewSize: CellSize;
  readonly overviewColour: OverviewColour;
  readonly stagedUnits: StagedUnitsDto | null;
}

export type HierarchySlice = HierarchySliceState & HierarchyActions;

export const initialHierarchyState: HierarchySliceState = {
  hierarchyUnits: null,
  hierarchyIndex: null,
  graphEntities: [],
  graphPaths: null,
  graphPathsFor: null,
  hierarchyError: null,
  graphExpanded: {},
  graphSelected: null,
  graphMembers: null,
  overlayQuery: { principal: null, principalLabel: '', entity: 'account', right: 'Read' },
  overlay: null,
  overlayFor: null,
  overlayError: null,
  graphShowAfter: true,
  graphRoot: null,
  overviewFocus: null,
  overviewSize: 'users',
  overviewColour: 'depth',
  stagedUnits: null,
};

/** The query whose paths are on their way (the overlay and the opening panel may both ask). */
let pathsAsked: OverlayQuery | null = null;

export const createHierarchySlice: StateCreator<AppStore, [], [], HierarchySlice> = (set, get) => ({
  ...initialHierarchyState,

  async loadGraphUnits() {
    const r = await api()['hierarchy:units']({});
    if (!r.ok) {
      set({ hierarchyError: r.error });
      return;
    }
    const index = decodeUnits(r.value.units);
    set({ hierarchyUnits: index.units, hierarchyIndex: index, graphEntities: r.value.entities, hierarchyError: null });
  },

  setGraphUnitOpen(id, open) {
    set((s) => ({ graphExpanded: { ...s.graphExpanded, [id]: open } }));
  },

  expandGraph() {
    const all: Record<string, boolean> = {};
    for (const u of get().hierarchyUnits ?? []) all[u.businessunitid] = true;
    set({ graphExpanded: all });
  },

  collapseGraph() {
    set({ graphExpanded: {} });
  },

  revealGraphUnit(id) {
    const index = get().hierarchyIndex;
    const open: Record<string, boolean> = { ...get().graphExpanded };
    if (index) for (const a of ancestorsOf(index, id)) open[a] = true;
    set({ graphExpanded: open, graphSelected: id });
  },

  selectGraphUnit(id) {
    set({ graphSelected: id, graphMembers: get().graphMembers?.businessunitid === id ? get().graphMembers : null });
  },

  async loadGraphMembers(id) {
    const r = await api()['hierarchy:members']({ businessunitid: id });
    if (r.ok && get().graphSelected === id) set({ graphMembers: r.value });
  },

  setOverlayQuery(q) {
    if (typeof window !== 'undefined') (window.__roleatlasOverview ??= {}).queryAt = performance.now();
    set((s) => ({ overlayQuery: { ...s.overlayQuery, ...q }, ...(q.entity !== undefined || q.right !== undefined ? { stagedUnits: null } : {}) }));
  },

  async loadOverlay() {
    const q = get().overlayQuery;
    if (!q.principal) {
      set({ overlay: null, overlayFor: null, overlayError: null, graphPaths: null, graphPathsFor: null });
      return;
    }
    // The paths are shown in the unit panel only: asked for now if it is open, else when it opens
    // (again after an edit or a staged change: this runs then too).
    const sentAt = performance.now();
    const answer = api()['hierarchy:overlay']({ principal: q.principal, entity: q.entity, right: q.right, staged: true });
    pathsAsked = null;
    set({ graphPathsFor: null });
    if (get().graphSelected !== null) void get().loadGraphPaths();
    const r = await answer;
    if (typeof window !== 'undefined') Object.assign((window.__roleatlasOverview ??= {}), { sentAt, answerAt: performance.now() });
    // A later query may have been sent meanwhile: keep only the answer to the current one.
    if (get().overlayQuery !== q) return;
    if (r.ok) set({ overlay: r.value, overlayFor: q, overlayError: null });
    else set({ overlay: null, overlayFor: null, overlayError: r.error });
  },

  async loadGraphPaths() {
    const q = get().overlayQuery;
    if (!q.principal || get().graphPathsFor === q || pathsAsked === q) return;
    pathsAsked = q;
    const e = await api()['hierarchy:paths']({ principal: q.principal, entity: q.entity, right: q.right });
    if (get().overlayQuery === q) set({ graphPaths: e.ok ? e.value : null, graphPathsFor: q });
  },

  async findGraphTeams(query) {
    const r = await api()['teams:list']({ query, limit: 30 });
    return r.ok ? r.value.rows.map((t) => ({ teamid: t.teamid, name: t.name, businessunitname: t.businessunitname })) : [];
  },

  setGraphShowAfter(on) {
    set({ graphShowAfter: on });
  },

  openGraphOf(id) {
    set({ graphRoot: id, graphSelected: id, graphExpanded: {} });
  },

  showOverview(focus) {
    set({ graphRoot: null, overviewFocus: focus });
  },

  setOverviewSize(size) {
    set({ overviewSize: size });
  },

  setOverviewColour(colour) {
    set({ overviewColour: colour });
  },

  async loadStagedUnits() {
    const q = get().overlayQuery;
    const r = await api()['hierarchy:stagedUnits']({ entity: q.entity, right: q.right });
    if (get().overlayQuery.entity !== q.entity || get().overlayQuery.right !== q.right) return;
    set({ stagedUnits: r.ok ? r.value : null });
  },
});

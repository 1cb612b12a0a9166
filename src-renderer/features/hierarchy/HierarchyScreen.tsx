import '@xyflow/react/dist/style.css';
import './hierarchy.css';
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Background, Controls, MiniMap, Position, ReactFlow, ReactFlowProvider, useReactFlow, type Edge, type NodeMouseHandler, type OnNodeDrag } from '@xyflow/react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ancestorsOf, coloursOf, graphUnits, hierarchySelectors, isWithin, openDepthFor, orgSelectors, stagingSelectors, subtreeOf, useAppStore, type UnitColour } from '../../store';
import { layoutKeyOf, layoutUnits, NODE_HEIGHT, NODE_WIDTH, viewportFitting, warmLayout, type Positions } from './layout';
import { OverviewPane } from './overview/OverviewPane';
import { OverlayLegend, OverlayPicker } from './OverlayPicker';
import { UnitPanel } from './UnitPanel';
import { UnitNode, type UnitFlowNode } from './UnitNode';

const NODE_TYPES = { unit: UnitNode };
/** Nodes added to the graph per frame. */
const REVEAL_BATCH = 25;

/** Marks on window for the end-to-end run: when the graph was first drawn, and how many nodes. */
declare global {
  interface Window {
    __roleatlasGraph?: { firstRenderMs?: number; nodes?: number; layouts?: number; lastLayoutMs?: number };
  }
}

/**
 * The business-unit tree: an overview of every unit (an icicle on a canvas) and, zoomed into a
 * subtree, its detailed graph (pan, zoom, fit, open and close units, a minimap, moves by drag).
 * Both are coloured by the depth a user, team or role reaches each unit at, with the staged
 * changes' difference on top; the search jumps to a unit in either.
 */
export function HierarchyScreen() {
  const units = useAppStore(hierarchySelectors.units);
  const index = useAppStore(hierarchySelectors.unitIndex);
  const graphRoot = useAppStore(hierarchySelectors.graphRoot);
  const focus = useAppStore(hierarchySelectors.overviewFocus);
  const overlayQuery = useAppStore(hierarchySelectors.overlayQuery);
  const mode = useAppStore(hierarchySelectors.overviewColour);
  const revision = useAppStore(orgSelectors.revision);
  const stagedRevision = useAppStore(stagingSelectors.revision);
  const { loadGraphUnits, loadOverlay, loadStagedUnits, showOverview, openGraphOf, revealGraphUnit, selectGraphUnit } = useAppStore.getState();
  const [search, setSearch] = useState('');
  const [searchMiss, setSearchMiss] = useState(false);
  const [highlighted, setHighlighted] = useState<string | null>(null);
  const [focusInGraph, setFocusInGraph] = useState<{ id: string } | null>(null);

  useEffect(() => {
    void loadGraphUnits();
  }, [revision, loadGraphUnits]);
  // ELK loads and warms up in its worker while the overview is read, not when a subtree opens.
  useEffect(() => {
    const t = setTimeout(warmLayout, 500);
    return () => clearTimeout(t);
  }, []);
  useEffect(() => {
    void loadOverlay();
  }, [overlayQuery, revision, stagedRevision, loadOverlay]);
  useEffect(() => {
    if (mode === 'diff-any') void loadStagedUnits();
  }, [mode, overlayQuery.entity, overlayQuery.right, revision, stagedRevision, loadStagedUnits]);

  const at = graphRoot ?? focus;
  const crumbs = useMemo(() => (index && at ? [...ancestorsOf(index, at)].reverse().concat(at) : []), [index, at]);
  const nameOf = (id: string) => index?.units[index.at.get(id) ?? -1]?.name ?? id;

  const jump = (e: FormEvent) => {
    e.preventDefault();
    const needle = search.trim().toLowerCase();
    if (!needle || !units) return;
    const hit = units.find((u) => u.name.toLowerCase() === needle) ?? units.find((u) => u.name.toLowerCase().includes(needle));
    setSearchMiss(!hit);
    if (!hit) return;
    setHighlighted(hit.businessunitid);
    if (graphRoot !== null && index && isWithin(index, hit.businessunitid, graphRoot)) {
      revealGraphUnit(hit.businessunitid);
      setFocusInGraph({ id: hit.businessunitid });
      return;
    }
    if (graphRoot !== null) showOverview(null);
    selectGraphUnit(hit.businessunitid);
  };

  if (!units) return <p aria-busy="true">Loading the business units…</p>;
  return (
    <div className="hierarchy">
      <div className="hierarchy-toolbar">
        <form className="inline" role="search" onSubmit={jump}>
          <input type="search" aria-label="Find a business unit" placeholder="Find a unit…" list="graph-unit-names" value={search} onChange={(e) => setSearch(e.target.value)} aria-invalid={searchMiss || undefined} />
          <datalist id="graph-unit-names">{units.length <= 5000 && units.map((u) => <option key={u.businessunitid} value={u.name} />)}</datalist>
          <button type="submit">Go</button>
        </form>
        <nav aria-label="Breadcrumbs" className="crumbs">
          <button type="button" className="link" aria-current={at === null ? 'page' : undefined} onClick={() => showOverview(null)}>
            Overview of {units.length.toLocaleString()} units
          </button>
          {crumbs.map((id) => (
            <span key={id}>
              {' › '}
              <button type="button" className="link" aria-current={id === at ? 'page' : undefined} onClick={() => showOverview(id)}>
                {nameOf(id)}
              </button>
            </span>
          ))}
          {graphRoot !== null && <span> › detailed graph</span>}
        </nav>
        {graphRoot === null && at !== null && (
          <button type="button" onClick={() => openGraphOf(at)}>
            Open as graph
          </button>
        )}
      </div>
      <OverlayPicker />
      {graphRoot === null ? (
        <OverviewPane highlighted={highlighted} />
      ) : (
        <ReactFlowProvider>
          <HierarchyView key={graphRoot} root={graphRoot} focusRequest={focusInGraph} />
        </ReactFlowProvider>
      )}
    </div>
  );
}

interface PendingMove {
  readonly kind: 'unit' | 'user';
  readonly id: string;
  readonly name: string;
  readonly target: { id: string; name: string };
}

/** The detailed graph of one unit's subtree: all of it when small, its top levels when big. */
function HierarchyView({ root, focusRequest }: { root: string; focusRequest: { id: string } | null }) {
  const index = useAppStore(hierarchySelectors.unitIndex);
  const units = useMemo(() => (index ? subtreeOf(index, root) : null), [index, root]);
  const expanded = useAppStore(hierarchySelectors.expanded);
  const selected = useAppStore(hierarchySelectors.selected);
  const overlay = useAppStore(hierarchySelectors.overlay);
  const showAfter = useAppStore(hierarchySelectors.showAfter);
  const { setGraphUnitOpen, selectGraphUnit, expandGraph, collapseGraph, applyCommand } = useAppStore.getState();
  const flow = useReactFlow();
  const [positions, setPositions] = useState<Positions | null>(null);
  const [dragged, setDragged] = useState<Map<string, { x: number; y: number }>>(new Map());
  const [move, setMove] = useState<PendingMove | null>(null);
  const focusAfterLayout = useRef<string | null>(null);
  const pane = useRef<HTMLDivElement>(null);
  const mountedAt = useRef(performance.now());
  useEffect(() => {
    if (focusRequest) focusAfterLayout.current = focusRequest.id;
  }, [focusRequest]);

  const shown = useMemo(() => (units ? graphUnits(units, expanded, openDepthFor(units.length)) : []), [units, expanded]);
  const layoutKey = useMemo(() => layoutKeyOf(shown), [shown]);
  useEffect(() => {
    let live = true;
    if (!shown.length) return;
    const started = performance.now();
    void layoutUnits(shown, layoutKey).then((p) => {
      if (!live) return;
      (window.__roleatlasGraph ??= {}).lastLayoutMs = performance.now() - started;
      setPositions(p);
      setDragged(new Map());
      const g = (window.__roleatlasGraph ??= {});
      g.layouts = (g.layouts ?? 0) + 1;
    });
    return () => {
      live = false;
    };
    // The layout depends on which units are drawn and where they hang, not on their counts.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layoutKey]);

  // Only the subtree's units: its run of positions in tree order.
  const colours = useMemo(() => {
    const from = index?.at.get(root) ?? 0;
    return index ? coloursOf(overlay, index.units, from, index.end[from] ?? from) : new Map<string, UnitColour>();
  }, [overlay, index, root]);
  const byId = useMemo(() => new Map((units ?? []).map((u) => [u.businessunitid, u])), [units]);
  const onDropUser = useCallback(
    (systemuserid: string, businessunitid: string) => {
      const m = useAppStore.getState().graphMembers;
      const user = m?.users.find((u) => u.systemuserid === systemuserid);
      const target = byId.get(businessunitid);
      if (target) setMove({ kind: 'user', id: systemuserid, name: user?.fullname ?? systemuserid, target: { id: businessunitid, name: target.name } });
    },
    [byId],
  );

  const allNodes: UnitFlowNode[] = useMemo(() => {
    if (!positions) return [];
    return shown
      .filter((u) => positions.has(u.businessunitid))
      .map((u) => ({
        id: u.businessunitid,
        type: 'unit' as const,
        position: dragged.get(u.businessunitid) ?? positions.get(u.businessunitid)!,
        targetPosition: positions.get(u.businessunitid)!.stacked ? Position.Left : Position.Top,
        width: NODE_WIDTH,
        height: NODE_HEIGHT,
        selected: u.businessunitid === selected,
        draggable: u.parentbusinessunitid !== null,
        data: { unit: u, colour: colours.get(u.businessunitid) ?? null, overlaid: !!overlay, showAfter, onToggle: setGraphUnitOpen, onDropUser },
      }));
  }, [positions, dragged, shown, selected, colours, overlay, showAfter, setGraphUnitOpen, onDropUser]);

  // New nodes join a few dozen a frame, so drawing a big subtree never blocks the window for long.
  const drawnIds = useRef<ReadonlySet<string>>(new Set());
  const [reveal, setReveal] = useState<{ positions: Positions | null; budget: number }>({ positions: null, budget: REVEAL_BATCH });
  const budget = reveal.positions === positions ? reveal.budget : REVEAL_BATCH;
  const nodes = useMemo(() => {
    const old: UnitFlowNode[] = [];
    const fresh: UnitFlowNode[] = [];
    for (const n of allNodes) (drawnIds.current.has(n.id) ? old : fresh).push(n);
    return fresh.length <= budget ? allNodes : old.concat(fresh.slice(0, budget));
  }, [allNodes, budget]);
  const fittedFor = useRef<Positions | null>(null);
  useEffect(() => {
    drawnIds.current = new Set(nodes.map((n) => n.id));
    if (nodes.length < allNodes.length) {
      const f = requestAnimationFrame(() => setReveal({ positions, budget: budget + REVEAL_BATCH }));
      return () => cancelAnimationFrame(f);
    }
    // The first layout of this subtree, now whole: fitted to the drawn units at a zoom where names
    // and figures can be read, its top unit at the top (Fit shows all of it; the minimap the rest).
    if (positions && fittedFor.current === null) {
      fittedFor.current = positions;
      const box = pane.current?.getBoundingClientRect();
      const top = positions.get(root);
      if (box && top) requestAnimationFrame(() => void flow.setViewport(viewportFitting(positions, top, box.width, box.height)));
    }
  }, [nodes, allNodes, positions, budget, flow, root]);

  const edges: Edge[] = useMemo(() => {
    if (!positions) return [];
    const drawn = new Set(nodes.map((n) => n.id));
    return shown
      .filter((u) => u.parentbusinessunitid !== null && drawn.has(u.parentbusinessunitid) && drawn.has(u.businessunitid))
      .map((u) => ({ id: `e-${u.businessunitid}`, source: u.parentbusinessunitid!, target: u.businessunitid, type: 'smoothstep', selectable: false, focusable: false }));
  }, [positions, shown, nodes]);

  useEffect(() => {
    if (!nodes.length) return;
    const g = (window.__roleatlasGraph ??= {});
    g.nodes = nodes.length;
    if (g.firstRenderMs === undefined) requestAnimationFrame(() => (g.firstRenderMs = performance.now() - mountedAt.current));
    const focus = focusAfterLayout.current;
    if (focus && nodes.some((n) => n.id === focus)) {
      focusAfterLayout.current = null;
      requestAnimationFrame(() => void flow.fitView({ nodes: [{ id: focus }], duration: 300, maxZoom: 1.2 }));
    }
  }, [nodes, flow]);

  const onNodeClick: NodeMouseHandler<UnitFlowNode> = (_, node) => selectGraphUnit(node.id);
  const onNodeDrag: OnNodeDrag<UnitFlowNode> = (_, node) => setDragged((d) => new Map(d).set(node.id, node.position));
  const onNodeDragStop: OnNodeDrag<UnitFlowNode> = (_, node) => {
    const target = flow.getIntersectingNodes(node).find((n) => n.id !== node.id);
    setDragged(new Map());
    if (!target) return;
    const unit = byId.get(node.id);
    const parent = byId.get(target.id);
    if (unit && parent && unit.parentbusinessunitid !== parent.businessunitid) setMove({ kind: 'unit', id: unit.businessunitid, name: unit.name, target: { id: parent.businessunitid, name: parent.name } });
  };

  if (!units) return <p aria-busy="true">Loading the business units…</p>;
  return (
    <>
      <div className="hierarchy-toolbar graph-toolbar">
        <button type="button" onClick={expandGraph}>
          Expand all
        </button>
        <button type="button" onClick={collapseGraph}>
          Collapse
        </button>
        <button type="button" onClick={() => void flow.fitView({ duration: 200 })}>
          Fit
        </button>
        <span className="muted">
          {shown.length.toLocaleString()} of {units.length.toLocaleString()} units of this subtree drawn
        </span>
      </div>
      <div className="hierarchy-body">
        <div className="hierarchy-graph" aria-label="Business unit graph" role="figure" ref={pane}>
          <ReactFlow<UnitFlowNode, Edge>
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_TYPES}
            onNodeClick={onNodeClick}
            onNodeDrag={onNodeDrag}
            onNodeDragStop={onNodeDragStop}
            onPaneClick={() => selectGraphUnit(null)}
            nodesConnectable={false}
            onlyRenderVisibleElements={nodes.length > 300}
            minZoom={0.05}
            fitView
            proOptions={{ hideAttribution: true }}
            colorMode="system"
          >
            <Background />
            <Controls showInteractive={false} />
            <MiniMap pannable zoomable nodeClassName={(n) => minimapClass(n as UnitFlowNode)} />
          </ReactFlow>
          <OverlayLegend />
        </div>
        {selected && byId.get(selected) && <UnitPanel unit={byId.get(selected)!} />}
      </div>
      {move && (
        <ConfirmDialog
          title={move.kind === 'unit' ? `Move ${move.name}` : `Move ${move.name} to ${move.target.name}`}
          confirmLabel="Move"
          onClose={() => setMove(null)}
          onConfirm={() =>
            applyCommand(move.kind === 'unit' ? { type: 'moveBusinessUnit', businessunitid: move.id, parentbusinessunitid: move.target.id } : { type: 'moveUser', systemuserid: move.id, businessunitid: move.target.id }).then((r) => {
              if (!r) setMove(null);
              return r;
            })
          }
        >
          <p>
            {move.kind === 'unit' ? `${move.name} and every unit below it will hang under ${move.target.name}.` : `${move.name} moves to ${move.target.name}; Dataverse removes the roles the user holds directly.`}{' '}
            {useAppStore.getState().stagingEnabled ? 'The move is staged: review it in Preview before applying.' : 'The move is applied at once.'}
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function minimapClass(n: UnitFlowNode): string {
  const c = n.data.colour;
  if (!n.data.overlaid) return 'minimap-unit';
  const d = (c?.after && n.data.showAfter ? c.after.depth : c?.depth) ?? 'None';
  return `minimap-unit overlay-${d}`;
}

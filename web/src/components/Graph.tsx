// The static graph of a workflow (and of a run, coloured by step status):
// React Flow for drawing, dagre for layout. Groups (Parallel branches, Map
// processors, for_each) are laid out bottom-up: each group's children first,
// then the group as one box in its parent's layout, which keeps dagre's
// graphs small and a 1,000-node layout well under a second. The layout is
// computed once per graph; status changes only recolour nodes.
import { memo, useMemo } from 'react'
import { ReactFlow, Background, Controls, MiniMap, Handle, Position, type Node, type Edge, type NodeProps } from '@xyflow/react'
import dagre from '@dagrejs/dagre'
import '@xyflow/react/dist/style.css'
import { layered } from '../fastlayout'
import { color, mark, type Step } from '../status'

export interface GNode { id: string; label: string; type: string; parent: string }
export interface GEdge { source: string; target: string; kind: string }
export interface GraphData { nodes: GNode[]; edges: GEdge[] }

const GROUP_TYPES = new Set(['Parallel', 'Branch', 'Map', 'for_each'])
const NODE_W = 170, NODE_H = 40, PAD = 16, HEAD = 26
// BIG_LEVEL: above this many nodes in one level, the linear-time layered layout replaces dagre.
const BIG_LEVEL = 100

interface Placed { node: GNode; x: number; y: number; w: number; h: number; group: boolean }

export function layout(g: GraphData): Placed[] {
  const byParent = new Map<string, GNode[]>()
  const byId = new Map<string, GNode>()
  for (const n of g.nodes) {
    byId.set(n.id, n)
    const p = n.parent && n.parent !== n.id ? n.parent : ''
    if (!byParent.has(p)) byParent.set(p, [])
    byParent.get(p)!.push(n)
  }
  // for nodes whose parent is unknown, treat them as top level
  for (const [p, list] of byParent) if (p && !byId.has(p)) { byParent.delete(p); byParent.set('', [...(byParent.get('') || []), ...list]) }
  const isGroup = (n: GNode) => GROUP_TYPES.has(n.type) && byParent.has(n.id)
  // ancestorAt: the ancestor of id (or id itself) whose parent is level.
  const ancestorAt = (id: string, level: string): string | undefined => {
    let cur = byId.get(id)
    let guard = 0
    while (cur && guard++ < 1000) {
      const p = cur.parent && byId.has(cur.parent) ? cur.parent : ''
      if (p === level) return cur.id
      cur = byId.get(p)
    }
    return undefined
  }
  const size = new Map<string, { w: number; h: number }>()
  const rel = new Map<string, { x: number; y: number }>()
  const lay = (level: string): { w: number; h: number } => {
    const kids = byParent.get(level) || []
    for (const k of kids) size.set(k.id, isGroup(k) ? lay(k.id) : { w: NODE_W, h: NODE_H })
    const lifted: [string, string][] = []
    for (const e of g.edges) {
      const a = ancestorAt(e.source, level), b = ancestorAt(e.target, level)
      if (a && b && a !== b) lifted.push([a, b])
    }
    let w = 0, h = 0
    if (kids.length > BIG_LEVEL) {
      // dagre's crossing minimisation is too slow on large levels
      const r = layered(kids.map(k => k.id), size, lifted)
      for (const [id, p] of r.pos) rel.set(id, p)
      w = r.w; h = r.h
    } else {
      const dg = new dagre.graphlib.Graph({ multigraph: false })
      dg.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, marginx: 0, marginy: 0 })
      dg.setDefaultEdgeLabel(() => ({}))
      for (const k of kids) { const s = size.get(k.id)!; dg.setNode(k.id, { width: s.w, height: s.h }) }
      for (const [a, b] of lifted) dg.setEdge(a, b)
      // Branches of a Parallel and the processors of a Map have no edges
      // between them: dagre puts them side by side.
      dagre.layout(dg)
      for (const k of kids) {
        const n = dg.node(k.id) as any
        const s = size.get(k.id)!
        const x = n.x - s.w / 2, y = n.y - s.h / 2
        rel.set(k.id, { x, y })
        w = Math.max(w, x + s.w); h = Math.max(h, y + s.h)
      }
    }
    return level === '' ? { w, h } : { w: Math.max(w + 2 * PAD, NODE_W), h: h + PAD + HEAD }
  }
  lay('')
  const out: Placed[] = []
  const emit = (level: string) => {
    for (const k of byParent.get(level) || []) {
      const r = rel.get(k.id)!, s = size.get(k.id)!
      const off = level === '' ? { x: 0, y: 0 } : { x: PAD, y: HEAD }
      out.push({ node: k, x: r.x + off.x, y: r.y + off.y, w: s.w, h: s.h, group: isGroup(k) })
      if (isGroup(k)) emit(k.id)
    }
  }
  emit('')
  return out
}

interface NData extends Record<string, unknown> { label: string; type: string; status: string; step?: Step; group: boolean; selected: boolean }

const StepNode = memo(function StepNode({ id, data }: NodeProps<Node<NData>>) {
  const st = data.status
  const it = data.step?.iterations
  const title = `${data.label} (${data.type})${st ? ': ' + st : ''}${it ? ` — ${it.succeeded}/${it.total} done, ${it.failed} failed` : ''}`
  if (data.group) {
    return <div className="gnode group" data-testid="node" data-id={id} data-status={st} title={title}
      style={{ borderColor: st ? color(st) : undefined, outline: data.selected ? '2px solid #0969da' : undefined }}>
      <Handle type="target" position={Position.Top} />
      <div className="ghead">{data.type}: {data.label}{st ? ` — ${mark(st)} ${st}` : ''}{it ? ` (${it.succeeded}/${it.total})` : ''}</div>
      <Handle type="source" position={Position.Bottom} />
    </div>
  }
  const dark = st && st !== 'PENDING'
  return <div className="gnode" data-testid="node" data-id={id} data-status={st} title={title}
    style={{ background: st ? color(st) : '#fff', color: dark ? '#fff' : '#24292f', outline: data.selected ? '3px solid #0969da' : undefined }}>
    <Handle type="target" position={Position.Top} />
    <div className="nlabel">{st ? mark(st) + ' ' : ''}{data.label}</div>
    <div className="ntype">{data.type}{st ? ' · ' + st : ''}</div>
    <Handle type="source" position={Position.Bottom} />
  </div>
})

const nodeTypes = { step: StepNode }

export function Graph(p: { graph: GraphData; steps?: Map<string, Step>; selected?: string; onSelect?: (id: string) => void; height?: number }) {
  const placed = useMemo(() => {
    const t = performance.now()
    const out = layout(p.graph)
    // exposed for the benchmark and the browser tests: how long the layout took
    document.documentElement.dataset.layoutMs = String(Math.round(performance.now() - t))
    return out
  }, [p.graph])
  const big = p.graph.nodes.length > 200
  const edges: Edge[] = useMemo(() => p.graph.edges.map((e, i) => ({
    id: 'e' + i, source: e.source, target: e.target,
    style: e.kind === 'catch' ? { stroke: '#cf222e', strokeDasharray: '4 3' } : e.kind === 'default' ? { strokeDasharray: '2 2' } : undefined,
    label: big ? undefined : e.kind === 'catch' ? 'catch' : e.kind === 'default' ? 'default' : undefined,
  })), [p.graph, big])
  const nodes: Node<NData>[] = useMemo(() => placed.map(pl => {
    const step = p.steps?.get(pl.node.id)
    return {
      id: pl.node.id, type: 'step', position: { x: pl.x, y: pl.y },
      parentId: pl.node.parent && placed.length ? (pl.node.parent || undefined) : undefined,
      style: { width: pl.w, height: pl.h, zIndex: pl.group ? 0 : 1 },
      draggable: false, connectable: false, selectable: true,
      data: { label: pl.node.label, type: pl.node.type, status: step?.status || '', step, group: pl.group, selected: p.selected === pl.node.id },
    }
  }), [placed, p.steps, p.selected])
  const ids = useMemo(() => new Set(placed.map(x => x.node.id)), [placed])
  for (const n of nodes) if (n.parentId && !ids.has(n.parentId)) n.parentId = undefined
  return <div className="graph" data-testid="graph" style={{ height: p.height || 560 }}>
    <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} fitView minZoom={0.05} maxZoom={2}
      onlyRenderVisibleElements={big} nodesDraggable={false} nodesConnectable={false} elementsSelectable
      onNodeClick={(_, n) => p.onSelect?.(n.id)} proOptions={{ hideAttribution: true }}>
      <Background />
      <Controls showInteractive={false} />
      {!big && <MiniMap pannable zoomable nodeColor={n => (n.data as NData).group ? 'transparent' : color((n.data as NData).status) } />}
    </ReactFlow>
  </div>
}

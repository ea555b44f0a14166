import { useMemo } from 'react'
import { ReactFlow, Background, Controls, Handle, Position, type Node, type Edge, type NodeProps } from '@xyflow/react'
import dagre from '@dagrejs/dagre'
import { navigate, useTitle } from '../router'
import { ErrorBox, useApi } from '../components/common'
import { wfPath } from './Workflows'

const HEALTH: Record<string, [string, string]> = {
  ok: ['#1a7f37', '✓ ok'], failing: ['#cf222e', '✗ failing'], late: ['#bf8700', '⏱ late'], 'never-run': ['#57606a', '· never run'],
}

function LNode({ data }: NodeProps<Node<any>>) {
  const [c, label] = data.dataset ? ['#8c959f', 'dataset'] : HEALTH[data.health] || ['#57606a', data.health]
  return <div className="gnode" data-testid={data.dataset ? 'lineage-dataset' : 'lineage-node'} data-name={data.name} data-health={data.health}
    style={{ borderColor: c, borderWidth: 3, background: data.dataset ? '#f6f8fa' : '#fff', cursor: data.dataset ? 'default' : 'pointer' }} title={data.title}>
    <Handle type="target" position={Position.Left} />
    <div className="nlabel">{data.name}</div>
    <div className="ntype" style={{ color: c }}>{data.dataset ? 'dataset' : `${data.namespace} · ${label}`}</div>
    <Handle type="source" position={Position.Right} />
  </div>
}
const nodeTypes = { l: LNode }

export function Lineage() {
  useTitle('Lineage')
  const { data, error } = useApi<any>('/api/v1/lineage?namespace=*')
  const { nodes, edges } = useMemo(() => {
    const nodes: Node[] = [], edges: Edge[] = []
    if (!data) return { nodes, edges }
    const g = new dagre.graphlib.Graph()
    g.setGraph({ rankdir: 'LR', nodesep: 20, ranksep: 60 })
    g.setDefaultEdgeLabel(() => ({}))
    for (const p of data.pipelines || []) g.setNode(p.arn, { width: 190, height: 44 })
    ;(data.datasets || []).forEach((d: any) => g.setNode('ds:' + d.uri, { width: 190, height: 44 }))
    const add = (s: string, t: string, kind: string) => { if (g.hasNode(s) && g.hasNode(t)) { g.setEdge(s, t); edges.push({ id: 'e' + edges.length, source: s, target: t, label: kind === 'dataset' ? undefined : kind, style: kind === 'event' ? { strokeDasharray: '4 3' } : undefined }) } }
    for (const d of data.datasets || []) {
      for (const a of d.producers || []) add(a, 'ds:' + d.uri, 'dataset')
      for (const a of d.consumers || []) add('ds:' + d.uri, a, 'dataset')
    }
    for (const e of data.edges || []) if (e.kind !== 'dataset') add(e.source, e.target, e.kind)
    dagre.layout(g)
    for (const p of data.pipelines || []) {
      const n = g.node(p.arn)
      nodes.push({ id: p.arn, type: 'l', position: { x: n.x - 95, y: n.y - 22 }, data: { ...p, title: `${p.namespace}/${p.name}: ${p.health}${p.lastStatus ? ', last ' + p.lastStatus : ''}` } })
    }
    for (const d of data.datasets || []) {
      const n = g.node('ds:' + d.uri)
      nodes.push({ id: 'ds:' + d.uri, type: 'l', position: { x: n.x - 95, y: n.y - 22 }, data: { dataset: true, name: d.uri, title: d.uri } })
    }
    return { nodes, edges }
  }, [data])
  return <div>
    <div className="toolbar"><h1>Lineage</h1><span className="muted">pipelines, their datasets and triggers across namespaces; colour and text tell health</span></div>
    <ErrorBox error={error} />
    {data && <div className="graph" style={{ height: Math.max(400, window.innerHeight - 160) }}>
      <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} fitView nodesDraggable={false} nodesConnectable={false} minZoom={0.05}
        onlyRenderVisibleElements={nodes.length > 200} proOptions={{ hideAttribution: true }}
        onNodeClick={(_, n) => { const d = n.data as any; if (!d.dataset) navigate(wfPath(d.namespace, d.name)) }}>
        <Background /><Controls showInteractive={false} />
      </ReactFlow>
    </div>}
  </div>
}

import { useMemo, useState } from 'react'
import { api, q, execArn } from '../api'
import { Link, navigate, setQuery, useTitle } from '../router'
import { ErrorBox, Square, Tabs, fmtTime, useApi, useExecutionEvents } from '../components/common'
import { Graph, type GraphData } from '../components/Graph'
import { Code } from '../components/Highlight'
import { wfPath } from './Workflows'

const TABS = ['graph', 'definition', 'runs', 'triggers', 'versions']

// aslGraph draws an ASL definition when the server has no graph route yet.
export function aslGraph(def: any): GraphData {
  const g: GraphData = { nodes: [], edges: [] }
  const walk = (states: any, parent: string, prefix: string) => {
    for (const [name, s] of Object.entries<any>(states || {})) {
      g.nodes.push({ id: name, label: name, type: s.Type, parent })
      if (s.Next) g.edges.push({ source: name, target: s.Next, kind: 'next' })
      if (s.Default) g.edges.push({ source: name, target: s.Default, kind: 'default' })
      for (const c of s.Choices || []) if (c.Next) g.edges.push({ source: name, target: c.Next, kind: 'choice' })
      for (const c of s.Catch || []) if (c.Next) g.edges.push({ source: name, target: c.Next, kind: 'catch' })
      ;(s.Branches || []).forEach((b: any, i: number) => {
        const bid = `${name}#branch${i + 1}`
        g.nodes.push({ id: bid, label: `Branch ${i + 1}`, type: 'Branch', parent: name })
        walk(b.States, bid, prefix)
      })
      const proc = s.ItemProcessor || s.Iterator
      if (proc) walk(proc.States, name, prefix)
    }
  }
  if (def && typeof def === 'object') walk(def.States, '', '')
  return g
}

export function useGraph(name: string, ns: string, definition: any, version?: string) {
  const r = useApi<GraphData>(`/api/v1/workflows/${encodeURIComponent(name)}/graph` + q({ namespace: ns, version }))
  const fallback = useMemo(() => definition && typeof definition === 'object' ? aslGraph(definition) : undefined, [definition])
  const missing = (r.error as any)?.missing
  return { graph: r.data || (missing ? fallback : undefined), error: missing && fallback ? undefined : r.error }
}

export function Workflow({ namespace, name }: { namespace: string; name: string }) {
  useTitle(name)
  const sp = new URLSearchParams(location.search)
  const tab = TABS.includes(sp.get('tab') || '') ? sp.get('tab')! : 'graph'
  const base = `/api/v1/workflows/${encodeURIComponent(name)}`
  const wf = useApi<any>(base + q({ namespace }))
  const g = useGraph(name, namespace, wf.data?.definition)
  const [starting, setStarting] = useState(sp.get('start') === '1')
  return <div>
    <div className="toolbar">
      <h1><Link to={'/ui/?ns=' + encodeURIComponent(namespace)}>{namespace}</Link> / {name}</h1>
      <span className="grow" />
      <button className="primary" data-testid="start" onClick={() => setStarting(true)}>Start a run</button>
    </div>
    <ErrorBox error={wf.error} />
    {starting && <StartForm namespace={namespace} name={name} stateMachineArn={wf.data?.stateMachineArn} onClose={() => setStarting(false)} />}
    <Tabs tabs={TABS} current={tab} onSelect={t => setQuery({ tab: t === 'graph' ? null : t }, true)} />
    {tab === 'graph' && <>{g.error ? <ErrorBox error={g.error} /> : g.graph ? <Graph graph={g.graph} height={Math.max(400, window.innerHeight - 220)} /> : <p className="muted">loading…</p>}</>}
    {tab === 'definition' && wf.data && <Code text={typeof wf.data.definition === 'string' ? wf.data.definition : JSON.stringify(wf.data.definition, null, 2)} />}
    {tab === 'runs' && <RunsGrid namespace={namespace} name={name} />}
    {tab === 'triggers' && <Triggers namespace={namespace} name={name} />}
    {tab === 'versions' && <Versions namespace={namespace} name={name} />}
  </div>
}

function StartForm(p: { namespace: string; name: string; stateMachineArn?: string; onClose: () => void }) {
  const [text, setText] = useState('{}')
  const [runName, setRunName] = useState('')
  const [err, setErr] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  let parseErr = ''
  try { JSON.parse(text) } catch (e) { parseErr = (e as Error).message }
  const submit = async () => {
    if (parseErr) return
    setBusy(true); setErr(undefined)
    try {
      const r = await api(`/api/v1/workflows/${encodeURIComponent(p.name)}/executions` + q({ namespace: p.namespace }),
        { method: 'POST', body: { input: JSON.parse(text), ...(runName ? { name: runName } : {}) } })
      const n = r.executionArn.slice(r.executionArn.lastIndexOf(':') + 1)
      navigate(wfPath(p.namespace, p.name) + '/runs/' + encodeURIComponent(n))
    } catch (e) { setErr(e); setBusy(false) }
  }
  return <div className="card">
    <h2>Start {p.name}</h2>
    <label>Run name (optional) <input value={runName} onChange={e => setRunName(e.target.value)} placeholder="a UUID by default" /></label>
    <label>Input (JSON)</label>
    <textarea data-testid="input-editor" className="editor" rows={10} spellCheck={false} value={text} onChange={e => setText(e.target.value)} />
    {parseErr ? <div className="error" data-testid="error">Not valid JSON: {parseErr}</div> : <div className="muted">valid JSON</div>}
    <ErrorBox error={err} />
    <div className="row">
      <button className="primary" data-testid="start-submit" disabled={!!parseErr || busy} onClick={submit}>Start</button>
      <button onClick={p.onClose}>Cancel</button>
    </div>
  </div>
}

interface Grid { runs: { executionArn: string; name: string; status: string; startDate: number; stopDate?: number }[]; steps: string[]; cells: string[][]; next?: string }

function RunsGrid({ namespace, name }: { namespace: string; name: string }) {
  const sp = new URLSearchParams(location.search)
  const page = sp.get('page') || ''
  const [prev, setPrev] = useState<string[]>([])
  const { data, error, loading, reload } = useApi<Grid>(`/api/v1/workflows/${encodeURIComponent(name)}/grid` + q({ namespace, limit: 50, next: page }))
  useExecutionEvents(() => { if (!page) reload() }, name)
  // A server without the grid route: the runs alone, from the executions list.
  const older = (error as any)?.missing
  const list = useApi<any>(older ? '/api/v1/executions' + q({ workflow: name, namespace, limit: 100 }) : null)
  return <div>
    <div className="toolbar">
      <button disabled={!page} onClick={() => { const p = [...prev]; const t = p.pop(); setPrev(p); setQuery({ page: t || null }) }}>Newer</button>
      <button disabled={!data?.next} onClick={() => { setPrev([...prev, page]); setQuery({ page: data!.next! }) }}>Older</button>
      {loading && <span className="muted">loading…</span>}
    </div>
    <ErrorBox error={error} />
    {older && list.data && <table className="tbl"><tbody>{(list.data.executions || []).map((r: any) => <tr key={r.executionArn}>
      <td><Square status={r.status} title={r.status} /> {r.status}</td>
      <td><Link to={wfPath(namespace, name) + '/runs/' + encodeURIComponent(r.name)}>{r.name}</Link></td><td>{fmtTime(r.startDate)}</td><td>{fmtTime(r.stopDate)}</td></tr>)}</tbody></table>}
    {data && <div className="grid-wrap"><table className="grid">
      <thead><tr><th>step \ run</th>{data.runs.map(r => <th key={r.executionArn} className="gcol">
        <Link to={wfPath(namespace, name) + '/runs/' + encodeURIComponent(r.name)} title={`${r.name}: ${r.status}, ${fmtTime(r.startDate)}`}>
          <Square status={r.status} title={`${r.name}: ${r.status}`} /></Link></th>)}</tr></thead>
      <tbody>{data.steps.map((s, si) => <tr key={s}><th className="ell" title={s}>{s}</th>
        {data.runs.map((r, ri) => {
          const st = data.cells[ri]?.[si] || ''
          return <td key={r.executionArn}>
            <Link to={wfPath(namespace, name) + '/runs/' + encodeURIComponent(r.name) + '?step=' + encodeURIComponent(s)} title={`${r.name} / ${s}: ${st || 'not run'}`}>
              <Square status={st} testid="grid-cell" title={`${r.name} / ${s}: ${st || 'not run'}`} extra={{ 'data-run': r.name, 'data-step': s }} /></Link></td>
        })}</tr>)}</tbody>
    </table></div>}
  </div>
}

function Triggers({ namespace, name }: { namespace: string; name: string }) {
  const { data, error } = useApi<any>(`/api/v1/workflows/${encodeURIComponent(name)}/triggers` + q({ namespace }))
  if (error) return <ErrorBox error={error} />
  if (!data) return <p className="muted">loading…</p>
  return <div data-testid="triggers">
    <h2>Why did it (not) run?</h2>
    {(Array.isArray(data.summary) ? data.summary : [data.summary]).filter(Boolean).map((s: string, i: number) => <p key={i}>{s}</p>)}
    {(data.schedules || []).map((s: any, i: number) => <div key={i} className="card">
      <b>Schedule</b> <code>{s.expression}</code> {s.timezone && <span className="muted">({s.timezone})</span>}
      <div>Next: {(s.next || []).map((t: any) => typeof t === 'number' ? fmtTime(t) : String(t)).join(', ') || 'none'}</div>
      {s.overlap && <div className="muted">overlap: {s.overlap}{s.catchup ? ', catch-up' : ''}</div>}
    </div>)}
    {data.executions && <div className="card"><b>Upstream</b> ({data.executions.operator}) {data.executions.met ? 'met' : 'waiting'}
      <ul>{(data.executions.conditions || []).map((c: any, i: number) => <li key={i}>{c.namespace ? c.namespace + '/' : ''}{c.workflow} {(c.statuses || []).join('|')}: {c.met ? 'met' : 'waiting'}</li>)}</ul></div>}
    {(data.data || []).map((d: any, i: number) => <div key={i} className="card"><b>Data</b> <code>{d.path}</code>: {d.waiting || 0} waiting{d.error ? <span className="error"> {d.error}</span> : ''}</div>)}
    {data.eventPattern && <div className="card"><b>Event pattern</b><Code text={typeof data.eventPattern === 'string' ? data.eventPattern : JSON.stringify(data.eventPattern, null, 2)} /></div>}
  </div>
}

function Versions({ namespace, name }: { namespace: string; name: string }) {
  const { data, error } = useApi<any>(`/api/v1/workflows/${encodeURIComponent(name)}/versions` + q({ namespace }))
  return <div><ErrorBox error={error} />
    {data && (data.stateMachineVersions || []).length === 0 && <p className="muted">No published versions.</p>}
    <table className="tbl"><tbody>{(data?.stateMachineVersions || []).map((v: any) => <tr key={v.stateMachineVersionArn}>
      <td>{v.stateMachineVersionArn.slice(v.stateMachineVersionArn.lastIndexOf(':') + 1)}</td><td>{fmtTime(v.creationDate)}</td><td className="muted">{v.description}</td></tr>)}</tbody></table>
  </div>
}

export { execArn }

import { useMemo, useState } from 'react'
import { q } from '../api'
import { Link, setQuery, useTitle } from '../router'
import { ErrorBox, Square, VList, fmtTime, useApi, useExecutionEvents } from '../components/common'

interface Run { executionArn: string; name: string; status: string; startDate: number; stopDate?: number }
interface WF {
  stateMachineArn: string; name: string; namespace?: string; kind?: string; tags?: Record<string, string>
  triggerKinds?: string[]; nextRun?: number | null; recentRuns?: Run[]
}

export function wfPath(ns: string, name: string) { return `/ui/workflows/${encodeURIComponent(ns)}/${encodeURIComponent(name)}` }

// Workflows lists every workflow (1,000 and more: rows are virtualised).
export function Workflows({ namespace }: { namespace: string }) {
  useTitle('Workflows')
  const ns = namespace || '*'
  const sp = new URLSearchParams(location.search)
  const [search, setSearch] = useState(sp.get('q') || '')
  const status = sp.get('status') || ''
  const kind = sp.get('kind') || ''
  const all = useApi<{ stateMachines: WF[] }>('/api/v1/workflows' + q({ namespace: ns, runs: 10, limit: 1000 }))
  // A server older than the UI knows no namespace "*": show the default one.
  const older = ns === '*' && !!all.error
  const one = useApi<{ stateMachines: WF[] }>(older ? '/api/v1/workflows' + q({ runs: 10, limit: 1000 }) : null)
  const { data, loading } = older ? one : all
  useExecutionEvents(() => (older ? one : all).reload())
  const error = older ? one.error || new Error('this server lists one namespace at a time (needs a newer server for all namespaces): showing default') : all.error
  const rows = useMemo(() => {
    const s = search.toLowerCase()
    return (data?.stateMachines || []).filter(w =>
      (!s || w.name.toLowerCase().includes(s) || Object.entries(w.tags || {}).some(([k, v]) => (k + '=' + v).toLowerCase().includes(s))) &&
      (!kind || w.kind === kind) &&
      (!status || (w.recentRuns?.[0]?.status || 'NONE') === status))
  }, [data, search, status, kind])
  const rowH = 34
  const height = Math.min(rows.length * rowH + 2, Math.max(300, window.innerHeight - 190))
  return <div>
    <div className="toolbar">
      <h1>Workflows</h1>
      <input data-testid="search" type="search" placeholder="Search names and tags" value={search}
        onChange={e => { setSearch(e.target.value); setQuery({ q: e.target.value }) }} />
      <select aria-label="status of the last run" data-testid="filter-status" value={status} onChange={e => setQuery({ status: e.target.value })}>
        <option value="">any last status</option>
        {['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'NONE'].map(s => <option key={s} value={s}>{s === 'NONE' ? 'never run' : s}</option>)}
      </select>
      <select aria-label="kind" data-testid="filter-kind" value={kind} onChange={e => setQuery({ kind: e.target.value })}>
        <option value="">pipelines and state machines</option><option value="pipeline">pipelines</option><option value="asl">state machines</option>
      </select>
      <span className="muted">{loading ? 'loading…' : `${rows.length} of ${data?.stateMachines?.length || 0}`}</span>
    </div>
    <ErrorBox error={error} />
    <div className="wf-head wf-row"><span>Name</span><span>Namespace</span><span>Kind</span><span>Recent runs (newest first)</span><span>Next run</span><span>Triggers</span><span>Tags</span></div>
    <VList items={rows} rowHeight={rowH} height={height} row={w => {
      const wns = w.namespace || (ns === '*' ? 'default' : ns)
      return <div className="wf-row" data-testid="workflow-row" data-name={w.name} data-namespace={wns}>
        <span className="ell"><Link to={wfPath(wns, w.name)}>{w.name}</Link></span>
        <span className="ell muted">{wns}</span>
        <span className="muted">{w.kind || ''}</span>
        <span className="strip">{(w.recentRuns || []).map(r =>
          <Link key={r.executionArn} to={wfPath(wns, w.name) + '/runs/' + encodeURIComponent(r.name)} title={`${r.name}: ${r.status}, ${fmtTime(r.startDate)}`}>
            <Square status={r.status} testid="run-square" title={`${r.name}: ${r.status}`} /></Link>)}</span>
        <span className="muted">{w.nextRun ? fmtTime(w.nextRun) : ''}</span>
        <span className="ell">{(w.triggerKinds || []).map(k => <span key={k} className="chip">{k}</span>)}</span>
        <span className="ell">{Object.entries(w.tags || {}).map(([k, v]) => <span key={k} className="chip tag">{k}={v}</span>)}</span>
      </div>
    }} />
  </div>
}

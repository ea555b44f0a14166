import { useEffect, useMemo, useRef, useState } from 'react'
import { api, q, sse, execArn, ApiError } from '../api'
import { navigate, setQuery, useTitle } from '../router'
import { Confirm, ErrorBox, StatusBadge, VList, fmtTime, useApi } from '../components/common'
import { Graph } from '../components/Graph'
import { Gantt } from '../components/Gantt'
import { Code } from '../components/Highlight'
import { color, mark, applyEvent, stateFromSteps, emptySteps, type HistoryEvent, type Step, type StepState } from '../status'
import { useGraph } from './Workflow'
import { wfPath } from './Workflows'

const ENDED = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'])

// HISTORY_PAGE is the page size of the stored history's reads (the API's largest).
const HISTORY_PAGE = 1000

function eventStep(e: HistoryEvent, owner: Map<number, string>): string {
  return owner.get(e.id) || ''
}

// useRun follows a run: /steps first, then its stored history and its
// stream, updating the steps with the same mapping as the server's
// (batched once per frame).
function useRun(arn: string | undefined, pipeline: boolean) {
  const [exec, setExec] = useState<any>()
  const [error, setError] = useState<unknown>()
  const [version, setVersion] = useState(0)
  // follow counts the times the run was made to go again (redrive, retry):
  // its stream, closed at its end, is opened anew.
  const [follow, setFollow] = useState(0)
  const st = useRef<StepState>(emptySteps(pipeline))
  const events = useRef<HistoryEvent[]>([])
  useEffect(() => {
    if (!arn) return
    st.current.pipeline = pipeline
    let stop = () => {}
    let live = true
    let pending = false
    const bump = () => { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; if (live) setVersion(v => v + 1) }) } }
    const seed = async () => {
      try {
        const s = await api<{ steps: Step[]; lastEventId: number }>(`/api/v1/executions/${encodeURIComponent(arn)}/steps`)
        const fresh = stateFromSteps(s.steps, s.lastEventId, pipeline)
        // the events seen teach it the owners (those up to the seed's last
        // id change no status); the ones still to come go on from there
        for (const e of events.current) applyEvent(fresh, e)
        st.current = fresh
        bump()
      } catch (e) { if (!(e instanceof ApiError && e.missing)) setError(e) }
    }
    api(`/api/v1/executions/${encodeURIComponent(arn)}`).then(setExec, setError)
    seed()
    const seen = new Set<number>(events.current.map(e => e.id)) // a stream opened again replays what came before
    // take keeps an event not seen yet and records its step (owner), for
    // the history's step filter.
    const take = (e: HistoryEvent) => {
      if (seen.has(e.id)) return
      seen.add(e.id)
      events.current.push(e)
      applyEvent(st.current, e)
    }
    const lastId = () => events.current.length ? events.current[events.current.length - 1].id : 0
    // The stored history comes a page at a time, then the stream follows
    // from the last event read: a run of 10,000 events is a few answers,
    // not 10,000 stream events each read, parsed and drawn on its own
    // while the page is being used.
    const load = async () => {
      if (!lastId()) {
        try {
          let next = ''
          do {
            const h = await api<{ events: HistoryEvent[]; nextToken?: string }>(`/api/v1/executions/${encodeURIComponent(arn)}/history` + q({ limit: HISTORY_PAGE, data: 'false', next }))
            if (!live) return
            for (const e of h.events) take(e)
            bump()
            next = h.nextToken || ''
          } while (next)
        } catch { /* the stream sends what the pages did not (an express run has none) */ }
      }
      if (!live) return
      stop = sse(`/api/v1/executions/${encodeURIComponent(arn)}/events` + q({ data: 'false', after: lastId() || null }), {
        stopOn: ['end'],
        onOpen: re => { if (re) seed() },
        onError: setError,
        onMessage: m => {
          if (m.event === 'history') {
            const e = JSON.parse(m.data) as HistoryEvent
            if (seen.has(e.id)) return
            take(e)
            if (e.type.startsWith('Execution')) api(`/api/v1/executions/${encodeURIComponent(arn)}`).then(setExec, () => {})
            bump()
          } else if (m.event === 'end') {
            setExec(JSON.parse(m.data))
            seed()
          }
        },
      })
    }
    load()
    return () => { live = false; stop() }
  }, [arn, follow, pipeline])
  return { exec, error, steps: st.current.steps, owner: st.current.owner, events: events.current, version, setExec, refollow: () => setFollow(f => f + 1) }
}

export function Run({ namespace, workflow, name }: { namespace: string; workflow: string; name: string }) {
  useTitle(`${workflow} / ${name}`)
  const sp = new URLSearchParams(location.search)
  const selected = sp.get('step') || ''
  const view = sp.get('view') || 'graph'
  const wf = useApi<any>(`/api/v1/workflows/${encodeURIComponent(workflow)}` + q({ namespace }))
  const arn = wf.data ? execArn(wf.data.stateMachineArn, name) : undefined
  // A pipeline: the server says so (kind), or its definition is pipeline.yaml text (an ASL one has StartAt).
  const def = wf.data?.definition
  const isPipeline = !!wf.data && (wf.data.kind === 'pipeline' || (typeof def === 'string' && !/\bStartAt\b/.test(def)))
  const run = useRun(arn, isPipeline)
  const g = useGraph(workflow, namespace, wf.data?.definition)
  const steps = useMemo(() => new Map(run.steps), [run.version, run.steps])
  const [confirm, setConfirm] = useState<{ text: string; act: () => Promise<void> }>()
  const [actErr, setActErr] = useState<unknown>()
  const status = run.exec?.status || ''
  const post = (path: string, body?: unknown) => api(`/api/v1/executions/${encodeURIComponent(arn!)}` + path, { method: 'POST', body })
  const act = (text: string, f: () => Promise<void>) => setConfirm({ text, act: f })
  return <div>
    <div className="toolbar">
      <h1><a href={wfPath(namespace, workflow)} onClick={e => { e.preventDefault(); navigate(wfPath(namespace, workflow)) }}>{workflow}</a> / {name}</h1>
      {status && <span className="badge" style={{ background: color(status), color: '#fff' }}>{mark(status)} <span data-testid="run-status">{status}</span></span>}
      <span className="muted">{run.exec && `started ${fmtTime(run.exec.startDate)}${run.exec.stopDate ? ', ended ' + fmtTime(run.exec.stopDate) : ''}`}</span>
      <span className="grow" />
      <button data-testid="action-stop" disabled={status !== 'RUNNING'} onClick={() => act(`Stop ${name}?`, async () => { await post('/stop', {}) })}>Stop</button>
      <button data-testid="action-redrive" disabled={!ENDED.has(status) || status === 'SUCCEEDED'} onClick={() => act(`Redrive ${name} from where it failed?`, async () => { await post('/redrive', {}); run.refollow() })}>Redrive</button>
      {isPipeline && <button data-testid="action-retry" disabled={!ENDED.has(status) || !selected} title={selected ? '' : 'select a step on the graph first'}
        onClick={() => act(`Run step ${selected} and everything downstream of it again?`, async () => { await post('/retry', { from: selected }); run.refollow() })}>Retry from {selected || 'step'}</button>}
      <button data-testid="action-rerun" disabled={!run.exec} onClick={() => act(`Start ${workflow} again with the same input?`, async () => {
        const r = await api(`/api/v1/workflows/${encodeURIComponent(workflow)}/executions` + q({ namespace }), { method: 'POST', body: { input: run.exec.input ?? {} } })
        navigate(wfPath(namespace, workflow) + '/runs/' + encodeURIComponent(r.executionArn.slice(r.executionArn.lastIndexOf(':') + 1)))
      })}>Start again</button>
    </div>
    <ErrorBox error={wf.error || run.error || actErr} />
    {run.exec?.error && <div className="error">{run.exec.error}: {run.exec.cause}</div>}
    {confirm && <Confirm text={confirm.text} onNo={() => setConfirm(undefined)} onYes={() => {
      const c = confirm; setConfirm(undefined); setActErr(undefined)
      c.act().then(() => { if (arn) api(`/api/v1/executions/${encodeURIComponent(arn)}`).then(run.setExec, () => {}) }, setActErr)
    }} />}
    <div className="tabs">
      {['graph', 'gantt', 'history'].map(v => <button key={v} className={v === view ? 'tab on' : 'tab'} data-testid={'view-' + v} onClick={() => setQuery({ view: v === 'graph' ? null : v }, true)}>{v[0].toUpperCase() + v.slice(1)}</button>)}
    </div>
    <div className="split">
      <div className="main-col">
        {view === 'graph' && (g.error ? <ErrorBox error={g.error} /> : g.graph ? <Graph graph={g.graph} steps={steps} selected={selected} onSelect={id => setQuery({ step: id })} height={Math.max(400, window.innerHeight - 240)} /> : <p className="muted">loading…</p>)}
        {view === 'gantt' && <Gantt steps={steps} order={g.graph?.nodes.map(n => n.id)} start={run.exec?.startDate} stop={run.exec?.stopDate} selected={selected} onSelect={id => setQuery({ step: id })} />}
        {view === 'history' && <History events={run.events} owner={run.owner} version={run.version} />}
      </div>
      {selected && arn && <StepPanel key={selected} arn={arn} id={selected} step={steps.get(selected)} running={status === 'RUNNING'} onClose={() => setQuery({ step: null })} />}
    </div>
  </div>
}

function History({ events, owner, version }: { events: HistoryEvent[]; owner: Map<number, string>; version: number }) {
  const sp = new URLSearchParams(location.search)
  const type = sp.get('type') || ''
  const step = sp.get('hstep') || ''
  const types = useMemo(() => [...new Set(events.map(e => e.type))].sort(), [events, version])
  const rows = useMemo(() => type || step ? events.filter(e => (!type || e.type === type) && (!step || eventStep(e, owner).includes(step))) : events, [events, version, type, step])
  const t0 = events[0]?.timestamp || 0
  return <div>
    <div className="toolbar">
      <select aria-label="event type" value={type} onChange={e => setQuery({ type: e.target.value })}><option value="">every type</option>{types.map(t => <option key={t}>{t}</option>)}</select>
      <input placeholder="step" value={step} onChange={e => setQuery({ hstep: e.target.value })} />
      <span className="muted">{rows.length} of {events.length} events</span>
    </div>
    <div className="hist-row hist-head"><span>id</span><span>+time</span><span>type</span><span>step</span></div>
    <VList items={rows} rowHeight={26} height={Math.max(300, window.innerHeight - 300)} row={e =>
      <div className="hist-row" data-testid="history-row" data-event-id={e.id}>
        <span>{e.id}</span><span>{`${((e.timestamp - t0) * 1000).toFixed(0)} ms`}</span><span>{e.type}</span><span>{eventStep(e, owner)}</span>
      </div>} />
  </div>
}

function StepPanel(p: { arn: string; id: string; step?: Step; running: boolean; onClose: () => void }) {
  const [io, setIo] = useState<{ input?: string; output?: string }>({})
  const [logs, setLogs] = useState<string>('')
  const [logErr, setLogErr] = useState<unknown>()
  const logRef = useRef<HTMLPreElement>(null)
  const stopDate = p.step?.stopDate
  useEffect(() => {
    api<{ events: HistoryEvent[] }>(`/api/v1/executions/${encodeURIComponent(p.arn)}/history?reverse=true&limit=1000`).then(h => {
      const r: { input?: string; output?: string } = {}
      for (const e of h.events) {
        const d = e.stateEnteredEventDetails || e.stateExitedEventDetails
        if (!d || d.name !== p.id) continue
        if (e.stateExitedEventDetails && r.output === undefined) r.output = d.output
        if (e.stateEnteredEventDetails && r.input === undefined) r.input = d.input
      }
      setIo(r)
    }, () => {})
  }, [p.arn, p.id, stopDate])
  useEffect(() => {
    setLogs('')
    let buf = ''
    let pending = false
    return sse(`/api/v1/executions/${encodeURIComponent(p.arn)}/logs?follow=true&step=${encodeURIComponent(p.id)}`, {
      stopOn: ['done'],
      onError: setLogErr,
      onMessage: m => {
        if (m.event !== 'log') return
        const c = JSON.parse(m.data)
        buf += (c.attempt > 1 && !buf.includes(`-- attempt ${c.attempt}`) ? `-- attempt ${c.attempt} --\n` : '') + (c.stream === 'stderr' ? c.text : c.text)
        if (buf.length > 2_000_000) buf = buf.slice(-1_000_000)
        if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; setLogs(buf) }) }
      },
    })
  }, [p.arn, p.id])
  useEffect(() => { const el = logRef.current; if (el) el.scrollTop = el.scrollHeight }, [logs])
  const pretty = (s?: string) => { if (s === undefined) return ''; try { return JSON.stringify(JSON.parse(s), null, 2) } catch { return s } }
  const s = p.step
  return <aside className="panel" data-testid="step-panel">
    <div className="toolbar"><h2>{p.id}</h2><span className="grow" /><button onClick={p.onClose} aria-label="close">×</button></div>
    {s ? <div>
      <StatusBadge status={s.status} /> <span className="muted">attempts: {s.attempts}</span>
      {s.startDate && <div className="muted">{fmtTime(s.startDate)}{s.stopDate ? ` → ${((s.stopDate - s.startDate) * 1000).toFixed(0)} ms` : ''}</div>}
      {s.iterations && <div>iterations: {s.iterations.succeeded} succeeded, {s.iterations.failed} failed, {s.iterations.running} running of {s.iterations.total}</div>}
      {s.error && <div className="error">{s.error}: {s.cause}</div>}
    </div> : <p className="muted">Not run (yet).</p>}
    <h3>Input</h3>{io.input !== undefined ? <Code text={pretty(io.input)} /> : <p className="muted">—</p>}
    <h3>Output</h3>{io.output !== undefined ? <Code text={pretty(io.output)} /> : <p className="muted">—</p>}
    <h3>Logs {p.running && <span className="muted">(live)</span>}</h3>
    <ErrorBox error={logErr} />
    <pre className="logs" data-testid="step-logs" ref={logRef}>{logs}</pre>
  </aside>
}

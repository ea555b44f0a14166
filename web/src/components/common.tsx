import { useEffect, useRef, useState, type ReactNode } from 'react'
import { api, ApiError, sse } from '../api'
import { color, mark } from '../status'

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null
  const e = error as Error
  const missing = e instanceof ApiError && e.missing
  return <div className="error" data-testid="error" role="alert">{missing ? 'This needs a newer server: ' : ''}{e.message || String(e)}</div>
}

// useApi fetches path (again when path or dep changes) and keeps the last answer.
export function useApi<T = any>(path: string | null, dep: unknown = 0): { data?: T; error?: unknown; loading: boolean; reload: () => void } {
  const [st, set] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: !!path })
  const [n, setN] = useState(0)
  useEffect(() => {
    if (!path) return
    const ctl = new AbortController()
    set(s => ({ ...s, loading: true }))
    api<T>(path, { signal: ctl.signal }).then(
      data => set({ data, loading: false }),
      error => { if (!ctl.signal.aborted) set({ error, loading: false }) })
    return () => ctl.abort()
  }, [path, dep, n])
  return { ...st, reload: () => setN(x => x + 1) }
}

export function StatusBadge({ status, testid }: { status: string; testid?: string }) {
  return <span className="badge" data-testid={testid} style={{ background: color(status), color: status === 'PENDING' || !status ? '#24292f' : '#fff' }}>{mark(status)} {status || 'NONE'}</span>
}

export function Square({ status, title, testid, extra }: { status: string; title: string; testid?: string; extra?: Record<string, string> }) {
  return <span className="sq" data-testid={testid} data-status={status} title={title} aria-label={title} {...extra}
    style={{ background: color(status), color: status === 'PENDING' || !status ? '#24292f' : '#fff' }}>{mark(status)}</span>
}

export function fmtTime(epoch?: number | null): string {
  if (!epoch) return ''
  const d = new Date(epoch * 1000)
  return d.toLocaleString()
}

// Confirm asks before an action; its button is [data-testid=confirm].
export function Confirm(p: { text: string; onYes: () => void; onNo: () => void }) {
  const ref = useRef<HTMLButtonElement>(null)
  useEffect(() => { ref.current?.focus() }, [])
  return <div className="modal-bg" onClick={p.onNo}>
    <div className="modal" role="dialog" aria-modal="true" onClick={e => e.stopPropagation()}>
      <p>{p.text}</p>
      <div className="row">
        <button ref={ref} className="primary" data-testid="confirm" onClick={p.onYes}>Confirm</button>
        <button onClick={p.onNo}>Cancel</button>
      </div>
    </div>
  </div>
}

// VList is a virtualised list of rows of one height: only the rows in view
// (and a few around) are in the DOM, so 10,000 rows scroll smoothly. A row's
// elements are kept from one scroll to the next (keyed by slot, not by
// index): a scroll that jumps a screen or more changes their text and their
// place instead of replacing every row. The scroller is a containment
// boundary: laying out its rows lays out nothing else on the page.
export function VList<T>(p: { items: T[]; rowHeight: number; height: number; row: (item: T, i: number) => ReactNode; className?: string }) {
  const [top, setTop] = useState(0)
  const w = vlistWindow(top, p.height, p.rowHeight, p.items.length)
  const rows: ReactNode[] = []
  for (let i = w.first; i < w.last; i++) {
    rows.push(<div key={i % w.slots} style={{ position: 'absolute', top: i * p.rowHeight, height: p.rowHeight, left: 0, right: 0 }}>{p.row(p.items[i], i)}</div>)
  }
  return <div className={'vlist ' + (p.className || '')} style={{ height: p.height, overflowY: 'auto', position: 'relative', contain: 'strict' }} onScroll={e => setTop(e.currentTarget.scrollTop)}>
    <div style={{ height: p.items.length * p.rowHeight, position: 'relative' }}>{rows}</div>
  </div>
}

// VLIST_OVERSCAN is the number of rows drawn beyond each edge of the view.
export const VLIST_OVERSCAN = 4

// vlistWindow is what a VList scrolled to top draws: the rows first to
// last-1 of count, keyed by index mod slots. slots is the most rows it can
// draw (those a view can touch and the overscan on both sides), so the keys
// of the rows drawn at once are distinct.
export function vlistWindow(top: number, height: number, rowHeight: number, count: number): { first: number; last: number; slots: number } {
  const slots = Math.ceil(height / rowHeight) + 1 + 2 * VLIST_OVERSCAN
  const first = Math.max(0, Math.floor(top / rowHeight) - VLIST_OVERSCAN)
  return { first, last: Math.max(first, Math.min(count, first + slots)), slots }
}

export function Tabs(p: { tabs: string[]; current: string; onSelect: (t: string) => void }) {
  return <div className="tabs" role="tablist">
    {p.tabs.map(t => <button key={t} role="tab" aria-selected={t === p.current} className={t === p.current ? 'tab on' : 'tab'}
      data-testid={'tab-' + t} onClick={() => p.onSelect(t)}>{t[0].toUpperCase() + t.slice(1)}</button>)}
  </div>
}

// useExecutionEvents calls f (at most once a second) when an execution starts
// or ends (GET /api/v1/events), so that lists stay current without a reload.
export function useExecutionEvents(f: () => void, workflow?: string) {
  const ref = useRef(f)
  ref.current = f
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const close = sse('/api/v1/events' + (workflow ? '?workflow=' + encodeURIComponent(workflow) : ''), {
      onMessage: m => {
        if (m.event !== 'execution' || timer) return
        timer = setTimeout(() => { timer = undefined; ref.current() }, 1000)
      },
    })
    return () => { close(); if (timer) clearTimeout(timer) }
  }, [workflow])
}

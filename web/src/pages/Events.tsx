import { useState } from 'react'
import { api, q } from '../api'
import { useTitle } from '../router'
import { ErrorBox, useApi } from '../components/common'

export function Events({ namespace }: { namespace: string }) {
  useTitle('Events')
  const rules = useApi<any>('/api/v1/rules' + q({ namespace }))
  // The latest position first (after=-1), then the last 200 events before it.
  const head = useApi<any>('/api/v1/bus/events' + q({ namespace, after: -1 }))
  const bus = useApi<any>(head.data ? '/api/v1/bus/events' + q({ namespace, after: Math.max(0, (head.data.next || 0) - 200), limit: 1000 }) : null)
  const failed = useApi<any>('/api/v1/notifications/failed' + q({ namespace }))
  const [retryErr, setRetryErr] = useState<unknown>()
  const [retried, setRetried] = useState('')
  const events = [...(bus.data?.events || [])].reverse().slice(0, 200)
  const fl: any[] = failed.data?.failed || []
  const retry = (ids?: string[]) => {
    setRetryErr(undefined)
    api('/api/v1/notifications/failed/retry' + q({ namespace }), { method: 'POST', body: ids ? { ids } : {} })
      .then(r => { setRetried(`Queued again: ${r.retried}`); failed.reload() }, setRetryErr)
  }
  return <div>
    <h1>Events</h1>
    <h2>Rules</h2>
    <ErrorBox error={rules.error} />
    <table className="tbl"><thead><tr><th>name</th><th>bus</th><th>state</th><th>pattern or schedule</th><th>targets</th></tr></thead>
      <tbody>{(rules.data?.rules || []).map((r: any) => <tr key={r.arn || r.name} data-testid="rule-row" data-name={r.name}>
        <td>{r.name}</td><td>{r.bus}</td><td>{r.state}</td>
        <td><code>{r.scheduleExpression || (typeof r.eventPattern === 'string' ? r.eventPattern : JSON.stringify(r.eventPattern))}</code></td>
        <td>{(r.targets || []).map((t: any) => t.workflow || t.id).join(', ')}</td></tr>)}</tbody></table>
    <h2>Recent events on the bus</h2>
    <ErrorBox error={head.error || bus.error} />
    <table className="tbl"><thead><tr><th>seq</th><th>bus</th><th>time</th><th>source</th><th>detail-type</th><th>detail</th></tr></thead>
      <tbody>{events.map((e: any) => <tr key={e.seq} data-testid="bus-event-row">
        <td>{e.seq}</td><td>{e.bus}</td><td>{e.event?.time}</td><td>{e.event?.source}</td><td>{e.event?.['detail-type'] ?? e.event?.detailType}</td>
        <td className="ell" style={{ maxWidth: 400 }}><code>{JSON.stringify(e.event?.detail)}</code></td></tr>)}</tbody></table>
    <h2>Notifications that failed to deliver</h2>
    <ErrorBox error={failed.error || retryErr} />
    {retried && <div className="muted">{retried}</div>}
    <button data-testid="retry-notifications" disabled={!fl.length} onClick={() => retry()}>Retry them all</button>
    {failed.data && !fl.length && <p className="muted">None.</p>}
    <table className="tbl"><thead><tr><th>channel</th><th>to</th><th>run</th><th>failed at</th><th>attempts</th><th>error</th><th></th></tr></thead>
      <tbody>{fl.map((d: any, i: number) => { const n = d.notification || {}; return <tr key={n.id ?? i} data-testid="failed-notification-row" data-id={n.id}>
        <td>{n.channel}{n.connection ? ' (' + n.connection + ')' : ''}</td><td className="ell" style={{ maxWidth: 260 }}>{(n.addresses || []).join(', ')}</td>
        <td className="ell" style={{ maxWidth: 260 }}>{n.runName || (n.run || '').split(':').pop()} {n.status}</td><td>{d.failed ? new Date(d.failed).toLocaleString() : ''}</td>
        <td>{d.attempts}</td><td>{d.error}</td><td><button data-testid="retry-notification" onClick={() => retry([n.id])}>Retry</button></td></tr> })}</tbody></table>
  </div>
}

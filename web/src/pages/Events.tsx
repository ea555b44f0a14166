import { useState } from 'react'
import { api, q } from '../api'
import { useTitle } from '../router'
import { ErrorBox, fmtTime, useApi } from '../components/common'

export function Events({ namespace }: { namespace: string }) {
  useTitle('Events')
  const rules = useApi<any>('/api/v1/rules' + q({ namespace }))
  const bus = useApi<any>('/api/v1/bus/events' + q({ namespace, after: 0, limit: 1000 }))
  const failed = useApi<any>('/api/v1/notifications/failed' + q({ namespace }))
  const [retryErr, setRetryErr] = useState<unknown>()
  const [retried, setRetried] = useState('')
  const events = [...(bus.data?.events || [])].reverse().slice(0, 200)
  const fl: any[] = failed.data?.notifications || failed.data?.failed || (Array.isArray(failed.data) ? failed.data : [])
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
    <ErrorBox error={bus.error} />
    <table className="tbl"><thead><tr><th>seq</th><th>bus</th><th>time</th><th>source</th><th>detail-type</th><th>detail</th></tr></thead>
      <tbody>{events.map((e: any) => <tr key={e.seq} data-testid="bus-event-row">
        <td>{e.seq}</td><td>{e.bus}</td><td>{e.event?.time}</td><td>{e.event?.source}</td><td>{e.event?.['detail-type'] ?? e.event?.detailType}</td>
        <td className="ell" style={{ maxWidth: 400 }}><code>{JSON.stringify(e.event?.detail)}</code></td></tr>)}</tbody></table>
    <h2>Notifications that failed to deliver</h2>
    <ErrorBox error={failed.error || retryErr} />
    {retried && <div className="muted">{retried}</div>}
    <button data-testid="retry-notifications" disabled={!fl.length} onClick={() => {
      setRetryErr(undefined)
      api('/api/v1/notifications/failed/retry' + q({ namespace }), { method: 'POST', body: {} }).then(r => { setRetried('Queued again: ' + JSON.stringify(r)); failed.reload() }, setRetryErr)
    }}>Retry them all</button>
    <table className="tbl"><thead><tr><th>id</th><th>destination</th><th>failed at</th><th>error</th></tr></thead>
      <tbody>{fl.map((n: any, i: number) => <tr key={n.id ?? i} data-testid="failed-notification-row">
        <td>{n.id}</td><td>{n.destination || n.channel || n.target}</td><td>{typeof n.failedAt === 'number' ? fmtTime(n.failedAt) : n.failedAt || n.time}</td><td>{n.error || n.lastError}</td></tr>)}</tbody></table>
  </div>
}

import { useEffect, useState } from 'react'
import { Link, navigate, useLocation } from './router'
import { api } from './api'
import { Workflows } from './pages/Workflows'
import { Workflow } from './pages/Workflow'
import { Run } from './pages/Run'
import { Lineage } from './pages/Lineage'
import { Events } from './pages/Events'
import { Login } from './pages/Login'

// The namespace selector's value is kept in the URL (?ns=) on the list pages.
export function useNamespaces(): string[] {
  const [list, set] = useState<string[]>(['default'])
  useEffect(() => {
    api('/api/v1/namespaces').then(j => {
      const ns = (j.namespaces || []).map((n: any) => typeof n === 'string' ? n : n.name).filter(Boolean)
      if (ns.length) set(ns)
    }, () => { /* shown by the pages' own errors */ })
  }, [])
  return list
}

function dec(s: string) { try { return decodeURIComponent(s) } catch { return s } }

export function App() {
  const { path, query } = useLocation()
  const namespaces = useNamespaces()
  const ns = query.get('ns') || ''
  const parts = path.replace(/^\/ui\/?/, '').split('/').filter(Boolean).map(dec)
  let page
  if (parts[0] === 'workflows' && parts.length >= 3 && parts[3] === 'runs' && parts[4]) page = <Run key={path} namespace={parts[1]} workflow={parts[2]} name={parts[4]} />
  else if (parts[0] === 'workflows' && parts.length >= 3) page = <Workflow key={path} namespace={parts[1]} name={parts[2]} />
  else if (parts[0] === 'lineage') page = <Lineage />
  else if (parts[0] === 'events') page = <Events namespace={ns || 'default'} />
  else if (parts[0] === 'login') page = <Login />
  else page = <Workflows namespace={ns} />
  const listPage = parts.length === 0 || parts[0] === 'events'
  return <>
    <header className="top">
      <Link to="/ui/" className="brand">Baton</Link>
      <nav>
        <Link to={'/ui/' + (ns ? '?ns=' + encodeURIComponent(ns) : '')} className={parts.length === 0 || parts[0] === 'workflows' ? 'on' : ''}>Workflows</Link>
        <Link to="/ui/lineage" className={parts[0] === 'lineage' ? 'on' : ''}>Lineage</Link>
        <Link to={'/ui/events' + (ns && ns !== '*' ? '?ns=' + encodeURIComponent(ns) : '')} className={parts[0] === 'events' ? 'on' : ''}>Events</Link>
      </nav>
      <span className="grow" />
      {listPage && <label className="nssel">Namespace{' '}
        <select data-testid="namespace" value={ns || (parts[0] === 'events' ? 'default' : '*')} onChange={e => navigate(location.pathname + '?ns=' + encodeURIComponent(e.target.value))}>
          {parts[0] !== 'events' && <option value="*">all namespaces</option>}
          {namespaces.map(n => <option key={n} value={n}>{n}</option>)}
        </select></label>}
      <Link to="/ui/login">Token</Link>
    </header>
    <main>{page}</main>
  </>
}

// A tiny router: history.pushState and popstate, so that links are
// shareable URLs and the back button works.
import { useEffect, useState, type MouseEvent, type ReactNode } from 'react'

export function navigate(to: string, replace = false) {
  if (replace) history.replaceState(null, '', to)
  else history.pushState(null, '', to)
  dispatchEvent(new PopStateEvent('popstate'))
}

export function useLocation(): { path: string; query: URLSearchParams } {
  const [, set] = useState(0)
  useEffect(() => {
    const f = () => set(n => n + 1)
    addEventListener('popstate', f)
    return () => removeEventListener('popstate', f)
  }, [])
  return { path: location.pathname, query: new URLSearchParams(location.search) }
}

// setQuery changes the query string of the current URL (state such as the
// selected tab or step), replacing the history entry unless push is set.
export function setQuery(changes: Record<string, string | null | undefined>, push = false) {
  const s = new URLSearchParams(location.search)
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') s.delete(k)
    else s.set(k, v)
  }
  const t = s.toString()
  navigate(location.pathname + (t ? '?' + t : ''), !push)
}

export function Link(p: { to: string; children: ReactNode; className?: string; title?: string; testid?: string }) {
  const click = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    e.preventDefault()
    navigate(p.to)
  }
  return <a href={p.to} onClick={click} className={p.className} title={p.title} data-testid={p.testid}>{p.children}</a>
}

export function useTitle(t: string) {
  useEffect(() => { document.title = 'Baton — ' + t }, [t])
}

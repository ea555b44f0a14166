// The fetch wrapper and the server-sent-events reader of the UI. Everything
// the UI shows comes from the native API (/api/v1): what it can show, a
// script can get too.

export const TOKEN_KEY = 'baton.token'

export class ApiError extends Error {
  status: number
  code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
  // missing says that the server does not have the route (an older server).
  get missing() { return this.status === 404 && this.code === 'NotFound' }
}

function headers(extra?: Record<string, string>): Record<string, string> {
  const h: Record<string, string> = { ...extra }
  const t = sessionStorage.getItem(TOKEN_KEY)
  if (t) h['Authorization'] = 'Bearer ' + t
  return h
}

function toLogin() {
  if (location.pathname !== '/ui/login') {
    const back = location.pathname + location.search
    history.pushState(null, '', '/ui/login?next=' + encodeURIComponent(back))
    dispatchEvent(new PopStateEvent('popstate'))
  }
}

async function fail(r: Response): Promise<never> {
  if (r.status === 401) toLogin()
  let code = '', message = r.statusText
  try {
    const j = await r.json()
    code = j.code || ''
    message = j.message || message
  } catch { /* not JSON */ }
  throw new ApiError(r.status, code, message)
}

export async function api<T = any>(path: string, init?: { method?: string; body?: unknown; signal?: AbortSignal }): Promise<T> {
  const method = init?.method || 'GET'
  const r = await fetch(path, {
    method,
    headers: headers(method === 'GET' ? {} : { 'Content-Type': 'application/json' }),
    body: init?.body === undefined ? (method === 'GET' ? undefined : '{}') : JSON.stringify(init.body),
    signal: init?.signal,
  })
  if (!r.ok) await fail(r)
  if (r.status === 204) return undefined as T
  return r.json()
}

export function q(params: Record<string, string | number | undefined | null>): string {
  const s = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') s.set(k, String(v))
  const t = s.toString()
  return t ? '?' + t : ''
}

export interface SSEMessage { id?: string; event: string; data: string }

export interface SSEOptions {
  onMessage: (m: SSEMessage) => void
  onError?: (e: Error) => void
  // onOpen is called on every (re)connection, after the answer's headers.
  onOpen?: (reconnect: boolean) => void
  // stopOn: event names after which the stream is over (no reconnection).
  stopOn?: string[]
}

// sse reads an event stream with fetch (not EventSource, so that the
// Authorization header can be sent) and reconnects with Last-Event-ID after
// a break, waiting longer each time (up to 10 s). It returns a close function.
export function sse(path: string, o: SSEOptions): () => void {
  const ctl = new AbortController()
  let lastId = ''
  let closed = false
  let tries = 0
  const stop = new Set(o.stopOn || [])
  const run = async () => {
    while (!closed) {
      try {
        const h = headers({ Accept: 'text/event-stream' })
        if (lastId) h['Last-Event-ID'] = lastId
        const r = await fetch(path, { headers: h, signal: ctl.signal })
        if (!r.ok) await fail(r)
        o.onOpen?.(tries > 0 || lastId !== '')
        tries = 0
        const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader()
        let buf = ''
        let ev: SSEMessage = { event: 'message', data: '' }
        let hasData = false
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          buf += value
          let nl: number
          while ((nl = buf.indexOf('\n')) >= 0) {
            let line = buf.slice(0, nl)
            buf = buf.slice(nl + 1)
            if (line.endsWith('\r')) line = line.slice(0, -1)
            if (line === '') {
              if (hasData) {
                if (ev.id !== undefined) lastId = ev.id
                o.onMessage(ev)
                if (stop.has(ev.event)) { closed = true; ctl.abort(); return }
              }
              ev = { event: 'message', data: '' }
              hasData = false
              continue
            }
            if (line.startsWith(':')) continue
            const c = line.indexOf(':')
            const field = c < 0 ? line : line.slice(0, c)
            let val = c < 0 ? '' : line.slice(c + 1)
            if (val.startsWith(' ')) val = val.slice(1)
            if (field === 'data') { ev.data = hasData ? ev.data + '\n' + val : val; hasData = true }
            else if (field === 'event') ev.event = val
            else if (field === 'id') ev.id = val
          }
        }
      } catch (e) {
        if (closed) return
        const err = e as Error
        if (err instanceof ApiError && err.status >= 400 && err.status < 500) { o.onError?.(err); return }
        o.onError?.(err)
      }
      if (closed) return
      tries++
      await new Promise(res => setTimeout(res, Math.min(10000, 500 * 2 ** Math.min(tries, 5))))
    }
  }
  run()
  return () => { closed = true; ctl.abort() }
}

export function lastPart(arn: string): string {
  const i = arn.lastIndexOf(':')
  return i < 0 ? arn : arn.slice(i + 1)
}

// Execution ARNs: arn:aws:states:REGION:ACCOUNT:execution:WORKFLOW:NAME.
export function execArn(stateMachineArn: string, name: string): string {
  return stateMachineArn.replace(':stateMachine:', ':execution:') + ':' + name
}

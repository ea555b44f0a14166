// Step statuses: their colours and labels (colour plus text, for colour-blind
// readers), and the mapping from history events to step statuses, the same
// as the server's GET /api/v1/executions/{arn}/steps, so that the run page
// updates live from the history stream.

export const COLORS: Record<string, string> = {
  SUCCEEDED: '#1a7f37', FAILED: '#cf222e', TIMED_OUT: '#cf222e', RUNNING: '#0969da',
  RETRYING: '#bf8700', CAUGHT: '#8250df', ABORTED: '#57606a', PENDING: '#d0d7de',
  PENDING_REDRIVE: '#bf8700', '': '#eaeef2',
}
// Short marks shown inside small squares, so status is not told by colour alone.
export const MARKS: Record<string, string> = {
  SUCCEEDED: '✓', FAILED: '✗', TIMED_OUT: '⏱', RUNNING: '▶', RETRYING: '↻', CAUGHT: '⤳', ABORTED: '■', PENDING: '·', PENDING_REDRIVE: '↻', '': '',
}
export function color(s: string | undefined) { return COLORS[s || ''] || '#eaeef2' }
export function mark(s: string | undefined) { return MARKS[s || ''] ?? '?' }

export interface Step {
  id: string
  status: string
  attempts: number
  startDate?: number
  stopDate?: number
  error?: string
  cause?: string
  iterations?: { total: number; succeeded: number; failed: number; running: number }
}

export interface HistoryEvent {
  id: number
  previousEventId?: number
  timestamp: number
  type: string
  [k: string]: any
}

// StepState is the reducer's state: the steps by id, and which step each
// event belongs to (events without a state name point to their step through
// previousEventId).
export interface StepState {
  steps: Map<string, Step>
  owner: Map<number, string>
  lastEventId: number
}

export function emptySteps(): StepState {
  return { steps: new Map(), owner: new Map(), lastEventId: 0 }
}

function details(e: HistoryEvent): any {
  for (const k of Object.keys(e)) if (k.endsWith('EventDetails')) return e[k]
  return undefined
}

const FAILED_TASK = /^(Task|Activity|LambdaFunction)(Failed|TimedOut|StartFailed|ScheduleFailed|SubmitFailed)$/
const RETRY_START = /^(Task|Activity|LambdaFunction)Scheduled$/

// applyEvent updates st with one history event (in place, returns st).
export function applyEvent(st: StepState, e: HistoryEvent): StepState {
  if (e.id <= st.lastEventId) return st
  st.lastEventId = e.id
  const d = details(e) || {}
  const t = e.type
  let name: string | undefined
  if (t.endsWith('StateEntered') || t.endsWith('StateExited')) name = d.name
  else if (e.previousEventId) name = st.owner.get(e.previousEventId)
  if (name) st.owner.set(e.id, name)
  const s = name ? st.steps.get(name) : undefined
  if (t.endsWith('StateEntered') && name) {
    const prev = st.steps.get(name)
    const step: Step = { id: name, status: 'RUNNING', attempts: prev?.attempts || 0, startDate: e.timestamp }
    if (t === 'FailStateEntered') { step.status = 'FAILED'; step.stopDate = e.timestamp }
    if (t === 'SucceedStateEntered' || t === 'PassStateEntered' || t === 'ChoiceStateEntered') step.attempts = Math.max(step.attempts, 1)
    st.steps.set(name, step)
    return st
  }
  if (t.endsWith('StateExited') && s) {
    s.status = s.status === 'RETRYING' || s.error ? 'CAUGHT' : 'SUCCEEDED'
    if (s.status === 'SUCCEEDED') { s.error = undefined; s.cause = undefined }
    s.stopDate = e.timestamp
    return st
  }
  if (s && RETRY_START.test(t)) {
    s.attempts++
    s.status = 'RUNNING'
    return st
  }
  if (s && /^(Task|Activity|LambdaFunction)Succeeded$/.test(t)) {
    // an attempt that succeeded after failed ones: the earlier error is over
    s.error = undefined
    s.cause = undefined
    return st
  }
  if (s && FAILED_TASK.test(t)) {
    s.status = 'RETRYING'
    s.error = d.error
    s.cause = d.cause
    return st
  }
  if (s && (t === 'MapStateStarted')) {
    s.iterations = { total: d.length || 0, succeeded: 0, failed: 0, running: 0 }
    return st
  }
  if (s && t.startsWith('MapIteration') && s.iterations) {
    const it = s.iterations
    if (t === 'MapIterationStarted') it.running++
    else if (t === 'MapIterationSucceeded') { it.running = Math.max(0, it.running - 1); it.succeeded++ }
    else if (t === 'MapIterationFailed' || t === 'MapIterationAborted') { it.running = Math.max(0, it.running - 1); it.failed++ }
    return st
  }
  if (s && (t === 'MapStateFailed' || t === 'ParallelStateFailed')) {
    s.status = 'RETRYING'
    s.error = d.error
    s.cause = d.cause
    return st
  }
  if (t === 'ExecutionFailed' || t === 'ExecutionTimedOut' || t === 'ExecutionAborted') {
    const end = t === 'ExecutionAborted' ? 'ABORTED' : 'FAILED'
    for (const x of st.steps.values()) {
      if (x.status === 'RUNNING' || x.status === 'RETRYING') {
        x.status = x.status === 'RETRYING' ? 'FAILED' : end
        x.stopDate = e.timestamp
        if (!x.error && end === 'FAILED') { x.error = d.error; x.cause = d.cause }
      }
    }
    return st
  }
  return st
}

export function stepsFromHistory(events: HistoryEvent[]): StepState {
  const st = emptySteps()
  for (const e of events) applyEvent(st, e)
  return st
}

// stateFromSteps seeds the reducer with the server's /steps answer.
export function stateFromSteps(steps: Step[], lastEventId: number): StepState {
  const st = emptySteps()
  for (const s of steps) st.steps.set(s.id, { ...s })
  st.lastEventId = lastEventId
  return st
}

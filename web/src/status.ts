// Step statuses: their colours and labels (colour plus text, for colour-blind
// readers), and the mapping from history events to step statuses, the same
// as the server's GET /api/v1/executions/{arn}/steps, so that the run page
// updates live from the history stream.

export const COLORS: Record<string, string> = {
  SUCCEEDED: '#1a7f37', FAILED: '#cf222e', TIMED_OUT: '#cf222e', RUNNING: '#0969da',
  RETRYING: '#bf8700', CAUGHT: '#8250df', ABORTED: '#57606a', PENDING: '#d0d7de',
  PENDING_REDRIVE: '#bf8700', SKIPPED: '#afb8c1', '': '#eaeef2',
}
// Short marks shown inside small squares, so status is not told by colour alone.
export const MARKS: Record<string, string> = {
  SUCCEEDED: '✓', FAILED: '✗', TIMED_OUT: '⏱', RUNNING: '▶', RETRYING: '↻', CAUGHT: '⤳', ABORTED: '■', PENDING: '·', PENDING_REDRIVE: '↻', SKIPPED: '⊘', '': '',
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

// StepState is the reducer's state, the same as internal/graphview's Steps
// (steps.go: change both together; web/src/testdata/steps holds the cases
// both are tested on). Events name their state when they enter or leave it
// (and Map iteration and pipeline step events always); the others belong to
// the state of the event they follow (previousEventId). The events that end
// a Parallel or a Map follow the last event of a branch, so they go up from
// that state to the Parallel or Map that holds it: the reducer learns which
// container holds a state from the event that entered it.
//
// A state seeded from the server's /steps answer (stateFromSteps) has the
// statuses up to seededTo but not the owners: the events up to seededTo,
// which the history stream sends from the start, only teach it owners and
// containers; the later ones update the statuses too.
export interface StepState {
  // pipeline is set for the runs of pipelines, which have no Catch: a step
  // that leaves after an error failed, where an ASL state was caught.
  pipeline: boolean
  steps: Map<string, Step> // in the order they first appeared
  owner: Map<number, string> // step name of each event by id
  branchStart: Set<number> // events that start a branch (ParallelStateStarted, MapIterationStarted)
  parent: Map<string, string | null> // container of each name: null at the top, absent when unknown
  kind: Map<string, string> // type prefix of each name's entered event (Task, Map...)
  iterErr: Map<string, [string | undefined, string | undefined]> // last failed iteration's error and cause
  lastEventId: number
  seededTo: number
}

export function emptySteps(pipeline = false): StepState {
  return { pipeline, steps: new Map(), owner: new Map(), branchStart: new Set(), parent: new Map(), kind: new Map(), iterErr: new Map(), lastEventId: 0, seededTo: 0 }
}

function details(e: HistoryEvent): any {
  for (const k of Object.keys(e)) if (k.endsWith('EventDetails')) return e[k]
  return undefined
}

const TASK = /^(Task|Activity|LambdaFunction)(.*)$/
function isTaskEvent(t: string, ...suffixes: string[]) {
  const m = TASK.exec(t)
  return !!m && suffixes.includes(m[2])
}

// containerEvents end (or start) a Parallel or a Map without naming it.
const CONTAINER_EVENTS: Record<string, string> = {
  ParallelStateStarted: 'Parallel', ParallelStateSucceeded: 'Parallel', ParallelStateFailed: 'Parallel', ParallelStateAborted: 'Parallel',
  MapStateStarted: 'Map', MapStateSucceeded: 'Map', MapStateFailed: 'Map', MapStateAborted: 'Map',
}

// container goes up from name to the nearest state entered as kind, name
// itself included; name when there is none.
function container(st: StepState, name: string, kind: string): string {
  let i: string | null | undefined = name
  for (let guard = 0; i != null && guard < 10000; guard++) {
    if (st.kind.get(i) === kind) return i
    i = st.parent.get(i)
  }
  return name
}

// fresh replaces the step by a new RUNNING one started at ts, keeping its attempts.
function fresh(st: StepState, name: string, ts: number): Step {
  const n: Step = { id: name, status: 'RUNNING', attempts: st.steps.get(name)?.attempts || 0, startDate: ts }
  st.steps.set(name, n)
  return n
}

// applyEvent updates st with one history event (in place, returns st).
export function applyEvent(st: StepState, e: HistoryEvent): StepState {
  if (e.id <= st.lastEventId) return st
  st.lastEventId = e.id
  const live = e.id > st.seededTo // the statuses of the others came with the seed
  const d = details(e) || {}
  const t = e.type
  const prevId = e.previousEventId || 0
  const prev = st.owner.get(prevId)
  const prevStarts = st.branchStart.has(prevId)
  let name: string | undefined
  if (t.startsWith('Execution')) {
    if (live) executionEnd(st, e, d)
    return st
  } else if (d.name) name = d.name
  else if (CONTAINER_EVENTS[t] && prev !== undefined) name = container(st, prev, CONTAINER_EVENTS[t])
  else name = prev
  if (name !== undefined) {
    st.owner.set(e.id, name)
    if (t === 'ParallelStateStarted' || t === 'MapIterationStarted') st.branchStart.add(e.id)
  }
  if (name === undefined) return st
  if (t.endsWith('StateEntered')) {
    enter(st, name, prev, prevStarts, e, live)
    return st
  }
  if (!live) {
    // the seed has the statuses; a Map failing later needs its iterations' error
    if (t === 'MapIterationFailed' && st.steps.get(name)) st.iterErr.set(name, [d.error, d.cause])
    return st
  }
  const s = st.steps.get(name)
  if (t.endsWith('StateExited') && s) {
    if (s.status === 'RETRYING' || s.error) s.status = st.pipeline ? 'FAILED' : 'CAUGHT'
    else { s.status = 'SUCCEEDED'; s.error = undefined; s.cause = undefined }
    s.stopDate = e.timestamp
  } else if (t === 'StepSkipped') {
    const n = fresh(st, name, e.timestamp)
    n.status = 'SKIPPED'; n.stopDate = e.timestamp; n.error = d.error; n.cause = d.cause
  } else if (!s) {
    // an event of a state not entered changes nothing
  } else if (isTaskEvent(t, 'Scheduled')) {
    s.attempts++
    s.status = 'RUNNING'
  } else if (isTaskEvent(t, 'Succeeded')) {
    // an attempt that succeeded after failed ones: the earlier error is over
    s.error = undefined; s.cause = undefined
  } else if (isTaskEvent(t, 'Failed', 'TimedOut', 'StartFailed', 'ScheduleFailed', 'SubmitFailed')) {
    s.status = 'RETRYING'; s.error = d.error; s.cause = d.cause
  } else if (t === 'MapStateStarted') {
    s.iterations = { total: Math.max(d.length || 0, 0), succeeded: 0, failed: 0, running: 0 }
  } else if (t.startsWith('MapIteration')) {
    const it = s.iterations
    if (!it) return st
    if (t === 'MapIterationStarted') it.running++
    else if (t === 'MapIterationSucceeded') { it.running = Math.max(0, it.running - 1); it.succeeded++ }
    else if (t === 'MapIterationFailed' || t === 'MapIterationAborted') {
      it.running = Math.max(0, it.running - 1); it.failed++
      if (t === 'MapIterationFailed') st.iterErr.set(name, [d.error, d.cause])
    }
  } else if (t === 'MapStateFailed' || t === 'ParallelStateFailed') {
    s.status = 'RETRYING'; s.error = d.error; s.cause = d.cause
    if (!s.error) [s.error, s.cause] = st.iterErr.get(name) || [undefined, undefined]
  } else if (t.endsWith('StateAborted')) {
    s.status = 'ABORTED'; s.stopDate = e.timestamp
  }
  return st
}

// enter records a state or step entered, and which container holds it: the
// one whose branch the previous event started, else the container of the
// state the previous event belongs to (a sibling), else none.
function enter(st: StepState, name: string, prev: string | undefined, prevStarts: boolean, e: HistoryEvent, live: boolean) {
  const typ = e.type.slice(0, -'StateEntered'.length)
  st.kind.set(name, typ)
  if (live) {
    const n = fresh(st, name, e.timestamp)
    if (typ === 'Fail') { n.status = 'FAILED'; n.stopDate = e.timestamp }
    if (typ === 'Succeed' || typ === 'Pass' || typ === 'Choice') n.attempts = Math.max(n.attempts, 1)
  }
  let p: string | null = null
  if (prev !== undefined && prevStarts) p = prev
  else if (prev !== undefined && prev !== name) p = st.parent.get(prev) ?? null
  const cur = st.parent.get(name)
  if (cur === undefined || (cur === null && p !== null)) st.parent.set(name, p)
}

// executionEnd settles the steps left open when the run ends: a step still
// retrying failed; one still running was stopped (ABORTED) or ended with the
// run (FAILED, TIMED_OUT: FAILED with the run's error).
function executionEnd(st: StepState, e: HistoryEvent, d: any) {
  let end: string
  switch (e.type) {
    case 'ExecutionFailed': case 'ExecutionTimedOut': end = 'FAILED'; break
    case 'ExecutionAborted': case 'ExecutionSucceeded': end = 'ABORTED'; break
    default: return
  }
  for (const x of st.steps.values()) {
    if (x.status !== 'RUNNING' && x.status !== 'RETRYING') continue
    x.status = x.status === 'RETRYING' ? 'FAILED' : end
    x.stopDate = e.timestamp
    if (!x.error && end === 'FAILED') { x.error = d.error; x.cause = d.cause }
  }
}

export function stepsFromHistory(events: HistoryEvent[], pipeline = false): StepState {
  const st = emptySteps(pipeline)
  for (const e of events) applyEvent(st, e)
  return st
}

// stateFromSteps seeds the reducer with the server's /steps answer, its
// statuses up to lastEventId. Apply to it every event of the history from
// the first (the ones up to lastEventId teach it which step each later
// event belongs to).
export function stateFromSteps(steps: Step[], lastEventId: number, pipeline = false): StepState {
  const st = emptySteps(pipeline)
  for (const s of steps) st.steps.set(s.id, { ...s, iterations: s.iterations && { ...s.iterations } })
  st.seededTo = lastEventId
  return st
}

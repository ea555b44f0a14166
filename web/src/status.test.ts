import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { applyEvent, stateFromSteps, stepsFromHistory, type HistoryEvent, type Step } from './status'
import { formatOffset, tickStep } from './gantt'

let id = 0
const ev = (type: string, prev: number, d?: Record<string, unknown>): HistoryEvent => {
  id++
  const e: HistoryEvent = { id, previousEventId: prev, timestamp: 1000 + id, type }
  if (d) e[type.endsWith('StateEntered') ? 'stateEnteredEventDetails' : type.endsWith('StateExited') ? 'stateExitedEventDetails' : 'taskFailedEventDetails'] = d
  return e
}

describe('steps from history', () => {
  it('maps a retried task that succeeds, then a failing one', () => {
    id = 0
    const h = [
      ev('ExecutionStarted', 0),
      ev('TaskStateEntered', 1, { name: 'A' }),          // 2
      ev('TaskScheduled', 2), ev('TaskFailed', 3, { error: 'E', cause: 'c' }), // 3, 4
      ev('TaskScheduled', 4), ev('TaskSucceeded', 5),     // 5, 6
      ev('TaskStateExited', 6, { name: 'A' }),           // 7
      ev('TaskStateEntered', 7, { name: 'B' }),          // 8
      ev('TaskScheduled', 8), ev('TaskFailed', 9, { error: 'X', cause: 'y' }), // 9, 10
      ev('ExecutionFailed', 10),
    ]
    const st = stepsFromHistory(h)
    expect(st.steps.get('A')).toMatchObject({ status: 'SUCCEEDED', attempts: 2 })
    expect(st.steps.get('B')).toMatchObject({ status: 'FAILED', attempts: 1, error: 'X' })
    expect(st.lastEventId).toBe(11)
  })
  it('marks a caught error and an aborted run', () => {
    id = 0
    const h = [
      ev('ExecutionStarted', 0),
      ev('TaskStateEntered', 1, { name: 'A' }), ev('TaskScheduled', 2), ev('TaskFailed', 3, { error: 'E' }),
      ev('TaskStateExited', 4, { name: 'A' }),
      ev('WaitStateEntered', 5, { name: 'W' }),
      ev('ExecutionAborted', 6),
    ]
    const st = stepsFromHistory(h)
    expect(st.steps.get('A')?.status).toBe('CAUGHT')
    expect(st.steps.get('W')?.status).toBe('ABORTED')
  })
})

// The cases internal/graphview's TestStepsFixtures checks Steps on (it
// writes them with -update): the page's mapping must give the same steps
// as the server's, from the whole history and from a seed at the cut.
interface Fixture { name: string; pipeline: boolean; events: HistoryEvent[]; steps: Step[]; cut: number; stepsAtCut: Step[] }
const fixtureDir = new URL('./testdata/steps/', import.meta.url)
const fixtures = readdirSync(fixtureDir).filter(f => f.endsWith('.json')).sort()

// norm makes an empty member and a missing one (Go's omitempty) the same.
const norm = (s: Step) => ({
  id: s.id, status: s.status || '', attempts: s.attempts || 0, startDate: s.startDate || 0, stopDate: s.stopDate || 0,
  error: s.error || '', cause: s.cause || '', iterations: s.iterations ?? null,
})

function expectSteps(where: string, got: Map<string, Step>, want: Step[]) {
  expect([...got.keys()], `${where}: step ids`).toEqual(want.map(s => s.id))
  for (const w of want) {
    const g = got.get(w.id)
    expect(g && norm(g), `${where}: step ${w.id}`).toEqual(norm(w))
  }
}

describe('steps fixtures shared with internal/graphview', () => {
  it('finds them', () => expect(fixtures.length).toBeGreaterThanOrEqual(6))
  it.each(fixtures)('%s', file => {
    const f = JSON.parse(readFileSync(new URL(file, fixtureDir), 'utf8')) as Fixture
    expectSteps(`${file}: whole history`, stepsFromHistory(f.events, f.pipeline).steps, f.steps)
    const upToCut = f.events.filter(e => e.id <= f.cut)
    expectSteps(`${file}: history up to ${f.cut}`, stepsFromHistory(upToCut, f.pipeline).steps, f.stepsAtCut)
    // the Run page: seeded from /steps, then every event of the stream; the
    // ones up to the cut teach it owners only, the later ones the rest
    const st = stateFromSteps(f.stepsAtCut, f.cut, f.pipeline)
    for (const e of upToCut) applyEvent(st, e)
    expectSteps(`${file}: seeded at ${f.cut}, events up to it`, st.steps, f.stepsAtCut)
    for (const e of f.events) applyEvent(st, e)
    expectSteps(`${file}: seeded at ${f.cut}, then the events after it`, st.steps, f.steps)
    expect(st.owner, `${file}: owners when seeded`).toEqual(stepsFromHistory(f.events, f.pipeline).owner)
  })
})

describe('gantt scale', () => {
  it('adapts the tick step from milliseconds to hours', () => {
    expect(tickStep(40, 8)).toBe(5)
    expect(tickStep(3000, 8)).toBe(500)
    expect(tickStep(5 * 3600000, 8)).toBe(3600000)
    expect(formatOffset(250, 50)).toBe('250ms')
    expect(formatOffset(90000, 30000)).toBe('90s')
    expect(formatOffset(150000, 60000)).toBe('2m30s')
    expect(formatOffset(2 * 3600000, 3600000)).toBe('2h')
  })
})

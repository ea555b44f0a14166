import { describe, expect, it } from 'vitest'
import { stepsFromHistory, type HistoryEvent } from './status'
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

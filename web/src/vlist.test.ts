import { describe, expect, it } from 'vitest'
import { VLIST_OVERSCAN, vlistWindow } from './components/common'

describe('vlistWindow', () => {
  it('draws every row in view, with distinct keys, wherever the list is scrolled', () => {
    for (const [height, rowHeight] of [[457, 26], [300, 26], [600, 34], [26, 26], [10, 26]]) {
      for (const count of [0, 1, 5, 10006]) {
        const max = Math.max(0, count * rowHeight - height)
        for (let top = 0; top <= max; top += max > 5000 ? 997 : 7) {
          const w = vlistWindow(top, height, rowHeight, count)
          const inView = [Math.floor(top / rowHeight), Math.min(count, Math.ceil((top + height) / rowHeight))]
          expect(w.first).toBeLessThanOrEqual(inView[0])
          expect(w.last).toBeGreaterThanOrEqual(inView[1])
          expect(w.last).toBeLessThanOrEqual(count)
          const keys = new Set<number>()
          for (let i = w.first; i < w.last; i++) keys.add(i % w.slots)
          expect(keys.size).toBe(w.last - w.first)
        }
      }
    }
  })

  it('draws a few rows past each edge of the view, not more', () => {
    const w = vlistWindow(26 * 100, 457, 26, 10006)
    expect(w.first).toBe(100 - VLIST_OVERSCAN)
    expect(w.last - w.first).toBe(w.slots)
    expect(w.slots).toBe(18 + 1 + 2 * VLIST_OVERSCAN)
  })

  it('draws nothing past the end when the list shrank under a scrolled view', () => {
    const w = vlistWindow(26 * 5000, 457, 26, 10)
    expect(w.last).toBe(w.first)
  })
})

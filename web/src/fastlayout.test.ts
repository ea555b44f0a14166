import { describe, expect, it } from 'vitest'
import { layered, type Box } from './fastlayout'

describe('layered layout', () => {
  it('lays out 1,000 nodes in 10 crossing layers quickly', () => {
    const ids: string[] = [], edges: [string, string][] = [], size = new Map<string, Box>()
    for (let l = 0; l < 10; l++) for (let i = 0; i < 100; i++) {
      const id = `n${l}_${i}`; ids.push(id); size.set(id, { w: 170, h: 40 })
      if (l) { edges.push([`n${l - 1}_${i}`, id]); edges.push([`n${l - 1}_${(i + 1) % 100}`, id]) }
    }
    const t = performance.now()
    const r = layered(ids, size, edges)
    expect(performance.now() - t).toBeLessThan(500)
    expect(r.pos.get('n3_0')!.y).toBeGreaterThan(r.pos.get('n2_0')!.y)
    expect(r.pos.size).toBe(1000)
  })
  it('survives cycles', () => {
    const size = new Map<string, Box>([['a', { w: 10, h: 10 }], ['b', { w: 10, h: 10 }]])
    const r = layered(['a', 'b'], size, [['a', 'b'], ['b', 'a']])
    expect(r.pos.size).toBe(2)
  })
})

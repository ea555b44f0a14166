// layered lays out a large graph level in layers, as dagre does, but in
// linear time: longest-path ranks, a few barycentre sweeps to order each
// layer, then rows centred on the widest. dagre's crossing minimisation takes
// seconds to minutes on 1,000 nodes with many edges; this takes milliseconds,
// so a 1,000-step DAG is laid out well within the 1 s budget.

export interface Box { w: number; h: number }

export function layered(ids: string[], size: Map<string, Box>, edges: [string, string][], nodesep = 24, ranksep = 36, maxRow = 40): { pos: Map<string, { x: number; y: number }>; w: number; h: number } {
  const index = new Map(ids.map((id, i) => [id, i]))
  const succ: number[][] = ids.map(() => [])
  const pred: number[][] = ids.map(() => [])
  const indeg = new Array(ids.length).fill(0)
  for (const [a, b] of edges) {
    const i = index.get(a), j = index.get(b)
    if (i === undefined || j === undefined || i === j) continue
    succ[i].push(j); pred[j].push(i); indeg[j]++
  }
  // ranks by longest path; nodes on cycles are released in definition order
  const rank = new Array(ids.length).fill(0)
  const done = new Array(ids.length).fill(false)
  const queue: number[] = []
  for (let i = 0; i < ids.length; i++) if (indeg[i] === 0) queue.push(i)
  let processed = 0, next = 0
  while (processed < ids.length) {
    if (queue.length === 0) {
      while (done[next]) next++
      indeg[next] = 0
      queue.push(next)
    }
    const i = queue.shift()!
    if (done[i]) continue
    done[i] = true
    processed++
    for (const j of succ[i]) {
      if (done[j]) continue
      rank[j] = Math.max(rank[j], rank[i] + 1)
      if (--indeg[j] === 0) queue.push(j)
    }
  }
  const layers: number[][] = []
  for (let i = 0; i < ids.length; i++) (layers[rank[i]] ||= []).push(i)
  for (let r = 0; r < layers.length; r++) layers[r] ||= []
  const order = new Array(ids.length).fill(0)
  const setOrder = () => layers.forEach(l => l.forEach((n, k) => { order[n] = k }))
  setOrder()
  const sweep = (down: boolean) => {
    const rs = down ? layers.map((_, r) => r).slice(1) : layers.map((_, r) => r).reverse().slice(1)
    for (const r of rs) {
      const bary = new Map<number, number>()
      for (const n of layers[r]) {
        const nb = (down ? pred[n] : succ[n]).filter(m => rank[m] === r + (down ? -1 : 1))
        bary.set(n, nb.length ? nb.reduce((s, m) => s + order[m], 0) / nb.length : order[n])
      }
      layers[r].sort((a, b) => bary.get(a)! - bary.get(b)! || a - b)
      layers[r].forEach((n, k) => { order[n] = k })
    }
  }
  for (let k = 0; k < 4; k++) sweep(k % 2 === 0)
  // A wide layer (a fan-out of hundreds) wraps onto rows of at most maxRow nodes.
  const rows: number[][] = []
  for (const l of layers) for (let k = 0; k < Math.max(1, l.length); k += maxRow) rows.push(l.slice(k, k + maxRow))
  const widths = rows.map(l => l.reduce((s, n) => s + size.get(ids[n])!.w, 0) + nodesep * Math.max(0, l.length - 1))
  const W = Math.max(0, ...widths)
  const pos = new Map<string, { x: number; y: number }>()
  let y = 0
  rows.forEach((l, r) => {
    let x = (W - widths[r]) / 2
    let hmax = 0
    for (const n of l) {
      const s = size.get(ids[n])!
      pos.set(ids[n], { x, y })
      x += s.w + nodesep
      hmax = Math.max(hmax, s.h)
    }
    y += hmax + ranksep
  })
  return { pos, w: W, h: Math.max(0, y - ranksep) }
}

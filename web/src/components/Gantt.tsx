// The run's Gantt timeline: one bar per step, at least MIN_BAR_PX wide so
// that steps of a few milliseconds can still be seen and clicked, on a time
// axis whose ticks adapt from milliseconds to hours.
import { color, mark, type Step } from '../status'
import { formatDuration, formatOffset, tickStep, MIN_BAR_PX } from '../gantt'

export function Gantt(p: { steps: Map<string, Step>; order?: string[]; start?: number; stop?: number; selected?: string; onSelect: (id: string) => void }) {
  const rank = new Map((p.order || []).map((id, i) => [id, i]))
  const list = [...p.steps.values()].filter(s => s.startDate)
    .sort((a, b) => (a.startDate! - b.startDate!) || ((rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0)))
  const now = Date.now() / 1000
  const t0 = p.start || Math.min(...list.map(s => s.startDate!), now)
  const t1 = Math.max(p.stop || 0, ...list.map(s => s.stopDate || now), t0 + 0.001)
  const span = (t1 - t0) * 1000
  const LABEL = 220, ROW = 22
  const W = Math.max(300, window.innerWidth - LABEL - (p.selected ? 560 : 120))
  const step = tickStep(span, 8)
  const ticks: number[] = []
  for (let t = 0; t <= span; t += step) ticks.push(t)
  const x = (sec: number) => ((sec - t0) * 1000 / span) * W
  return <div className="gantt" data-testid="gantt">
    <svg width={LABEL + W + 20} height={(list.length + 1) * ROW + 10} role="img" aria-label="timeline of the steps">
      {ticks.map(t => <g key={t}>
        <line x1={LABEL + (t / span) * W} x2={LABEL + (t / span) * W} y1={ROW - 4} y2={(list.length + 1) * ROW} stroke="#d0d7de" />
        <text x={LABEL + (t / span) * W + 2} y={ROW - 8} fontSize="11" fill="#57606a">{formatOffset(t, step)}</text>
      </g>)}
      {list.map((s, i) => {
        const y = (i + 1) * ROW
        const bx = x(s.startDate!), bw = Math.max(MIN_BAR_PX, x(s.stopDate || now) - bx)
        const dur = ((s.stopDate || now) - s.startDate!) * 1000
        const title = `${s.id}: ${s.status}, ${formatDuration(dur)}${s.attempts > 1 ? `, ${s.attempts} attempts` : ''}`
        return <g key={s.id} className="gbar" onClick={() => p.onSelect(s.id)} style={{ cursor: 'pointer' }} data-id={s.id} data-status={s.status}>
          <title>{title}</title>
          <text x={4} y={y + 15} fontSize="12" fontWeight={p.selected === s.id ? 'bold' : undefined}>{(s.id.length > 30 ? s.id.slice(0, 29) + '…' : s.id)}</text>
          <rect x={LABEL + bx} y={y + 4} width={bw} height={ROW - 8} fill={color(s.status)} rx="2" />
          <text x={Math.min(LABEL + bx + bw + 4, LABEL + W - 60)} y={y + 15} fontSize="11" fill="#57606a">{mark(s.status)} {formatDuration(dur)}</text>
        </g>
      })}
    </svg>
  </div>
}

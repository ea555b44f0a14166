// The Gantt chart's time scale: ticks at a step that reads well whatever the
// run's length, from milliseconds to hours.

const STEPS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000,
  60000, 120000, 300000, 600000, 900000, 1800000, 3600000, 7200000, 10800000, 21600000, 43200000, 86400000]

// tickStep is the smallest step that gives at most maxTicks ticks over spanMs.
export function tickStep(spanMs: number, maxTicks: number): number {
  for (const s of STEPS_MS) if (spanMs / s <= maxTicks) return s
  return Math.ceil(spanMs / maxTicks / 86400000) * 86400000
}

// formatOffset writes an offset from the run's start in the unit of the tick step.
export function formatOffset(ms: number, step: number): string {
  if (step < 1000) return ms >= 1000 ? (ms / 1000).toFixed(3).replace(/\.?0+$/, '') + 's' : Math.round(ms) + 'ms'
  if (step < 60000) return (ms / 1000).toFixed(step % 1000 ? 1 : 0) + 's'
  if (step < 3600000) { const m = Math.floor(ms / 60000), s = Math.round((ms % 60000) / 1000); return s ? `${m}m${s}s` : `${m}m` }
  const h = Math.floor(ms / 3600000), m = Math.round((ms % 3600000) / 60000)
  return m ? `${h}h${m}m` : `${h}h`
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return Math.round(ms) + ' ms'
  if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s'
  if (ms < 3600000) return Math.floor(ms / 60000) + ' m ' + Math.round((ms % 60000) / 1000) + ' s'
  return Math.floor(ms / 3600000) + ' h ' + Math.round((ms % 3600000) / 60000) + ' m'
}

// MIN_BAR_PX: a step of a few milliseconds still gets a bar one can see and click.
export const MIN_BAR_PX = 3

#!/usr/bin/env node
// Summarizes JSON lines from run.mjs / run-cli.sh: per (mode, scenario) the number of runs
// and median / min / max of the main figures.
//   node bench/peer/summarize.mjs FILE.jsonl [...]
import { readFileSync } from 'node:fs';

const FIELDS = ['wall_ms', 'run_ms', 'construct_ms', 'transitions_per_s', 'executions_per_s',
  'rss_max_os_mb', 'rss_peak_sampled_mb', 'max_rss_mb', 'user_s', 'cpu_user_ms', 'loadavg_1m_after'];
const groups = new Map();
for (const f of process.argv.slice(2)) {
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    const key = `${r.mode ?? '?'} ${r.scenario}${r.name ? ' ' + r.name : ''}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
}
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x) => (Math.abs(x) >= 100 ? String(Math.round(x)) : String(Math.round(x * 100) / 100));
for (const [key, rs] of groups) {
  const ok = rs.filter((r) => r.ok).length;
  const parts = [];
  for (const f of FIELDS) {
    const v = rs.map((r) => Number(r[f])).filter((x) => Number.isFinite(x));
    if (!v.length) continue;
    parts.push(`${f}=${fmt(median(v))} [${fmt(Math.min(...v))}..${fmt(Math.max(...v))}]`);
  }
  console.log(`${key}: runs=${rs.length} ok=${ok}  median [min..max]: ${parts.join('  ')}`);
}

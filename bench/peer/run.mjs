#!/usr/bin/env node
// Peer side of the Baton benchmark: runs the scenarios of bench/defs/ in-process
// with the npm package aws-local-stepfunctions (its JS API) and prints ONE JSON
// line per scenario on stdout. Human-readable notes go to stderr.
//
//   node run.mjs [a|b|c|d ...]        default: a b c d
//
// Each scenario runs in its own child Node process (so that the peak RSS of one
// scenario is not inflated by another, and GC state does not carry over). Set
// PEER_NO_FORK=1 to run everything in this process instead.
//
// Scenarios (same definitions as the Baton side, bench/defs/):
//   a  pass-chain-1000.asl.json   1,000 plain Pass states (input passed through)
//   b  choice-loop.asl.json       Choice/Pass loop, input {"n":100000,"i":0}
//   c  map-100k.asl.json          inline Map over 100,000 items {"id":i}, Pass body
//   d  small-8-state.asl.json     100,000 small executions, input {"id":k,"v":k%100}
//
// Environment:
//   PEER_A_RUNS    executions of (a) in one process (default 20; first and best reported)
//   PEER_B_N       loop bound n for (b)              (default 100000)
//   PEER_C_ITEMS   items for (c)                     (default 100000; generated in memory
//                  unless bench/out/map-100k.input.json exists and has that many items)
//   PEER_D_EXECS   executions for (d)                (default 100000; when smaller, the time
//                  for 100,000 is extrapolated from the measured per-execution rate)
//   PEER_D_CONCURRENCY  executions of (d) started together (default 1 = one after another)
//   PEER_VALIDATE  0 to construct with validationOptions.noValidate (default 1: the
//                  package's default validation, as the CLI does)
//
// Reported fields (all times in ms, memory in MB = 2^20 bytes):
//   construct_ms        new StateMachine(definition) including its ASL validation
//   run_ms              time from sm.run(input) to the result promise resolving
//   wall_ms             construct_ms + run_ms (input loading/parsing excluded, see load_ms)
//   states_entered      states executed (a state entered counts once; a Map item's Pass
//                       body counts once per item); "transitions" below means this count
//   transitions_per_s   states_entered / run time
//   rss_peak_sampled_mb peak of process.memoryUsage().rss sampled every 5 ms (the
//                       sampler runs only when the event loop is free, so it can miss peaks)
//   rss_max_os_mb       process.resourceUsage().maxRSS: the kernel's peak RSS of the
//                       (child) process over its whole life, node baseline included
//   cpu_user_ms/cpu_sys_ms  CPU time of the whole (child) process, node start-up included
//   loadavg_1m_*        1-minute load average before/after: > ~0.5 means something else
//                       was using the 2 cores and the figures are suspect
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { StateMachine } from 'aws-local-stepfunctions';

const here = dirname(fileURLToPath(import.meta.url));
const defsDir = join(here, '..', 'defs');
const outDir = process.env.BENCH_OUT ?? join(here, '..', 'out');
const pkgVersion = JSON.parse(
  readFileSync(join(here, 'node_modules', 'aws-local-stepfunctions', 'package.json'), 'utf8'),
).version;

const env = (name, def) => (process.env[name] !== undefined && process.env[name] !== '' ? Number(process.env[name]) : def);
const MB = 1024 * 1024;
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const now = () => performance.now();

const ALL = ['a', 'b', 'c', 'd'];
const ALIASES = { 'pass-chain': 'a', 'choice-loop': 'b', map: 'c', 'map-100k': 'c', small: 'd', 'small-8-state': 'd' };

// ---------- RSS sampling ----------
let rssPeak = 0;
function sampleRss() {
  const r = process.memoryUsage.rss();
  if (r > rssPeak) rssPeak = r;
}
function startSampler() {
  sampleRss();
  const t = setInterval(sampleRss, 5);
  t.unref();
  return t;
}

function loadDef(file) {
  return JSON.parse(readFileSync(join(defsDir, file), 'utf8'));
}
function smOptions() {
  return env('PEER_VALIDATE', 1) === 0 ? { validationOptions: { noValidate: true } } : undefined;
}
function construct(def) {
  const t0 = now();
  const sm = new StateMachine(def, smOptions());
  return { sm, ms: now() - t0 };
}
async function runOnce(sm, input) {
  const t0 = now();
  const result = await sm.run(input).result;
  sampleRss();
  return { result, ms: now() - t0 };
}

function base(id, name, file) {
  return {
    tool: 'aws-local-stepfunctions',
    tool_version: pkgVersion,
    mode: 'in-process',
    scenario: id,
    name,
    definition: `bench/defs/${file}`,
  };
}

// ---------- scenarios ----------
async function scenarioA() {
  const file = 'pass-chain-1000.asl.json';
  const t0 = now();
  const def = loadDef(file);
  const input = loadDef('pass-chain-1000.input.json');
  const loadMs = now() - t0;
  const nStates = Object.keys(def.States).length;
  const runs = Math.max(1, env('PEER_A_RUNS', 20));
  const c = construct(def);
  const times = [];
  let ok = true;
  for (let r = 0; r < runs; r++) {
    const { result, ms } = await runOnce(c.sm, input);
    times.push(ms);
    ok = ok && JSON.stringify(result) === JSON.stringify(input);
  }
  const first = times[0];
  const best = Math.min(...times);
  const mean = times.reduce((s, x) => s + x, 0) / times.length;
  return {
    ...base('a', 'pass-chain-1000', file),
    ok,
    states_in_definition: nStates,
    states_entered: nStates,
    runs,
    load_ms: round(loadMs, 2),
    construct_ms: round(c.ms, 2),
    run_ms: round(first, 2),
    run_ms_best: round(best, 2),
    run_ms_mean: round(mean, 2),
    wall_ms: round(c.ms + first, 2),
    transitions_per_s: Math.round(nStates / (first / 1000)),
    transitions_per_s_best: Math.round(nStates / (best / 1000)),
  };
}

async function scenarioB() {
  const file = 'choice-loop.asl.json';
  const n = env('PEER_B_N', 100000);
  const def = loadDef(file);
  const input = { n, i: 0 };
  const c = construct(def);
  const { result, ms } = await runOnce(c.sm, input);
  const statesEntered = 2 * n + 1; // n x Incr, n x Check, 1 x Done
  return {
    ...base('b', 'choice-loop', file),
    ok: result && result.i === n && result.n === n,
    n,
    iterations: n,
    states_entered: statesEntered,
    construct_ms: round(c.ms, 2),
    run_ms: round(ms, 1),
    wall_ms: round(c.ms + ms, 1),
    transitions_per_s: Math.round(statesEntered / (ms / 1000)),
  };
}

async function scenarioC() {
  const file = 'map-100k.asl.json';
  const items = env('PEER_C_ITEMS', 100000);
  const def = loadDef(file);
  const t0 = now();
  let input;
  let inputSource;
  const inputFile = join(outDir, 'map-100k.input.json');
  if (existsSync(inputFile)) {
    input = JSON.parse(readFileSync(inputFile, 'utf8'));
    inputSource = 'bench/out/map-100k.input.json (JSON.parse)';
  }
  if (!input || input.items.length !== items) {
    input = { items: Array.from({ length: items }, (_, i) => ({ id: i })) };
    inputSource = 'generated in memory';
  }
  const loadMs = now() - t0;
  sampleRss();
  const c = construct(def);
  const { result, ms } = await runOnce(c.sm, input);
  const ok = Array.isArray(result) && result.length === items && result[items - 1].id === items - 1;
  const statesEntered = 1 + items;
  return {
    ...base('c', 'map-100k', file),
    ok,
    items,
    input_source: inputSource,
    states_entered: statesEntered,
    load_ms: round(loadMs, 1),
    construct_ms: round(c.ms, 2),
    run_ms: round(ms, 1),
    wall_ms: round(c.ms + ms, 1),
    transitions_per_s: Math.round(statesEntered / (ms / 1000)),
    items_per_s: Math.round(items / (ms / 1000)),
  };
}

async function scenarioD() {
  const file = 'small-8-state.asl.json';
  const target = 100000;
  const execs = Math.max(1, env('PEER_D_EXECS', target));
  const conc = Math.max(1, env('PEER_D_CONCURRENCY', 1));
  const def = loadDef(file);
  const c = construct(def);
  let bad = 0;
  const check = (k, r) => {
    if (!r || r.id !== k || r.band !== (k % 100 >= 50 ? 'high' : 'low') || r.version !== 1) bad++;
  };
  const t0 = now();
  if (conc === 1) {
    for (let k = 0; k < execs; k++) {
      check(k, await c.sm.run({ id: k, v: k % 100 }).result);
    }
  } else {
    for (let k0 = 0; k0 < execs; k0 += conc) {
      const batch = [];
      for (let k = k0; k < Math.min(execs, k0 + conc); k++) batch.push(c.sm.run({ id: k, v: k % 100 }).result);
      const rs = await Promise.all(batch);
      rs.forEach((r, j) => check(k0 + j, r));
    }
  }
  const ms = now() - t0;
  sampleRss();
  const perExecUs = (ms * 1000) / execs;
  const statesPerExec = 6;
  return {
    ...base('d', 'small-8-state', file),
    ok: bad === 0,
    executions: execs,
    executions_target: target,
    extrapolated: execs !== target,
    concurrency: conc,
    states_per_execution: statesPerExec,
    states_entered: statesPerExec * execs,
    construct_ms: round(c.ms, 2),
    run_ms: round(ms, 1),
    wall_ms: round(c.ms + ms, 1),
    us_per_execution: round(perExecUs, 2),
    executions_per_s: Math.round(execs / (ms / 1000)),
    run_ms_for_100000: round((perExecUs * target) / 1000, 1),
    transitions_per_s: Math.round((statesPerExec * execs) / (ms / 1000)),
  };
}

const SCENARIOS = { a: scenarioA, b: scenarioB, c: scenarioC, d: scenarioD };

async function runScenario(id) {
  rssPeak = 0;
  const loadBefore = os.loadavg()[0];
  const sampler = startSampler();
  const t0 = now();
  let rec;
  try {
    rec = await SCENARIOS[id]();
  } catch (e) {
    rec = { tool: 'aws-local-stepfunctions', tool_version: pkgVersion, scenario: id, ok: false, error: String(e?.stack ?? e) };
  }
  clearInterval(sampler);
  sampleRss();
  rec.process_ms = round(now() - t0, 1);
  const cpu = process.cpuUsage();
  rec.cpu_user_ms = round(cpu.user / 1000, 0);
  rec.cpu_sys_ms = round(cpu.system / 1000, 0);
  rec.rss_peak_sampled_mb = round(rssPeak / MB);
  rec.rss_max_os_mb = round((process.resourceUsage().maxRSS * 1024) / MB);
  rec.validate = env('PEER_VALIDATE', 1) !== 0;
  rec.loadavg_1m_before = round(loadBefore, 2);
  rec.loadavg_1m_after = round(os.loadavg()[0], 2);
  rec.node = process.version;
  rec.nproc = os.cpus().length;
  rec.cpu = os.cpus()[0]?.model;
  return rec;
}

function parseArgs(argv) {
  const ids = argv.map((a) => ALIASES[a] ?? a);
  for (const id of ids) {
    if (!SCENARIOS[id]) {
      console.error(`unknown scenario ${id}; use a, b, c, d`);
      process.exit(64);
    }
  }
  return ids.length ? ids : ALL;
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const rec = await runScenario(argv[1]);
    process.stdout.write(JSON.stringify(rec) + '\n');
    return;
  }
  const ids = parseArgs(argv);
  let failed = false;
  for (const id of ids) {
    let line;
    if (process.env.PEER_NO_FORK === '1') {
      line = JSON.stringify(await runScenario(id));
    } else {
      const p = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', id], {
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
        maxBuffer: 64 * MB,
      });
      line = (p.stdout || '').trim().split('\n').pop();
      if (p.status !== 0 || !line) {
        line = JSON.stringify({ tool: 'aws-local-stepfunctions', scenario: id, ok: false, error: `child exited ${p.status} ${p.signal ?? ''}` });
      }
    }
    if (!JSON.parse(line).ok) failed = true;
    process.stdout.write(line + '\n');
  }
  if (failed) process.exitCode = 1;
}

await main();

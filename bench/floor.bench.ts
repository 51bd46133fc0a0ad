// Issue 16's figures as ratios against the floor, measured in the same run: the shared harness
// (`../shared/perf`, or $VIGIL_PERF_DIR: upstream, floor and autocannon driver; see its README)
// runs `vigil serve` from this checkout and then the floor (undici + one WAL transaction, no
// sandbox) on the same job, and this bench reads its results. Absolute figures swing by a third
// with the machine's load; a ratio taken in one run does not.
//
// Needs the harness's dependencies once per machine: `../shared/perf/install-deps.sh deps`.
// DURATION (s per phase, default 10) and CONNS (default 32) pass through to the harness.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { BenchRow } from './types.ts';

interface HarnessRow {
  label: string;
  connections: number;
  p99: number;
  rssIdleMB: number;
  rssPeakMB: number;
  cpuMsPerReq: number | null;
  completedPerSecDuringLoad?: number;
  completedPerSecSustained?: number;
}

const root = join(import.meta.dirname, '..');
const perfDir = process.env.VIGIL_PERF_DIR ?? join(root, '..', 'shared', 'perf');

function ratioRow(name: string, value: number, floor: number, budget: string, ok: (ratio: number) => boolean): BenchRow {
  const ratio = floor > 0 ? value / floor : 0;
  return { name, value: ratio, unit: '× floor', budget, ok: ok(ratio) };
}

export async function bench(): Promise<BenchRow[]> {
  const harness = join(perfDir, 'run-all.sh');
  if (!existsSync(harness)) {
    console.log(`skipped: no harness at ${harness} (set VIGIL_PERF_DIR)`);
    return [];
  }
  const work = mkdtempSync(join(tmpdir(), 'vigil-bench-floor-'));
  try {
    // `npm run` puts the pinned Node first on PATH; the harness's own dependencies (install-deps.sh)
    // are built for the machine's `node`, which it calls as such. The vigil target still runs the
    // pinned Node from this checkout.
    const path = (process.env.PATH ?? '').split(delimiter).filter((dir) => !dir.endsWith(join('node_modules', '.bin'))).join(delimiter);
    const loadBefore = loadavg()[0]!;
    const output = execFileSync(harness, ['vigil', 'floor'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PATH: path, WORK: work, VIGIL_MAIN: root, CONNS: process.env.CONNS ?? '32', DURATION: process.env.DURATION ?? '10' },
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    });
    const loadAfter = loadavg()[0]!;
    console.log(output.slice(output.indexOf('\nmachine:') + 1));
    const results = readdirSync(work).find((file) => file.startsWith('results-'))!;
    const rows = readFileSync(join(work, results), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as HarnessRow);
    const c = Math.max(...rows.map((row) => row.connections));
    const find = (label: string) => rows.find((row) => row.label === label && row.connections === c);
    const vigil = find('vigil-async');
    const floor = find('floor-async');
    if (!vigil || !floor) throw new Error(`the harness did not report vigil-async and floor-async at c=${c}`);
    const startup = /server\.json after (\d+) ms; first run done after (\d+) ms/.exec(readFileSync(join(work, 'startup.txt'), 'utf8'));
    const sustained = vigil.completedPerSecSustained ?? 0;
    const duringLoad = vigil.completedPerSecDuringLoad ?? 0;
    return [
      { name: `machine load average (1 min) before / after`, value: loadBefore, unit: `/ ${loadAfter.toFixed(2)}` },
      { name: `floor-async: runs done/s (incl. drain), c=${c}`, value: floor.completedPerSecSustained ?? 0, unit: 'runs/s' },
      { name: `vigil: runs done/s (incl. drain), c=${c}`, value: sustained, unit: 'runs/s' },
      ratioRow(`vigil ÷ floor-async: runs done/s (incl. drain)`, sustained, floor.completedPerSecSustained ?? 0, '≥ 0.25', (r) => r >= 0.25),
      { name: `vigil: runs done/s while the load runs ÷ incl. drain`, value: sustained > 0 ? duringLoad / sustained : 0, unit: '×', budget: '≥ 0.8', ok: sustained > 0 && duringLoad / sustained >= 0.8 },
      { name: `floor-async: answer p99, c=${c}`, value: floor.p99, unit: 'ms' },
      { name: `vigil: 202 p99, c=${c}`, value: vigil.p99, unit: 'ms' },
      ratioRow(`vigil ÷ floor-async: answer p99`, vigil.p99, floor.p99, '≤ 1.5', (r) => r <= 1.5),
      // The harness reads CPU over the load phase only, per accepted request (the drain is not in it).
      { name: `vigil: server CPU per accepted execute (engine + sandbox)`, value: vigil.cpuMsPerReq ?? 0, unit: 'ms', budget: '≤ 1.5 ms', ok: (vigil.cpuMsPerReq ?? Infinity) <= 1.5 },
      { name: `floor-async: server CPU per request`, value: floor.cpuMsPerReq ?? 0, unit: 'ms' },
      { name: `vigil: RSS after the first run, before the load`, value: vigil.rssIdleMB, unit: 'MB' },
      { name: `vigil: peak RSS under load`, value: vigil.rssPeakMB, unit: 'MB' },
      { name: `floor-async: peak RSS under load`, value: floor.rssPeakMB, unit: 'MB' },
      { name: 'vigil: start to server.json', value: Number(startup?.[1] ?? 0), unit: 'ms', budget: '≤ 400 ms', ok: Number(startup?.[1] ?? Infinity) <= 400 },
      { name: 'vigil: start to first run finished', value: Number(startup?.[2] ?? 0), unit: 'ms', budget: '≤ 700 ms', ok: Number(startup?.[2] ?? Infinity) <= 700 },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

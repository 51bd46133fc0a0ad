// Sandbox benchmarks (DESIGN.md §9), at the sandbox level (no engine, no database):
//  - the sandbox process's resident memory when idle, after its first run;
//  - per-run overhead: a fresh QuickJS instance created, the workflow run, the result back; and the
//    CPU the sandbox process (all its threads) spends per trivial run, the figure that moves least
//    when other work shares the machine;
//  - trivial-run throughput with 32 runs in flight, and the sandbox process's RSS right after it;
//  - 1,000 concurrent runs each awaiting a 1 s loopback upstream: total time and the peak RSS of
//    the sandbox process plus this (host) process. The upstream runs in a process of its own so
//    its sockets are not counted.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSandboxHost, type RunRequest, type SandboxHost } from '../src/main/sandbox/index.ts';
import { rssOf, treeCpuMs } from './proc.ts';
import type { BenchRow } from './types.ts';

const TRIVIAL = 'export async function run(ctx) { return ctx.ok("done", { ip: ctx.indicator.value }); }';
const AWAITING = `export async function run(ctx) {
  const res = await ctx.http.get(ctx.input.url, { timeout_ms: 10_000 });
  return res.ok ? ctx.ok("answered", res.json()) : ctx.fail("upstream " + res.status);
}`;

let counter = 0;
function request(code: string, extra: Partial<RunRequest> = {}): RunRequest {
  counter++;
  return {
    runId: `bench-${counter}`,
    workflow: { uuid: '00000000-0000-4000-8000-000000000001', name: 'bench', version: 1 },
    trigger: 'agent',
    code,
    input: { indicator: { type: 'ip', value: '198.51.100.7', malice: null, enrichment: null }, alert: null, alert_uuid: null, context: null },
    secrets: {},
    declaredSecrets: [],
    allowedHosts: [],
    timeoutMs: 30_000,
    ...extra,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function perRunOverhead(host: SandboxHost): Promise<BenchRow[]> {
  for (let i = 0; i < 30; i++) await host.run(request(TRIVIAL)); // warm-up: wasm tiers, compile cache
  const inside: number[] = [];
  const roundTrip: number[] = [];
  const cpuBefore = treeCpuMs(host.pid);
  for (let i = 0; i < 300; i++) {
    const started = performance.now();
    const outcome = await host.run(request(TRIVIAL));
    roundTrip.push(performance.now() - started);
    if (outcome.status !== 'success') throw new Error(`trivial run failed: ${outcome.error}`);
    inside.push(outcome.durationMs);
  }
  const cpuPerRun = (treeCpuMs(host.pid) - cpuBefore) / 300;
  inside.sort((a, b) => a - b);
  roundTrip.sort((a, b) => a - b);
  return [
    { name: 'sandbox: process CPU per trivial run, one at a time', value: cpuPerRun, unit: 'ms' },
    { name: 'sandbox: per-run overhead, instance create → result (p50)', value: percentile(inside, 50), unit: 'ms' },
    { name: 'sandbox: per-run overhead, instance create → result (p99)', value: percentile(inside, 99), unit: 'ms' },
    { name: 'sandbox: trivial run round trip from the host (p50)', value: percentile(roundTrip, 50), unit: 'ms' },
  ];
}

async function throughput(host: SandboxHost): Promise<BenchRow[]> {
  const inFlight = 32;
  const durationMs = 3_000;
  let done = 0;
  const until = performance.now() + durationMs;
  const started = performance.now();
  const cpuBefore = treeCpuMs(host.pid);
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < until) {
        const outcome = await host.run(request(TRIVIAL));
        if (outcome.status !== 'success') throw new Error(`trivial run failed: ${outcome.error}`);
        done++;
      }
    }),
  );
  const perSecond = done / ((performance.now() - started) / 1000);
  const cpuPerRun = (treeCpuMs(host.pid) - cpuBefore) / done;
  const rssMb = rssOf(host.pid) / (1024 * 1024);
  // DESIGN.md §9 budgets runs per second end to end, engine and database included, against the
  // floor (`npm run bench floor`); this is the sandbox's share, so it must sit well above that.
  return [
    { name: 'sandbox: trivial runs/s, 32 in flight (sandbox only)', value: perSecond, unit: 'runs/s' },
    { name: 'sandbox: process CPU per trivial run, 32 in flight', value: cpuPerRun, unit: 'ms' },
    // What the process holds once a spell of load is over; it keeps it until it stops for idleness.
    { name: 'sandbox: RSS of the sandbox process right after that load', value: rssMb, unit: 'MB' },
  ];
}

function startUpstream(): Promise<{ child: ChildProcess; url: string }> {
  const script = `
    const http = require('node:http');
    const server = http.createServer((req, res) => setTimeout(() => res.end('{"ok":true}'), 1000));
    server.keepAliveTimeout = 5000;
    server.listen(0, '127.0.0.1', 4096, () => process.stdout.write(String(server.address().port) + '\\n'));
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve({ child, url: `http://127.0.0.1:${chunk.toString().trim()}/slow` }));
    child.once('exit', (code) => reject(new Error(`upstream exited with ${code}`)));
  });
}

async function thousandConcurrent(host: SandboxHost): Promise<BenchRow[]> {
  const { child, url } = await startUpstream();
  try {
    // Warm the sandbox so the measurement is of the runs, not of the process starting.
    await host.run(request(TRIVIAL));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idleMb = rssOf(host.pid) / (1024 * 1024);
    let peak = 0;
    const sample = () => {
      peak = Math.max(peak, rssOf(host.pid) + process.memoryUsage().rss);
    };
    const sampler = setInterval(sample, 20);
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: 1000 }, () => host.run(request(AWAITING, { allowedHosts: ['127.0.0.1'], input: { indicator: { type: 'ip', value: '198.51.100.7', malice: null, enrichment: null }, alert: null, alert_uuid: null, context: { url } } }))),
    );
    const totalMs = performance.now() - started;
    clearInterval(sampler);
    sample();
    const failed = outcomes.filter((o) => o.status !== 'success');
    if (failed.length > 0) throw new Error(`${failed.length} of 1000 runs did not succeed, e.g. ${failed[0]!.error}`);
    const peakMb = peak / (1024 * 1024);
    return [
      { name: 'sandbox: idle RSS of the sandbox process after its first run', value: idleMb, unit: 'MB' },
      // DESIGN.md §9's budget for this figure.
      { name: 'sandbox: 1,000 concurrent runs awaiting a 1 s upstream, total', value: totalMs / 1000, unit: 's', budget: '≤ 2 s', ok: totalMs <= 2000 },
      { name: 'sandbox: same, peak RSS (sandbox process + host)', value: peakMb, unit: 'MB', budget: '≤ 400 MB', ok: peakMb <= 400 },
    ];
  } finally {
    child.kill();
  }
}

export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // A fresh sandbox for the concurrency case, so its RSS is that case's and not the others'.
  const fresh = createSandboxHost();
  try {
    rows.push(...(await thousandConcurrent(fresh)));
  } finally {
    await fresh.close();
  }
  const host = createSandboxHost();
  try {
    rows.push(...(await perRunOverhead(host)));
    rows.push(...(await throughput(host)));
  } finally {
    await host.close();
  }
  return rows;
}

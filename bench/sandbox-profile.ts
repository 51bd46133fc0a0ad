// Where a trivial run's time goes in the sandbox (docs/performance.md § Sandbox): runs 3,000
// trivial workflows, 32 in flight, through a sandbox process started with --cpu-prof, then prints
// the CPU each of its threads spent per run (from /proc) and the worker thread's profile grouped by
// phase. Not part of `npm run bench`:
//
//   node bench/sandbox-profile.ts [runs]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandboxHost, type RunRequest } from '../src/main/sandbox/index.ts';
import { forkLauncher } from '../src/main/sandbox/launcher.ts';

const RUNS = Number(process.argv[2] ?? 3000);
const TRIVIAL = 'export async function run(ctx) { return ctx.ok("done", { ip: ctx.indicator.value }); }';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Phase of a profile node, by the function it is in. */
function phase(node: ProfileNode): string {
  const { functionName: name, url } = node.callFrame;
  if (name === '(garbage collector)') return 'garbage collection (this thread)';
  if (name === 'Instance') return 'wasm instance (V8: tables, exports, data segments)';
  if (name === 'Memory') return 'WebAssembly.Memory';
  if (name === 'copy' && url.endsWith('instance.ts')) return 'image copy (page faults)';
  if (name.startsWith('wasm-function') || name === 'js-to-wasm') return 'QuickJS (wasm): script parse, start, jobs';
  if (name === '(idle)' || name === '(program)') return 'idle';
  if (name === 'postMessage') return 'messages to the main thread';
  if (name === 'compileForInternalLoader' || name === '__require' || url.startsWith('node:internal/modules')) return 'loading modules (worker start)';
  if (url.includes('quickjs-emscripten-core') || url.endsWith('quickjs-module.ts') || url.endsWith('instance.ts')) return 'library wrappers, FFI';
  if (url.endsWith('runner.ts') || url.endsWith('prelude.ts')) return 'runner (host calls, result, log)';
  return 'other';
}

function threadCpuMs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const comm = readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim();
    // The profiler's own thread: it exists only while profiling.
    if (comm === 'v8:ProfEvntProc') continue;
    const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const name = comm === 'MainThread' ? 'main thread (broker, supervisor)' : comm.startsWith('vigil') ? 'worker thread' : 'V8 and libuv helper threads (GC)';
    out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10);
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-sandbox-profile-'));
const host = createSandboxHost({ workers: 1, launcher: forkLauncher({ execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`] }) });
let counter = 0;
const request = (): RunRequest => ({
  runId: `profile-${++counter}`,
  workflow: { uuid: '00000000-0000-4000-8000-000000000001', name: 'profile', version: 1 },
  trigger: 'agent',
  code: TRIVIAL,
  input: { indicator: { type: 'ip', value: '198.51.100.7', malice: null, enrichment: null }, alert: null, alert_uuid: null, context: null },
  secrets: {},
  declaredSecrets: [],
  allowedHosts: [],
  timeoutMs: 30_000,
});
const drive = async (runs: number) => {
  let started = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (started++ < runs) {
        const outcome = await host.run(request());
        if (outcome.status !== 'success') throw new Error(`trivial run failed: ${outcome.error}`);
      }
    }),
  );
};
await drive(300);
const pid = host.pid!;
const before = threadCpuMs(pid);
await drive(RUNS);
const after = threadCpuMs(pid);
await host.close();

console.log(`sandbox process CPU per run (${RUNS} trivial runs, 32 in flight, one worker):`);
let total = 0;
for (const [name, ms] of after) {
  const spent = ms - (before.get(name) ?? 0);
  total += spent;
  if (spent > 0) console.log(`  ${name.padEnd(48)} ${((spent / RUNS) * 1000).toFixed(0).padStart(6)} µs`);
}
console.log(`  ${'all threads'.padEnd(48)} ${((total / RUNS) * 1000).toFixed(0).padStart(6)} µs`);

// The worker's profile is the one written second (the main thread's is first). Its samples are
// taken on a wall clock (a thread waiting for the CPU is still sampled), so they give each phase's
// share of the worker's time, applied here to the worker thread's CPU per run from /proc. It also
// covers the worker's start and the warm-up runs.
const files = readdirSync(dir).filter((file) => file.endsWith('.cpuprofile')).sort();
const profile = JSON.parse(readFileSync(join(dir, files.at(-1)!), 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const phases = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const name = phase(nodes.get(id)!);
  if (name !== 'idle') phases.set(name, (phases.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const sampled = [...phases.values()].reduce((sum, us) => sum + us, 0);
const workerUs = ((after.get('worker thread')! - before.get('worker thread')!) / RUNS) * 1000;
console.log('worker thread per run, by phase (share of its samples × its CPU):');
for (const [name, us] of [...phases].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${name.padEnd(48)} ${((us / sampled) * workerUs).toFixed(0).padStart(6)} µs  ${((us / sampled) * 100).toFixed(0).padStart(3)} %`);
}
rmSync(dir, { recursive: true, force: true });

// The engine's side: one sandbox process with a minimal environment, many runs at once, and what
// happens when the process dies under them.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSandboxHost, forkLauncher, minimalEnv, type SandboxLauncher } from '../../src/main/sandbox/index.ts';
import { BENIGN, request } from './helpers.ts';

const hosts: Array<{ close(): Promise<void> }> = [];
function host(options: Parameters<typeof createSandboxHost>[0] = {}) {
  const h = createSandboxHost({ workers: 2, ...options });
  hosts.push(h);
  return h;
}
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.close()));
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor<T>(get: () => T | undefined, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the sandbox process', () => {
  it('inherits nothing from the engine environment', async () => {
    const saved = { ...process.env };
    process.env.HTTP_PROXY = 'http://127.0.0.1:9';
    process.env.NODE_OPTIONS = '--require /nonexistent.js';
    process.env.VIGIL_SECRET_TOKEN = 'must-not-leak';
    try {
      const h = host();
      const outcome = await h.run(request(BENIGN));
      expect(outcome.status, outcome.error ?? '').toBe('success');
      expect(minimalEnv({ HTTP_PROXY: 'x', PATH: '/bin', SystemRoot: 'C:\\Windows' })).toEqual(process.platform === 'win32' ? { SystemRoot: 'C:\\Windows' } : {});
      const environ = `/proc/${h.pid}/environ`;
      if (existsSync(environ)) {
        // Only what Node's fork adds for the IPC channel itself.
        const names = readFileSync(environ, 'utf8').split('\0').filter(Boolean).map((entry) => entry.split('=')[0]);
        expect(names.filter((name) => !name!.startsWith('NODE_CHANNEL_'))).toEqual([]);
      }
    } finally {
      process.env = saved;
    }
  });

  it("keeps V8's young generation small, where under load it would grow to 128 MB and stay", async () => {
    // Any entry gets the launcher's flags; this one churns through short-lived objects, with enough
    // surviving each collection that V8 grows the young generation as far as it is allowed.
    const entry = join(mkdtempSync(join(tmpdir(), 'vigil-young-')), 'churn.mjs');
    writeFileSync(
      entry,
      `import v8 from 'node:v8';
      const ring = new Array(20000);
      for (let i = 0; i < 3e6; i++) ring[i % ring.length] = { i, s: 'v' + i, a: [i, i + 1] };
      const young = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
      process.send(JSON.stringify({ youngMb: young.space_size / 1048576 }));`,
    );
    const channel = forkLauncher({ entry }).launch();
    try {
      const report = JSON.parse(await new Promise<string>((resolve) => channel.onMessage(resolve))) as { youngMb: number };
      expect(report.youngMb).toBeLessThanOrEqual(8);
    } finally {
      channel.kill();
      rmSync(dirname(entry), { recursive: true, force: true });
    }
  });

  it('starts on its first run, stops after it has been idle, and the next run starts a new one', async () => {
    const h = host({ idleStopMs: 400 });
    expect(h.pid).toBeUndefined();
    const first = await h.run(request(BENIGN));
    expect(first.status, first.error ?? '').toBe('success');
    const pid = h.pid!;
    expect(alive(pid)).toBe(true);
    await waitFor(() => (h.pid === undefined && !alive(pid) ? true : undefined));
    const second = await h.run(request(BENIGN));
    expect(second.status, second.error ?? '').toBe('success');
    expect(h.pid).toBeDefined();
    expect(h.pid).not.toBe(pid);
  });

  it('never stops a process while a run is in it, however long the run takes', async () => {
    const h = host({ idleStopMs: 200 });
    expect((await h.run(request(BENIGN))).status).toBe('success');
    const pid = h.pid!;
    const slow = 'export async function run(ctx) {\n  await ctx.sleep(1200);\n  return ctx.ok("slept");\n}\n';
    const outcome = await h.run(request(slow));
    expect(outcome.status, outcome.error ?? '').toBe('success');
    expect(h.pid).toBe(pid);
    await waitFor(() => (!alive(pid) ? true : undefined));
  });

  it('starts a new process for a run that arrives while an idle one is shutting down, and kills one that does not stop', async () => {
    const launched: number[] = [];
    const launcher = forkLauncher();
    const h = host({
      idleStopMs: 150,
      launcher: {
        launch: () => {
          const channel = launcher.launch();
          const first = launched.length === 0;
          launched.push(channel.pid!);
          // The first process never hears its shutdown, so it stays up until the host kills it.
          return first
            ? { get pid() { return channel.pid; }, send: (frame: string) => (frame.includes('"t":"shutdown"') ? undefined : channel.send(frame)), onMessage: (l) => channel.onMessage(l), onExit: (l) => channel.onExit(l), kill: () => channel.kill() }
            : channel;
        },
      },
    });
    expect((await h.run(request(BENIGN))).status).toBe('success');
    const pid = h.pid!;
    await waitFor(() => (h.pid === undefined ? true : undefined));
    const outcome = await h.run(request(BENIGN));
    expect(outcome.status, outcome.error ?? '').toBe('success');
    expect(launched).toHaveLength(2);
    expect(h.pid).toBe(launched[1]);
    await waitFor(() => (!alive(pid) ? true : undefined), 6000);
    // Its exit was not taken for a crash: no process was started in its place.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(launched).toHaveLength(2);
  });

  it.skipIf(!existsSync('/proc/self/task'))('starts with one worker and adds the second only when runs overlap', async () => {
    const workerThreads = (pid: number) =>
      readdirSync(`/proc/${pid}/task`).filter((task) => readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').startsWith('vigil-sandbox')).length;
    const h = host();
    expect((await h.run(request(BENIGN))).status).toBe('success');
    const pid = h.pid!;
    for (let i = 0; i < 2; i++) {
      const outcome = await h.run(request(BENIGN));
      expect(outcome.status, outcome.error ?? '').toBe('success');
    }
    expect(workerThreads(pid)).toBe(1);
    const slow = 'export async function run(ctx) {\n  await ctx.sleep(300);\n  return ctx.ok("slept");\n}\n';
    const outcomes = await Promise.all([1, 2, 3].map(() => h.run(request(slow))));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['success', 'success', 'success']);
    expect(workerThreads(pid)).toBe(2);
  });

  it('starts the process for prepared code and compiles it ahead of its run without changing what runs', async () => {
    const h = host();
    h.prepare(BENIGN);
    const pid = await waitFor(() => h.pid);
    expect((await h.run(request(BENIGN))).status).toBe('success');
    expect(h.pid).toBe(pid);
    const broken = 'export async function run(ctx) {\n  return ctx.ok(\n}\n';
    h.prepare(broken);
    h.prepare(`// ${'x'.repeat(2 * 1024 * 1024)}\n${BENIGN}`);
    h.prepare(BENIGN.replace('run(ctx)', 'run(ctx: unknown)'));
    const outcome = await h.run(request(BENIGN.replace('run(ctx)', 'run(ctx: unknown)')));
    expect(outcome.status, outcome.error ?? '').toBe('success');
    const refused = await h.run(request(broken));
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(/^line 3: SyntaxError/);
  });

  it('runs many workflows at once, each with its own input and secrets', async () => {
    const h = host();
    const code = `import { sha256 } from "vigil";
      export async function run(ctx) { await ctx.sleep(20); return ctx.ok(String(ctx.input.n), { digest: sha256(ctx.secrets.get("S")) }); }`;
    const runs = Array.from({ length: 60 }, (_, n) =>
      h.run(request(code, { input: { context: { n } }, secrets: { S: `secret-number-${n}` }, declaredSecrets: ['S'] })),
    );
    const outcomes = await Promise.all(runs);
    outcomes.forEach((outcome, n) => {
      expect(outcome.status, outcome.error ?? '').toBe('success');
      expect(outcome.result).toEqual({ success: true, message: String(n), data: { digest: createHash('sha256').update(`secret-number-${n}`).digest('hex') } });
    });
  });

  it('runs test-mode runs on a worker of their own, so computing ones never hold up the others', async () => {
    const h = host();
    const ended: number[] = [];
    // Test mode: the request has mocks. Each computes until its CPU limit, one after the other.
    const spinning = [0, 1, 2, 3].map((n) =>
      h.run(request('export async function run(ctx) { for (;;) {} }', { mocks: { rules: [], default: 'error' }, limits: { cpuMs: 1_000 } })).then((outcome) => {
        ended.push(n);
        return outcome;
      }),
    );
    const others = await Promise.all(Array.from({ length: 20 }, () => h.run(request(BENIGN))));
    expect(others.map((outcome) => outcome.status)).toEqual(Array(20).fill('success'));
    // All twenty ended while the first test run was still computing.
    expect(ended).toEqual([]);
    for (const outcome of await Promise.all(spinning)) expect(outcome).toMatchObject({ status: 'timed_out', error: 'CPU limit of 1 s exceeded' });
  }, 30_000);

  it('fails the runs in flight with "sandbox crashed" when the process is killed, and the next run works', async () => {
    const h = host({ restartBackoffMs: 50 });
    const first = await h.run(request(BENIGN));
    expect(first.status).toBe('success');
    const pid = h.pid!;
    const inFlight = [1, 2, 3].map(() => h.run(request('export async function run(ctx) { await ctx.sleep(10_000); return ctx.ok("slept"); }', { timeoutMs: 20_000 })));
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.kill(pid, 'SIGKILL');
    for (const outcome of await Promise.all(inFlight)) {
      expect(outcome).toMatchObject({ status: 'failed', error: 'sandbox crashed', result: null });
    }
    const after = await h.run(request(BENIGN));
    expect(after.status, after.error ?? '').toBe('success');
    expect(h.pid).not.toBe(pid);
    // And again: the backoff grows but the sandbox comes back. (A run handed over at the very
    // moment of a crash may have started, so it fails rather than running twice: wait for the exit.)
    process.kill(h.pid!, 'SIGKILL');
    await waitFor(() => (h.pid === undefined ? true : undefined));
    const again = await h.run(request(BENIGN));
    expect(again.status, again.error ?? '').toBe('success');
  });

  it('keeps runs queued while the process is starting or restarting', async () => {
    let launches = 0;
    const base = forkLauncher();
    const counting: SandboxLauncher = {
      launch() {
        launches++;
        return base.launch();
      },
    };
    const h = host({ launcher: counting, restartBackoffMs: 200 });
    const outcomes = await Promise.all([1, 2, 3].map(() => h.run(request(BENIGN))));
    expect(outcomes.map((o) => o.status)).toEqual(['success', 'success', 'success']);
    process.kill(await waitFor(() => h.pid), 'SIGKILL');
    await waitFor(() => (h.pid === undefined ? true : undefined));
    const queued = await h.run(request(BENIGN));
    expect(queued.status, queued.error ?? '').toBe('success');
    expect(launches).toBe(2);
  });

  it('cancels a run while it is queued behind a restart', async () => {
    const h = host({ restartBackoffMs: 1000 });
    await h.run(request(BENIGN));
    process.kill(h.pid!, 'SIGKILL');
    await waitFor(() => (h.pid === undefined ? true : undefined));
    const controller = new AbortController();
    const queued = h.run(request(BENIGN), controller.signal);
    controller.abort();
    expect(await queued).toMatchObject({ status: 'cancelled' });
  });

  it('refuses runs after close', async () => {
    const h = host();
    await h.run(request(BENIGN));
    await h.close();
    expect(await h.run(request(BENIGN))).toMatchObject({ status: 'failed', error: 'the sandbox is shut down' });
  });
});

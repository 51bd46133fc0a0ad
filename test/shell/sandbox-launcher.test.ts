// The utilityProcess launcher with a fake utilityProcess, alone and driven by the real sandbox host.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.ts'));

const fake = await import('./fake-electron.ts');
const { createUtilityProcessLauncher, SANDBOX_SERVICE_NAME } = await import('../../src/main/shell/sandbox-launcher.ts');
const { createSandboxHost } = await import('../../src/main/sandbox/index.ts');

function launch(options: { forceKillAfterMs?: number } = {}) {
  const logged: string[] = [];
  const launcher = createUtilityProcessLauncher({ modulePath: '/app/out/main/sandbox-process.js', log: (message) => logged.push(message), ...options });
  const channel = launcher.launch();
  const fork = fake.FakeUtilityProcess.forks.at(-1)!;
  const exits: Array<{ code: number | null; signal: string | null }> = [];
  channel.onExit((info) => exits.push(info));
  return { channel, fork, child: fork.child, exits, logged };
}

describe('utilityProcess sandbox launcher', () => {
  beforeEach(() => fake.resetFakes());
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('forks the sandbox entry as a named utility process with a minimal environment', () => {
    process.env.VIGIL_TEST_TOKEN = 'must-not-leak';
    process.env.HTTPS_PROXY = 'http://proxy.invalid:3128';
    try {
      const { fork } = launch();
      expect(fork.modulePath).toBe('/app/out/main/sandbox-process.js');
      expect(fork.args).toEqual([]);
      expect(fork.options.serviceName).toBe(SANDBOX_SERVICE_NAME);
      expect(fork.options.stdio).toEqual(['ignore', 'ignore', 'inherit']);
      const env = fork.options.env as Record<string, string>;
      expect(env.VIGIL_TEST_TOKEN).toBeUndefined();
      expect(env.HTTPS_PROXY).toBeUndefined();
      expect(env.PATH).toBeUndefined();
      expect(env.NODE_OPTIONS).toBeUndefined();
      expect(fork.options.execArgv).toBeUndefined();
    } finally {
      delete process.env.VIGIL_TEST_TOKEN;
      delete process.env.HTTPS_PROXY;
    }
  });

  it('carries frames (strings) both ways and reports the pid once spawned', () => {
    const { channel, child } = launch();
    expect(channel.pid).toBeUndefined();
    child.spawn(777);
    expect(channel.pid).toBe(777);
    const received: unknown[] = [];
    channel.onMessage((frame) => received.push(frame));
    child.emit('message', '{"t":"hello"}');
    channel.send('{"t":"shutdown"}');
    expect(received).toEqual(['{"t":"hello"}']);
    expect(child.posted).toEqual(['{"t":"shutdown"}']);
  });

  it('drops whatever arrives that is not a frame', () => {
    const { channel, child } = launch();
    child.spawn();
    const received: unknown[] = [];
    channel.onMessage((frame) => received.push(frame));
    child.emit('message', { t: 'outcome', id: 1 });
    child.emit('message', null);
    child.emit('message', '{"t":"ready"}');
    expect(received).toEqual(['{"t":"ready"}']);
  });

  it('reports the exit once, and sends nothing after it', () => {
    const { channel, child, exits } = launch();
    child.spawn();
    child.exitWith(3);
    child.emit('exit', 3);
    expect(exits).toEqual([{ code: 3, signal: null }]);
    channel.send('{"t":"shutdown"}');
    expect(child.posted).toEqual([]);
  });

  it('kill() asks first, and kills outright a process that does not end', () => {
    vi.useFakeTimers();
    const killSpy = vi.spyOn(process, 'kill').mockImplementation(() => true);
    const { channel, child, exits, logged } = launch({ forceKillAfterMs: 1000 });
    child.spawn(31337);
    child.onKill = () => undefined; // stuck: ignores the polite kill
    channel.kill();
    channel.kill();
    expect(child.killed).toBe(1);
    vi.advanceTimersByTime(999);
    expect(killSpy).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(killSpy).toHaveBeenCalledWith(31337, 'SIGKILL');
    expect(logged.at(-1)).toContain('killing it outright');
    child.exitWith(137);
    expect(exits).toEqual([{ code: 137, signal: null }]);
  });

  it('a process that ends when asked is not killed outright', async () => {
    vi.useFakeTimers();
    const killSpy = vi.spyOn(process, 'kill').mockImplementation(() => true);
    const { channel, child, exits } = launch({ forceKillAfterMs: 1000 });
    child.spawn();
    channel.kill();
    await vi.advanceTimersByTimeAsync(5000);
    expect(exits).toEqual([{ code: 0, signal: null }]);
    expect(killSpy).not.toHaveBeenCalled();
  });

  it("a launch failure (no 'exit' will come) still ends the channel, via child-process-gone", () => {
    const { exits, logged } = launch();
    fake.app.emit('child-process-gone', fake.fakeEvent(), { type: 'Utility', reason: 'launch-failed', exitCode: 1, serviceName: 'Other service' });
    expect(exits).toEqual([]);
    fake.app.emit('child-process-gone', fake.fakeEvent(), { type: 'Utility', reason: 'launch-failed', exitCode: 1, serviceName: SANDBOX_SERVICE_NAME });
    expect(exits).toEqual([{ code: 1, signal: null }]);
    expect(logged).toEqual(['The sandbox process ended: launch-failed (exit code 1).']);
    expect(fake.app.listenerCount('child-process-gone')).toBe(0);
  });

  it('logs why a running sandbox died (crash, out of memory) and ends on its exit', () => {
    const { child, exits, logged } = launch();
    child.spawn();
    fake.app.emit('child-process-gone', fake.fakeEvent(), { type: 'Utility', reason: 'oom', exitCode: -1, serviceName: SANDBOX_SERVICE_NAME });
    expect(logged).toEqual(['The sandbox process ended: oom (exit code -1).']);
    expect(exits).toEqual([]);
    child.exitWith(-1);
    expect(exits).toEqual([{ code: -1, signal: null }]);
  });
});

describe('the real sandbox host over the utilityProcess launcher', () => {
  beforeEach(() => fake.resetFakes());

  it('greets, initialises, sends runs, and shuts the process down on close', async () => {
    const host = createSandboxHost({ launcher: createUtilityProcessLauncher({ modulePath: '/app/out/main/sandbox-process.js', log: () => undefined }) });
    const running = host.run({
      runId: 'r-1',
      workflow: { uuid: 'w-1', name: 'Block IP', version: 1 },
      trigger: 'human',
      code: 'export async function run(ctx) { return ctx.ok("done"); }',
      input: { indicator: { type: 'ip', value: '203.0.113.1', malice: null, enrichment: null }, alert: null, alert_uuid: null, context: null },
      secrets: {},
      declaredSecrets: [],
      allowedHosts: [],
      timeoutMs: 5000,
    } as never);
    const child = fake.FakeUtilityProcess.forks[0]!.child;
    child.spawn();
    child.emit('message', '{"t":"hello"}');
    // The host sends what one event-loop turn produced as one frame: JSON texts, one per line.
    await new Promise((resolve) => setImmediate(resolve));
    expect(child.posted).toHaveLength(1);
    const sent = (child.posted[0] as string).split('\n').map((line) => JSON.parse(line));
    expect(sent.map((message: any) => message.t)).toEqual(['init', 'run']);
    const run = sent[1] as { id: number };
    const outcome = { status: 'success', result: { success: true, message: 'done', data: null }, error: null, logs: [], httpCalls: [], durationMs: 3 };
    child.emit('message', JSON.stringify({ t: 'outcome', id: run.id, outcome }));
    await expect(running).resolves.toMatchObject({ status: 'success' });
    // The sandbox process exits on 'shutdown', as the real one does.
    const post = child.postMessage.bind(child);
    child.postMessage = (frame: any) => {
      post(frame);
      if (frame === '{"t":"shutdown"}') queueMicrotask(() => child.exitWith(0));
    };
    await host.close();
    expect(child.posted.at(-1)).toBe('{"t":"shutdown"}');
    expect(child.killed).toBe(0);
  });
});

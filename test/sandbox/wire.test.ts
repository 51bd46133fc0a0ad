// The engine ↔ sandbox wire: messages travel as JSON strings, so nothing a caller or a guest sends
// can make a transport recurse; what cannot be serialized or read fails its own run only. And the
// journal: a journaled run's log lines and HTTP calls reach the engine while it runs.
import { afterAll, describe, expect, it } from 'vitest';
import type { RunLogEntry } from '../../src/shared/domain.ts';
import { createSandboxHost, forkLauncher, type SandboxChannel, type SandboxLauncher } from '../../src/main/sandbox/index.ts';
import { BENIGN, request, sandbox, upstream } from './helpers.ts';

/** A launcher whose "process" is this test: it sees every frame and answers by hand. */
function scripted() {
  const frames: string[] = [];
  let listener: (frame: string) => void = () => undefined;
  const exits: Array<(info: { code: number | null; signal: string | null }) => void> = [];
  const launcher: SandboxLauncher = {
    launch(): SandboxChannel {
      return {
        pid: 4242,
        send: (frame) => {
          frames.push(frame);
          // As the real process does.
          if (frame.split('\n').includes('{"t":"shutdown"}')) queueMicrotask(() => exits.forEach((l) => l({ code: 0, signal: null })));
        },
        onMessage: (l) => (listener = l),
        onExit: (l) => exits.push(l),
        kill: () => exits.forEach((l) => l({ code: null, signal: 'SIGKILL' })),
      };
    },
  };
  const host = createSandboxHost({ launcher, restartBackoffMs: 60_000 });
  return {
    host,
    frames,
    /** Every message the host sent so far. */
    sent: () => frames.flatMap((frame) => frame.split('\n')).map((line) => JSON.parse(line) as { t: string; id?: number; journal?: boolean }),
    answer: (...lines: string[]) => listener(lines.join('\n')),
    crash: () => exits.forEach((l) => l({ code: null, signal: 'SIGKILL' })),
    turn: () => new Promise((resolve) => setImmediate(resolve)),
  };
}

const outcome = (message: string) => ({ status: 'success', result: { success: true, message, data: null }, error: null, logs: [], httpCalls: [], durationMs: 1 });
const entry = (seq: number, message: string): RunLogEntry => ({ seq, ts: '2026-01-01T00:00:00.000Z', level: 'info', message, fields: null, step: null, http: null });

describe('host → sandbox', () => {
  it('a run whose input cannot be serialized fails alone, and is never sent', async () => {
    const wire = scripted();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const good = wire.host.run(request(BENIGN));
    const tooDeep = wire.host.run(request(BENIGN, { input: { context: deep } }));
    const withCycle = wire.host.run(request(BENIGN, { input: { context: cyclic } }));
    expect(await tooDeep).toMatchObject({ status: 'failed', error: expect.stringMatching(/^the run's input could not be sent to the sandbox: it is nested too deeply/) });
    expect(await withCycle).toMatchObject({ status: 'failed', error: "the run's input could not be sent to the sandbox: it contains a cycle" });
    wire.answer('{"t":"hello"}');
    await wire.turn();
    // One frame for the turn: init and the one run that could be sent.
    expect(wire.frames).toHaveLength(1);
    const sent = wire.sent();
    expect(sent.map((m) => m.t)).toEqual(['init', 'run']);
    wire.answer(JSON.stringify({ t: 'outcome', id: sent[1]!.id, outcome: outcome('fine') }));
    expect(await good).toMatchObject({ status: 'success', result: { message: 'fine' } });
    await wire.host.close();
  });
});

describe('sandbox → host', () => {
  it('an answer the host cannot read fails that run only', async () => {
    const wire = scripted();
    // With a secret, so the host's second redaction pass walks every answer.
    const runs = [0, 1, 2, 3, 4, 5].map(() => wire.host.run(request(BENIGN, { secrets: { S: 'a-secret-value' }, declaredSecrets: ['S'] })));
    wire.answer('{"t":"hello"}');
    await wire.turn();
    const ids = wire.sent().filter((m) => m.t === 'run').map((m) => m.id!);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 200; i++) deep = [deep];
    wire.answer(
      `{"t":"outcome","id":${ids[0]},"outcome":{"status":"succ`,
      JSON.stringify({ t: 'outcome', id: ids[1], outcome: { ...outcome('x'), status: 'splendid' } }),
      JSON.stringify({ t: 'outcome', id: ids[2], outcome: { ...outcome('x'), result: { success: true, message: 'deep', data: deep } } }),
      JSON.stringify({ t: 'outcome', id: ids[3], outcome: { ...outcome('x'), logs: [{ seq: 0, level: 'shout' }] } }),
      'not json at all',
      JSON.stringify({ t: 'outcome', id: ids[4], outcome: { ...outcome('x'), httpCalls: [{ method: 'GET', url: 'https://x.example/' }] } }),
      JSON.stringify({ t: 'outcome', id: ids[5], outcome: outcome('intact') }),
    );
    const [truncated, badStatus, tooDeep, badLog, badCall, intact] = await Promise.all(runs);
    expect(truncated).toMatchObject({ status: 'failed', error: expect.stringMatching(/^the sandbox sent an answer the engine could not read: a message that is not JSON/) });
    expect(badStatus).toMatchObject({ status: 'failed', error: 'the sandbox sent an answer the engine could not read: the outcome has no valid status' });
    expect(tooDeep).toMatchObject({ status: 'failed', error: 'the sandbox sent an answer the engine could not read: a message nested more than 108 levels' });
    expect(badLog).toMatchObject({ status: 'failed', error: 'the sandbox sent an answer the engine could not read: a log entry is malformed' });
    expect(badCall).toMatchObject({ status: 'failed', error: 'the sandbox sent an answer the engine could not read: an HTTP call record is malformed' });
    expect(intact).toMatchObject({ status: 'success', result: { message: 'intact' } });
    await wire.host.close();
  });

  it('hands journal entries to the run that asked, redacted again, and keeps them when the sandbox dies', async () => {
    const wire = scripted();
    const seen: RunLogEntry[] = [];
    const secret = 'hunter2-the-secret';
    const journaled = wire.host.run(request(BENIGN, { secrets: { S: secret }, declaredSecrets: ['S'] }), undefined, { journal: (e) => seen.push(e) });
    const plain = wire.host.run(request(BENIGN));
    wire.answer('{"t":"hello"}');
    await wire.turn();
    const runs = wire.sent().filter((m) => m.t === 'run');
    expect(runs.map((m) => m.journal)).toEqual([true, false]);
    const [id, plainId] = runs.map((m) => m.id!);
    wire.answer(
      JSON.stringify({ t: 'journal', id, entry: entry(0, `token ${secret}`) }),
      JSON.stringify({ t: 'journal', id, entry: { seq: 1, level: 'nonsense' } }),
      JSON.stringify({ t: 'journal', id: plainId, entry: entry(0, 'not asked for') }),
      JSON.stringify({ t: 'journal', id, entry: { ...entry(1, 'POST https://fw.example/block sent, awaiting the answer'), http: { method: 'POST', url: 'https://fw.example/block', status: null, ms: 0, bytes: 0 } } }),
    );
    expect(seen.map((e) => e.message)).toEqual(['token [REDACTED]', 'POST https://fw.example/block sent, awaiting the answer']);
    wire.crash();
    const crashed = await journaled;
    expect(crashed).toMatchObject({ status: 'failed', error: 'sandbox crashed' });
    expect(crashed.logs.map((e) => [e.seq, e.message])).toEqual([
      [0, 'token [REDACTED]'],
      [1, 'POST https://fw.example/block sent, awaiting the answer'],
      [2, 'sandbox crashed'],
    ]);
    expect((await plain).logs.map((e) => e.message)).toEqual(['sandbox crashed']);
    await wire.host.close();
  });
});

describe('a real sandbox process', () => {
  const box = sandbox({ workers: 1 });
  afterAll(() => box.close());

  it('refuses integration arguments too deep to cross to its main thread, and its worker lives on', async () => {
    const code = `export async function run(ctx) {
      let a = 1;
      for (let i = 0; i < 5000; i++) a = [a];
      try { await ctx.integrations.okta.findUser(a); } catch (e) { return ctx.ok(e.name + ": " + e.message); }
      return ctx.fail("accepted");
    }`;
    const outcome = await box.run(code, { integrations: { okta: { org_url: 'http://127.0.0.1:9', api_token: 'unused-token' }, entra: null }, limits: { stackBytes: 2 * 1024 * 1024, cpuMs: 2_000 } });
    expect(outcome.status, outcome.error ?? '').toBe('success');
    expect(outcome.result?.message).toBe('TypeError: ctx.integrations: arguments nested more than 100 levels');
    const benign = await box.run(BENIGN);
    expect(benign.status, benign.error ?? '').toBe('success');
  });

  it('reports log lines and HTTP calls in order as they happen, redacted, without bodies or headers', async () => {
    const secret = 'sk_journal_secret_value';
    const receiver = await upstream((_req, res) => res.end('{"blocked":true,"echo":"sk_journal_secret_value"}'));
    try {
      const code = `export async function run(ctx) {
        ctx.log.info("blocking", { ip: ctx.indicator.value, token: ctx.secrets.get("S") });
        const res = await ctx.http.post(ctx.input.url + "/block?token=" + ctx.secrets.get("S"), { json: { ip: ctx.indicator.value, secret: ctx.secrets.get("S") }, headers: { authorization: "Bearer " + ctx.secrets.get("S") } });
        await ctx.step("confirm", async () => ctx.log.info("blocked", { status: res.status }));
        return ctx.ok("done");
      }`;
      const seen: RunLogEntry[] = [];
      const outcome = await box.host.run(
        request(code, { allowedHosts: ['127.0.0.1'], secrets: { S: secret }, declaredSecrets: ['S'], input: { context: { url: receiver.url } } }),
        undefined,
        { journal: (e) => seen.push(e) },
      );
      expect(outcome.status, outcome.error ?? '').toBe('success');
      expect(seen.map((e) => e.seq)).toEqual(seen.map((_, i) => i));
      expect(seen.map((e) => e.message)).toEqual([
        'blocking',
        `POST ${receiver.url}/block?token=[REDACTED] sent, awaiting the answer`,
        expect.stringMatching(new RegExp(`^POST ${receiver.url}/block\\?token=\\[REDACTED\\] → 200 \\(\\d+ ms, \\d+ bytes\\)$`)),
        'step "confirm" started',
        'blocked',
        expect.stringMatching(/^step "confirm" finished/),
      ]);
      expect(seen[0]!.fields).toEqual({ ip: '198.51.100.7', token: '[REDACTED]' });
      expect(seen[1]!.http).toEqual({ method: 'POST', url: `${receiver.url}/block?token=[REDACTED]`, status: null, ms: 0, bytes: 0 });
      expect(seen[2]!.http).toMatchObject({ method: 'POST', status: 200 });
      expect(Object.keys(seen[2]!.http!).sort()).toEqual(['bytes', 'method', 'ms', 'status', 'url']);
      const text = JSON.stringify(seen);
      expect(text).not.toContain(secret);
      expect(text).not.toContain('blocked":true');
      // The outcome's logs are the run's full account, as without a journal.
      expect(outcome.logs.map((e) => e.message)).toEqual(['blocking', seen[2]!.message, 'step "confirm" started', 'blocked', seen[5]!.message]);
    } finally {
      await receiver.close();
    }
  });

  it('journals a failed call with its error', async () => {
    const code = `export async function run(ctx) {
      ctx.log.info("trying");
      try { await ctx.http.get("http://127.0.0.1:9/nothing-listens", { timeout_ms: 2000 }); } catch (e) { ctx.log.warn("unreachable"); }
      return ctx.ok("done");
    }`;
    const seen: RunLogEntry[] = [];
    const outcome = await box.host.run(request(code, { allowedHosts: ['127.0.0.1'] }), undefined, { journal: (e) => seen.push(e) });
    expect(outcome.status, outcome.error ?? '').toBe('success');
    expect(seen.map((e) => e.message)).toEqual([
      'trying',
      'GET http://127.0.0.1:9/nothing-listens sent, awaiting the answer',
      expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:9\/nothing-listens failed: /),
      'unreachable',
    ]);
    expect(seen[2]!.http?.error).toBeTruthy();
  });

  it('sends no journal for runs that did not ask for one (test runs)', async () => {
    const lines: string[] = [];
    const base = forkLauncher();
    const listening: SandboxLauncher = {
      launch() {
        const channel = base.launch();
        channel.onMessage((frame) => lines.push(...frame.split('\n')));
        return channel;
      },
    };
    const host = createSandboxHost({ launcher: listening, workers: 1 });
    try {
      const code = 'export async function run(ctx) { ctx.log.info("one"); await ctx.sleep(5); ctx.log.info("two"); return ctx.ok("done"); }';
      const outcome = await host.run(request(code));
      expect(outcome.status, outcome.error ?? '').toBe('success');
      expect(outcome.logs.map((e) => e.message)).toEqual(['one', 'two']);
      expect(lines.filter((line) => line.startsWith('{"t":"journal"'))).toEqual([]);
      expect(lines.filter((line) => line.startsWith('{"t":"outcome"'))).toHaveLength(1);
    } finally {
      await host.close();
    }
  });
});

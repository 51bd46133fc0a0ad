// The engine ↔ sandbox wire: messages travel as JSON strings, so nothing a caller or a guest sends
// can make a transport recurse; what cannot be serialized or read fails its own run only.
import { describe, expect, it } from 'vitest';
import { createSandboxHost, type SandboxChannel, type SandboxLauncher } from '../../src/main/sandbox/index.ts';
import { BENIGN, request } from './helpers.ts';

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
});

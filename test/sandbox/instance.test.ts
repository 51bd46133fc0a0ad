// The instance image every run's QuickJS instance is restored from (src/main/sandbox/worker/
// instance.ts), checked in this process: whatever a run does to its instance, the image stays as
// it was, the next instance is byte for byte what the one before it was, and holds nothing of the
// run before it.
import { createHash } from 'node:crypto';
import releaseSync from '@jitl/quickjs-wasmfile-release-sync';
import { newQuickJSWASMModuleFromVariant, type QuickJSContext, type QuickJSSyncVariant } from 'quickjs-emscripten-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileWorkflow } from '../../src/main/sandbox/compile.ts';
import { resolveLimits } from '../../src/main/sandbox/limits.ts';
import { loadQuickJSWasm } from '../../src/main/sandbox/process/wasm.ts';
import { CONTROL, type RunConfig, type WorkerOutcome, type WorkerToMain } from '../../src/main/sandbox/protocol.ts';
import { InstanceImage } from '../../src/main/sandbox/worker/instance.ts';
import { GuestRun } from '../../src/main/sandbox/worker/runner.ts';

const SECRET = 'sk_live_image-isolation-4f1c9e';
// The package's types describe its CommonJS build, whose default export sits one level deeper
// than the ES module Node loads here; accept either shape.
const RELEASE_SYNC = ((releaseSync as unknown as { default?: QuickJSSyncVariant }).default ?? releaseSync) as QuickJSSyncVariant;
const MAXIMUM_PAGES = 1408;
let image: InstanceImage;

beforeAll(async () => {
  const wasm = loadQuickJSWasm();
  image = await InstanceImage.build(wasm.module, wasm.initialPages);
});

/** A restored instance's memory, before the run would seed it: what the image makes of a Memory. */
function restoredBytes(): Uint8Array {
  const instance = image.restore(MAXIMUM_PAGES);
  return new Uint8Array(instance.memory.buffer);
}

const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let seq = 0;
/** Runs a workflow through the worker's real runner, with the image, in this process. */
function run(code: string, secrets: Record<string, string> = {}): Promise<WorkerOutcome> {
  const compiled = compileWorkflow(code);
  if (!compiled.ok) throw new Error(compiled.error);
  const config: RunConfig = {
    indicator: { type: 'ip', value: '198.51.100.7' },
    alert: null,
    input: null,
    run: { id: 'run', workflow: { uuid: '11111111-1111-4111-8111-111111111111', name: 'image', version: 1 }, trigger: 'agent', test: false, scheduled_for: null },
    integrations: { okta: false, entra: false },
  };
  return new Promise((resolve) => {
    const guest = new GuestRun(
      { seq: ++seq, script: compiled.script, config: JSON.stringify(config), secrets, declaredSecrets: Object.keys(secrets), limits: resolveLimits({ cpuMs: 2_000 }), timeoutMs: 5_000, journal: false },
      {
        image,
        control: new Int32Array(new SharedArrayBuffer(CONTROL.LENGTH * Int32Array.BYTES_PER_ELEMENT)),
        epoch: Date.now(),
        post: (message: WorkerToMain) => {
          if (message.t === 'done') resolve(message.outcome);
        },
        release: () => {},
      },
    );
    guest.start();
  });
}

/** Where `text` sits in a memory, as QuickJS stores strings: one byte per character, or two. */
function contains(memory: Uint8Array, text: string): boolean {
  return Buffer.from(memory).includes(Buffer.from(text, 'latin1')) || Buffer.from(memory).includes(Buffer.from(text, 'utf16le'));
}

/** What a context makes of local time, time zones and strings that cross the FFI both ways. */
function probe(context: QuickJSContext): unknown {
  const code = `(() => {
    const stamps = [0, 1710054000000, 1710059400000, 1730613600000, 1730617200000, 1719835200000, -2208988800000, 4102444800000];
    const local = stamps.map((t) => { const d = new Date(t); return [d.toString(), d.getHours(), d.getDate(), d.getDay(), d.getTimezoneOffset(), d.toLocaleString()]; });
    return { local, parsed: [Date.parse("2024-03-10T02:30:00"), Date.parse("2024-11-03T01:30:00"), new Date(2024, 0, 31, 23, 59).getTime()], text: "a\\u00e9\\ud83d\\ude00\\ud800z" };
  })()`;
  const filename = 'probé-😀.js';
  const result = context.unwrapResult(context.evalCode(code, filename));
  const value: unknown = context.dump(result);
  result.dispose();
  const echoed = context.newString('x\ud800y😀é');
  const back = context.getString(echoed);
  echoed.dispose();
  const thrown = context.evalCode('new Error("here").stack', filename);
  const stack = context.unwrapResult(thrown).consume((handle) => context.getString(handle));
  return { value, back, stack };
}

describe('the instance image', () => {
  it('restores every instance to the same bytes, whatever the runs before did, and keeps nothing of them', async () => {
    const before = digest(restoredBytes());
    const outcome = await run(
      `export async function run(ctx) {
        const secret = ctx.secrets.get("TOKEN");
        globalThis.kept = secret;
        Object.prototype.polluted = secret;
        Array.prototype.push = () => secret;
        JSON.stringify = () => secret;
        Symbol.for(secret);
        const hold = [];
        for (let i = 0; i < 2000; i++) hold.push(secret + i);
        globalThis.hold = hold;
        return { success: true, message: "held " + hold.length, data: null };
      }`,
      { TOKEN: SECRET },
    );
    expect(outcome.status, outcome.error ?? '').toBe('success');
    // The search below would see the secret if an instance held it.
    const holding = image.restore(MAXIMUM_PAGES);
    holding.context.unwrapResult(holding.context.evalCode(`globalThis.kept = ${JSON.stringify(SECRET)}.split("").join("")`)).dispose();
    expect(contains(new Uint8Array(holding.memory.buffer), SECRET)).toBe(true);
    const after = restoredBytes();
    expect(digest(after)).toBe(before);
    expect(contains(after, SECRET)).toBe(false);
  });

  it('gives each instance a Memory of its own, never one an earlier run had', async () => {
    const first = image.restore(MAXIMUM_PAGES);
    const second = image.restore(MAXIMUM_PAGES);
    expect(second.memory).not.toBe(first.memory);
    expect(second.memory.buffer).not.toBe(first.memory.buffer);
    new Uint8Array(first.memory.buffer).fill(0xa5, 0, 4096);
    expect(new Uint8Array(second.memory.buffer)[0]).toBe(0);
  });

  it('gives Math.random a seed of its own in every run', async () => {
    const draw = 'export async function run(ctx) { return ctx.ok("drawn", [Math.random(), Math.random(), Math.random()]); }';
    const [a, b] = await Promise.all([run(draw), run(draw)]);
    expect(a.status).toBe('success');
    expect(b.status).toBe('success');
    expect(a.result?.data).not.toEqual(b.result?.data);
  });

  describe('in a time zone with daylight saving time', () => {
    const zone = process.env.TZ;
    beforeAll(() => {
      process.env.TZ = 'America/New_York';
    });
    afterAll(() => {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    });

    it("computes local time and passes strings as the library's own instances do", async () => {
      const reference = (await newQuickJSWASMModuleFromVariant(RELEASE_SYNC)).newContext();
      const restored = image.restore(MAXIMUM_PAGES).context;
      const expected = probe(reference);
      expect(probe(restored)).toEqual(expected);
      expect(JSON.stringify(expected)).toContain('GMT-0400');
      expect(JSON.stringify(expected)).toContain('GMT-0500');
    });
  });
});

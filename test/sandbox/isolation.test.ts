// Runs share a worker, and every instance in a worker is restored from the same image: nothing one
// run does may reach the next. One worker here, so each run lands where the one before it ran.
import { afterAll, describe, expect, it } from 'vitest';
import { sandbox } from './helpers.ts';

const box = sandbox({ workers: 1 });
afterAll(() => box.close());

/** A description of the guest realm: what a run could find of an earlier one if it survived. */
const FINGERPRINT = `export async function run(ctx) {
  const shape = (o) => Reflect.ownKeys(o).map((k) => {
    const d = Object.getOwnPropertyDescriptor(o, k);
    return String(k) + ":" + (d.get ? "get" : typeof d.value) + (d.writable === false ? "ro" : "") + (d.configurable ? "" : "fixed");
  }).sort().join(",");
  const realm = { globalThis, Object, ObjectPrototype: Object.prototype, Array, ArrayPrototype: Array.prototype, FunctionPrototype: Function.prototype,
    StringPrototype: String.prototype, PromisePrototype: Promise.prototype, ErrorPrototype: Error.prototype, JSON, Math, Reflect, Symbol, console };
  const out = {};
  for (const [name, o] of Object.entries(realm)) out[name] = [shape(o), Object.isFrozen(o), Object.isExtensible(o)].join("|");
  out.symbols = [Symbol.keyFor(Symbol.for("vigil-probe")), Symbol.for("vigil-probe") === Symbol.for("vigil-probe")].join();
  out.stringified = JSON.stringify({ a: [1] });
  return ctx.ok("realm", out);
}`;

describe('isolation between runs of one worker', () => {
  it('a global, a prototype, a frozen intrinsic or a lazy global changed by one run is pristine for the next', async () => {
    const before = await box.run(FINGERPRINT);
    expect(before.status, before.error ?? '').toBe('success');
    const polluter = await box.run(`export async function run(ctx) {
      globalThis.leftBehind = "x";
      Object.defineProperty(globalThis, "hidden", { value: 1, enumerable: false });
      Object.prototype.polluted = 1;
      Array.prototype.extra = function () {};
      Function.prototype.toString = () => "patched";
      String.prototype.includes = null;
      Promise.prototype.then = function () { return this; };
      Error.prototype.message = "patched";
      delete JSON.parse;
      Math.random = () => 4;
      globalThis.URL = null;
      globalThis.console = null;
      Object.freeze(Array.prototype);
      Object.preventExtensions(Reflect);
      return { success: true, message: "polluted", data: null };
    }`);
    expect(polluter.status, polluter.error ?? '').toBe('success');
    const after = await box.run(FINGERPRINT);
    expect(after.status, after.error ?? '').toBe('success');
    expect(after.result?.data).toEqual(before.result?.data);
  });

  it("a secret one run read is not in anything the next run can reach", async () => {
    const secret = 'tok_isolation_7d2f0a';
    const holder = await box.run(
      `export async function run(ctx) {
        const s = ctx.secrets.get("TOKEN");
        globalThis.kept = s; Object.prototype.kept = s; Symbol.for(s); new RegExp(s).test(s);
        try { throw new Error(s); } catch {}
        return ctx.ok("held");
      }`,
      { secrets: { TOKEN: secret }, declaredSecrets: ['TOKEN'] },
    );
    expect(holder.status, holder.error ?? '').toBe('success');
    const seeker = await box.run(`export async function run(ctx) {
      const seen = [];
      const visit = (o, depth) => {
        if (depth > 3 || o === null || (typeof o !== "object" && typeof o !== "function")) return;
        for (const k of Reflect.ownKeys(o)) {
          seen.push(String(k));
          const d = Object.getOwnPropertyDescriptor(o, k);
          if (d && "value" in d) { if (typeof d.value === "string") seen.push(d.value); else visit(d.value, depth + 1); }
        }
      };
      visit(globalThis, 0);
      seen.push(String(new Error("probe").stack), String(RegExp.lastMatch), String(RegExp.$1));
      return ctx.ok("looked", { found: seen.some((s) => s.includes("tok_isolation")) });
    }`);
    expect(seeker.status, seeker.error ?? '').toBe('success');
    expect(seeker.result?.data).toEqual({ found: false });
  });

  it('Math.random does not repeat from one run to the next', async () => {
    const draw = 'export async function run(ctx) { return ctx.ok("drawn", [Math.random(), Math.random()]); }';
    const first = await box.run(draw);
    const second = await box.run(draw);
    expect(first.status).toBe('success');
    expect(second.status).toBe('success');
    expect(second.result?.data).not.toEqual(first.result?.data);
  });
});

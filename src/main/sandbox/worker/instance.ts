// Pre-initialized QuickJS instances. Everything a run's instance needs before the workflow's own
// code (a QuickJS runtime and context with their intrinsics, the prelude and most library chunks
// parsed and evaluated) is the same for every run, and building it costs far more than the run
// itself. So each worker builds it once, in an instance of its own, and keeps an image of it: the
// pages of linear memory that differ from a freshly instantiated module, and where the runtime,
// the context and the prelude's entry points live in them.
//
// A run's instance is then a fresh WebAssembly.Memory and a fresh instance of the compiled module
// with the image copied in before anything executes: byte for byte the memory the builder left,
// in a Memory no other run ever had. The image is only ever read. It never sees a run's input,
// secret or host function; those, the limits, the interrupt handler and Math.random's seed are
// set in each run's own instance.
//
// Why a copy is enough: the module's only mutable wasm global is the C stack pointer, back at its
// initial value whenever no call is in progress (as when the image is taken), and emscripten's
// JavaScript glue keeps nothing that depends on what the memory holds (its heap views follow the
// Memory it is given; the library's callback maps are per module object). buildImage() checks the
// claim: it restores one instance and compares its whole memory with the builder's.
import { randomFillSync } from 'node:crypto';
import emscriptenModuleExport from '@jitl/quickjs-wasmfile-release-sync/emscripten-module';
import { QuickJSFFI } from '@jitl/quickjs-wasmfile-release-sync/ffi';
import {
  Lifetime,
  QuickJSRuntime,
  QuickJSWASMModule,
  type EmscriptenModuleLoader,
  type IntrinsicsFlags,
  type JSContextPointer,
  type JSRuntimePointer,
  type JSValuePointer,
  type QuickJSContext,
  type QuickJSEmscriptenModule,
  type QuickJSHandle,
} from 'quickjs-emscripten-core';
import { Wasm, type WasmMemory, type WasmModule } from '../wasm-types.ts';
import { CHUNKS, compactSource, IMAGE_CHUNKS, PRELUDE } from './prelude.ts';
import { describeBuild, instantiateRestored, type RestoredBuild } from './quickjs-module.ts';

const WASM_PAGE = 65536;
/** Granularity of the image: the operating system's page, the unit a fresh Memory is faulted in. */
const IMAGE_PAGE = 4096;
/** The builder's memory bound (the module requires one); the prelude needs a fraction of it. */
const BUILDER_MAXIMUM_PAGES = 1024;
/** How far into the JSContext struct Math.random's state is looked for. */
const CONTEXT_SCAN_BYTES = 4096;
const PRELUDE_SOURCE = compactSource(PRELUDE);
/** Seeds for Math.random, drawn from the OS in batches: a call per seed cost more than seeding. */
const SEED_BATCH = 512;
const seeds = new BigUint64Array(SEED_BATCH);
let nextSeed = SEED_BATCH;

/** A fresh 64-bit seed, never zero (xorshift64* stays at zero forever). */
function newSeed(): bigint {
  for (;;) {
    if (nextSeed === SEED_BATCH) {
      randomFillSync(seeds);
      nextSeed = 0;
    }
    const seed = seeds[nextSeed++]!;
    if (seed !== 0n) return seed;
  }
}

// The package's types describe its CommonJS build, whose default export sits one level deeper
// than the ES module Node loads here; accept either shape.
type Loader = EmscriptenModuleLoader<QuickJSEmscriptenModule>;
const emscriptenModule = ((emscriptenModuleExport as unknown as { default?: Loader }).default ?? emscriptenModuleExport) as Loader;

/** A run's instance, restored from the image. Dropping every reference to it frees it whole. */
export interface Instance {
  memory: WasmMemory;
  runtime: QuickJSRuntime;
  context: QuickJSContext;
  /** The prelude's start(main, configJson, host) and settle(id, reply). */
  start: QuickJSHandle;
  settle: QuickJSHandle;
  /** Gives Math.random a seed of its own; until then it repeats the image's sequence. */
  seedRandom(): void;
}

/** The library's module object, able to wrap a runtime that already exists in the memory. */
class ImageModule extends QuickJSWASMModule {
  adoptRuntime(pointer: JSRuntimePointer): QuickJSRuntime {
    // No disposer: a runtime is never freed on its own, it goes with its instance's memory.
    return new QuickJSRuntime({ module: this.module, ffi: this.ffi, callbacks: this.callbacks, rt: new Lifetime(pointer) });
  }

  newRuntimePointer(): JSRuntimePointer {
    return this.ffi.QTS_NewRuntime();
  }

  /** A context with every intrinsic (flags 0), as QuickJSRuntime.newContext() makes by default. */
  newContextPointer(runtime: JSRuntimePointer): JSContextPointer {
    return this.ffi.QTS_NewContext(runtime, 0 as IntrinsicsFlags);
  }
}

/**
 * The builder's instance, started as quickjs-emscripten starts any: emscripten's glue and
 * QuickJSFFI, the module instantiated synchronously (it is compiled already). Also returns the
 * memory as instantiation left it, before the constructors ran (the pages that are not zero: a copy
 * of the whole memory would be megabytes of garbage), and the build's exports for restoring.
 */
async function instantiateBuilder(module: WasmModule, memory: WasmMemory): Promise<{ builder: ImageModule; fresh: Map<number, Uint8Array>; build: RestoredBuild }> {
  const fresh = new Map<number, Uint8Array>();
  let exports: object = {};
  const emscripten = await emscriptenModule({
    wasmMemory: memory as never,
    instantiateWasm: (imports, onSuccess) => {
      const instance = new Wasm.Instance(module, imports);
      exports = instance.exports;
      const zero = new Uint8Array(IMAGE_PAGE);
      const heap = new Uint8Array(memory.buffer);
      for (let offset = 0; offset < heap.length; offset += IMAGE_PAGE) {
        const page = heap.subarray(offset, offset + IMAGE_PAGE);
        if (Buffer.compare(page, zero) !== 0) fresh.set(offset, page.slice());
      }
      onSuccess(instance as never);
      return instance.exports as never;
    },
  });
  emscripten.type = 'sync';
  return { builder: new ImageModule(emscripten, new QuickJSFFI(emscripten)), fresh, build: describeBuild(emscripten, exports) };
}

function handle(pointer: JSValuePointer, runtime: QuickJSRuntime): QuickJSHandle {
  return new Lifetime<JSValuePointer, JSValuePointer, QuickJSRuntime>(pointer, undefined, undefined, runtime);
}

export class InstanceImage {
  private readonly module: WasmModule;
  private readonly build: RestoredBuild;
  /** Memory size when the image was taken, in wasm pages: every restored Memory starts there. */
  readonly pages: number;
  /** [offset, length] of each run of differing bytes, and the bytes themselves back to back. */
  private readonly ranges: ReadonlyArray<readonly [number, number]>;
  private readonly bytes: Uint8Array;
  private readonly runtime: JSRuntimePointer;
  private readonly context: JSContextPointer;
  private readonly start: JSValuePointer;
  private readonly settle: JSValuePointer;
  /** Address of the context's Math.random state (xorshift64*, one 64-bit word). */
  private readonly randomState: number;

  private constructor(fields: {
    module: WasmModule;
    build: RestoredBuild;
    pages: number;
    ranges: Array<readonly [number, number]>;
    bytes: Uint8Array;
    runtime: JSRuntimePointer;
    context: JSContextPointer;
    start: JSValuePointer;
    settle: JSValuePointer;
    randomState: number;
  }) {
    this.module = fields.module;
    this.build = fields.build;
    this.pages = fields.pages;
    this.ranges = Object.freeze(fields.ranges.map((range) => Object.freeze(range)));
    this.bytes = fields.bytes;
    this.runtime = fields.runtime;
    this.context = fields.context;
    this.start = fields.start;
    this.settle = fields.settle;
    this.randomState = fields.randomState;
  }

  /** A new instance in a new Memory (at most `maximumPages`), holding a copy of the image. */
  restore(maximumPages: number): Instance {
    const { memory, module } = this.copy(maximumPages);
    const runtime = module.adoptRuntime(this.runtime);
    const context = runtime.newContext({ contextPointer: this.context });
    const randomState = this.randomState;
    return {
      memory,
      runtime,
      context,
      start: handle(this.start, runtime),
      settle: handle(this.settle, runtime),
      seedRandom() {
        new DataView(memory.buffer).setBigUint64(randomState, newSeed(), true);
      },
    };
  }

  /** The image in a new instance, before anything (even the library's wrappers) touched it. */
  private copy(maximumPages: number): { memory: WasmMemory; module: ImageModule } {
    const memory = new Wasm.Memory({ initial: this.pages, maximum: Math.max(this.pages, maximumPages) });
    const { emscripten, ffi } = instantiateRestored(this.module, memory, this.build);
    const module = new ImageModule(emscripten, ffi as never);
    const heap = new Uint8Array(memory.buffer);
    let at = 0;
    for (const [offset, length] of this.ranges) {
      heap.set(this.bytes.subarray(at, at + length), offset);
      at += length;
    }
    return { memory, module };
  }

  /**
   * Builds a worker's image: a runtime and context, the prelude evaluated, no run. Throws when the
   * module does not behave as this file assumes (a restored memory differs from the builder's, or
   * Math.random's state cannot be found): running on a broken image would be worse than not at all.
   */
  static async build(module: WasmModule, initialPages: number): Promise<InstanceImage> {
    const memory = new Wasm.Memory({ initial: initialPages, maximum: Math.max(initialPages, BUILDER_MAXIMUM_PAGES) });
    const { builder, fresh, build } = await instantiateBuilder(module, memory);
    const runtimePointer = builder.newRuntimePointer();
    const contextPointer = builder.newContextPointer(runtimePointer);
    const context = builder.adoptRuntime(runtimePointer).newContext({ contextPointer });
    const randomState = contextPointer + findRandomState(context, memory, contextPointer);

    const prelude = context.evalCode(PRELUDE_SOURCE, 'vigil:prelude', { type: 'global', strict: true, strip: true });
    if (prelude.error) {
      const error: unknown = context.dump(prelude.error);
      throw new Error(`the sandbox prelude failed to evaluate: ${JSON.stringify(error)}`);
    }
    // The two handles stay allocated: the pointers they hold are the image's entry points.
    const start = context.getProp(prelude.value, 'start');
    const settle = context.getProp(prelude.value, 'settle');
    const load = context.getProp(prelude.value, 'load');
    for (const name of IMAGE_CHUNKS) {
      const args = [context.newString(name), context.newString(compactSource(CHUNKS[name]!))];
      const loaded = context.callFunction(load, context.undefined, ...args);
      for (const arg of args) arg.dispose();
      if (loaded.error) {
        const error: unknown = context.dump(loaded.error);
        throw new Error(`the sandbox library chunk "${name}" failed to evaluate: ${JSON.stringify(error)}`);
      }
      loaded.value.dispose();
    }
    load.dispose();
    prelude.value.dispose();

    const built = new Uint8Array(memory.buffer);
    const zero = new Uint8Array(IMAGE_PAGE);
    const ranges: Array<readonly [number, number]> = [];
    const pages: Uint8Array[] = [];
    for (let offset = 0; offset < built.length; offset += IMAGE_PAGE) {
      const page = built.subarray(offset, offset + IMAGE_PAGE);
      if (Buffer.compare(page, fresh.get(offset) ?? zero) === 0) continue;
      const last = ranges.at(-1);
      if (last && last[0] + last[1] === offset) ranges[ranges.length - 1] = [last[0], last[1] + page.length];
      else ranges.push([offset, page.length]);
      pages.push(page);
    }
    const image = new InstanceImage({
      module,
      build,
      pages: built.length / WASM_PAGE,
      ranges,
      bytes: new Uint8Array(Buffer.concat(pages)),
      runtime: runtimePointer,
      context: contextPointer,
      start: start.value as JSValuePointer,
      settle: settle.value as JSValuePointer,
      randomState,
    });
    // Instantiating the check's copy runs nothing in the builder: its memory is still the image's.
    const check = image.copy(image.pages);
    if (Buffer.compare(new Uint8Array(check.memory.buffer), new Uint8Array(memory.buffer)) !== 0) {
      throw new Error('the sandbox instance image does not restore to the memory it was taken from');
    }
    return image;
  }
}

/**
 * Where in the JSContext struct Math.random keeps its state, found by watching it move: the one
 * 64-bit word that one call turns into its xorshift64* successor, whose output is the number the
 * call returned.
 */
function findRandomState(context: QuickJSContext, memory: WasmMemory, contextPointer: number): number {
  const end = Math.min(memory.buffer.byteLength, contextPointer + CONTEXT_SCAN_BYTES);
  const before = new Uint8Array(memory.buffer.slice(contextPointer, end));
  const math = context.getProp(context.global, 'Math');
  const random = context.getProp(math, 'random');
  const result = context.unwrapResult(context.callFunction(random, math));
  const value = context.getNumber(result);
  for (const used of [result, random, math]) used.dispose();
  const after = new Uint8Array(memory.buffer.slice(contextPointer, end));
  const read = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(at, true);
  for (let at = 0; at + 8 <= before.length; at += 4) {
    const state = read(before, at);
    if (state === 0n) continue;
    const next = xorshift64(state);
    if (read(after, at) !== next) continue;
    const output = BigInt.asUintN(64, next * 0x2545f4914f6cdd1dn);
    if (Number(output >> 12n) / 2 ** 52 === value) return at;
  }
  throw new Error("the sandbox could not find Math.random's state in the QuickJS context");
}

function xorshift64(x: bigint): bigint {
  let s = x;
  s ^= s >> 12n;
  s = BigInt.asUintN(64, s ^ (s << 25n));
  s ^= s >> 27n;
  return s;
}

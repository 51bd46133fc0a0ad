// The JavaScript side of a restored QuickJS instance: the wasm imports, heap views and FFI that
// quickjs-emscripten's library needs, in place of emscripten's generated glue and QuickJSFFI.
//
// The glue is written to start a program: per instance it loads Node modules (createRequire, fs,
// path, url), defines a hundred closures, wraps all 80 exports and builds 68 FFI wrappers, 0.1 to
// 0.3 ms of CPU for every run. A restored instance needs none of that: its memory already holds a
// started program (the image), so its constructors do not run again, and the library calls only
// the exports it uses. The worker's builder instance still starts through the real glue and
// QuickJSFFI; the export names used here are read off it (see exportKeys()).
//
// The imports are those of @jitl/quickjs-wasmfile-release-sync 0.32.0's emscripten build, whose
// wasm process/wasm.ts pins by digest: emscripten names its imports by letter, and another build
// may letter them differently. Each one does what the glue's does, except where noted.
import type { QuickJSEmscriptenModule } from 'quickjs-emscripten-core';
import { Wasm, type WasmMemory, type WasmModule } from '../wasm-types.ts';

/** emscripten export name ("_malloc", "_QTS_Eval", …) → the build's export key ("v", "pa", …). */
export type ExportKeys = ReadonlyMap<string, string>;

type WasmFunction = (...args: never[]) => unknown;
type Callbacks = QuickJSEmscriptenModule['callbacks'];

/** Reads which export each of the glue module's `_name` functions is, by identity. */
function exportKeys(glueModule: object, exports: object): ExportKeys {
  const keys = new Map<string, string>();
  const byFunction = new Map(Object.entries(exports).map(([key, value]) => [value as unknown, key]));
  for (const [name, value] of Object.entries(glueModule)) {
    const key = byFunction.get(value);
    if (name.startsWith('_') && key !== undefined) keys.set(name, key);
  }
  return keys;
}

const decoder = new TextDecoder();
// Cumulative days before each month (leap and common years), for struct tm's tm_yday.
const LEAP_YEAR_DAYS = [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335];
const COMMON_YEAR_DAYS = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
// The glue's fake process environment, with "_" (argv[1] there) not naming a host path.
const ENVIRONMENT = Object.entries({
  USER: 'web_user',
  LOGNAME: 'web_user',
  PATH: '/',
  PWD: '/',
  HOME: '/home/web_user',
  LANG: `${(globalThis.navigator?.language ?? 'C').replace('-', '_')}.UTF-8`,
  _: './this.program',
}).map(([name, value]) => `${name}=${value}`);

/** emscripten's abort(): the instance is unusable from here on, and the run that owns it fails. */
function abort(what: string): never {
  const RuntimeError = (globalThis as unknown as { WebAssembly: { RuntimeError: new (message: string) => Error } }).WebAssembly.RuntimeError;
  throw new RuntimeError(`Aborted(${what}). Build with -sASSERTIONS for more info.`);
}

/** UTF-8 byte length of a string as emscripten counts it (lone surrogates take 3 bytes). */
function lengthBytesUTF8(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; ++i) {
    const unit = text.charCodeAt(i);
    if (unit <= 0x7f) length++;
    else if (unit <= 0x7ff) length += 2;
    else if (unit >= 0xd800 && unit <= 0xdfff) {
      length += 4;
      ++i;
    } else length += 3;
  }
  return length;
}

/**
 * The module object the library reads: heap views (replaced when the memory grows), string
 * helpers, malloc/free and `callbacks`, which the library sets.
 */
class RestoredModule {
  readonly type = 'sync';
  callbacks: Callbacks | undefined;
  HEAP8!: Int8Array;
  HEAPU8!: Uint8Array;
  private HEAP32!: Int32Array;
  private HEAPU32!: Uint32Array;
  _malloc!: (size: number) => number;
  _free!: (pointer: number) => void;
  private readonly memory: WasmMemory;
  /** stdout and stderr, line-buffered as the glue does. */
  private readonly streams: [number[], number[]] = [[], []];

  constructor(memory: WasmMemory) {
    this.memory = memory;
    this.updateViews();
  }

  /** The instance's exports exist only once its imports (this object's) were given. */
  attach(exports: Record<string, WasmFunction>, keys: ExportKeys): void {
    this._malloc = exports[keys.get('_malloc')!] as unknown as (size: number) => number;
    this._free = exports[keys.get('_free')!] as unknown as (pointer: number) => void;
  }

  private updateViews(): void {
    const buffer = this.memory.buffer;
    this.HEAP8 = new Int8Array(buffer);
    this.HEAPU8 = new Uint8Array(buffer);
    this.HEAP32 = new Int32Array(buffer);
    this.HEAPU32 = new Uint32Array(buffer);
  }

  UTF8ToString(pointer: number, maxBytesToRead?: number): string {
    if (!pointer) return '';
    const heap = this.HEAPU8;
    const limit = maxBytesToRead === undefined ? heap.length : pointer + maxBytesToRead;
    let end = pointer;
    while (end < limit && heap[end]) end++;
    return decoder.decode(heap.subarray(pointer, end));
  }

  /** Writes `text` NUL-terminated, at most `maxBytes` bytes in all; returns the bytes written. */
  stringToUTF8(text: string, pointer: number, maxBytes: number): number {
    const heap = this.HEAPU8;
    if (!(maxBytes > 0)) return 0;
    const start = pointer;
    const end = pointer + maxBytes - 1;
    for (let i = 0; i < text.length; ++i) {
      const code = text.codePointAt(i)!;
      if (code <= 0x7f) {
        if (pointer >= end) break;
        heap[pointer++] = code;
      } else if (code <= 0x7ff) {
        if (pointer + 1 >= end) break;
        heap[pointer++] = 0xc0 | (code >> 6);
        heap[pointer++] = 0x80 | (code & 63);
      } else if (code <= 0xffff) {
        if (pointer + 2 >= end) break;
        heap[pointer++] = 0xe0 | (code >> 12);
        heap[pointer++] = 0x80 | ((code >> 6) & 63);
        heap[pointer++] = 0x80 | (code & 63);
      } else {
        if (pointer + 3 >= end) break;
        heap[pointer++] = 0xf0 | (code >> 18);
        heap[pointer++] = 0x80 | ((code >> 12) & 63);
        heap[pointer++] = 0x80 | ((code >> 6) & 63);
        heap[pointer++] = 0x80 | (code & 63);
        i++;
      }
    }
    heap[pointer] = 0;
    return pointer - start;
  }

  lengthBytesUTF8(text: string): number {
    return lengthBytesUTF8(text);
  }

  /** A NUL-terminated copy of `text` in the heap, for the FFI's string arguments. */
  heapString(text: string): number {
    const size = lengthBytesUTF8(text) + 1;
    const pointer = this._malloc(size);
    this.stringToUTF8(text, pointer, size);
    return pointer;
  }

  private callbacksOrThrow(): Callbacks {
    if (!this.callbacks) throw new Error('QuickJS called back before the library registered its callbacks');
    return this.callbacks;
  }

  /** The build's imports, by the letters emscripten gave them. */
  imports(): { a: Record<string, unknown> } {
    return {
      a: {
        a: this.memory,
        // __assert_fail(condition, file, line, function)
        b: (condition: number, file: number, line: number, fn: number) =>
          abort(`Assertion failed: ${this.UTF8ToString(condition)}, at: ${[file ? this.UTF8ToString(file) : 'unknown filename', line, fn ? this.UTF8ToString(fn) : 'unknown function'].join(',')}`),
        // fd_write(fd, iov, iovcnt, pnum): stdout and stderr only, to the console line by line.
        c: (fd: number, iov: number, iovcnt: number, pnum: number) => {
          let written = 0;
          for (let i = 0; i < iovcnt; i++) {
            const base = this.HEAPU32[iov >> 2]!;
            const length = this.HEAPU32[(iov + 4) >> 2]!;
            iov += 8;
            for (let j = 0; j < length; j++) {
              const byte = this.HEAPU8[base + j]!;
              const stream = this.streams[fd === 1 ? 0 : 1];
              if (byte === 0 || byte === 10) {
                (fd === 1 ? console.log : console.error)(decoder.decode(new Uint8Array(stream)));
                stream.length = 0;
              } else stream.push(byte);
            }
            written += length;
          }
          this.HEAPU32[pnum >> 2] = written;
          return 0;
        },
        // fd_close: not supported
        d: () => 52,
        // environ_get(environ, buffer)
        e: (environ: number, buffer: number) => {
          let offset = 0;
          ENVIRONMENT.forEach((entry, i) => {
            const at = buffer + offset;
            this.HEAPU32[(environ + i * 4) >> 2] = at;
            offset += this.stringToUTF8(entry, at, Infinity) + 1;
          });
          return 0;
        },
        // environ_sizes_get(count, size)
        f: (count: number, size: number) => {
          this.HEAPU32[count >> 2] = ENVIRONMENT.length;
          this.HEAPU32[size >> 2] = ENVIRONMENT.reduce((sum, entry) => sum + lengthBytesUTF8(entry) + 1, 0);
          return 0;
        },
        // The library's callbacks: module loading (never enabled here), interrupts, host functions.
        g: (rt: never, ctx: never, base: number, name: number) => this.callbacksOrThrow().normalizeModule(undefined, rt, ctx, this.UTF8ToString(base), this.UTF8ToString(name)),
        h: (rt: never, ctx: never, name: number) => this.callbacksOrThrow().loadModuleSource(undefined, rt, ctx, this.UTF8ToString(name)),
        i: (rt: never) => this.callbacksOrThrow().shouldInterrupt(undefined, rt),
        // _setitimer_js: QuickJS sets no timers; one would need the glue's timer machinery.
        j: () => abort('timers are not available in the sandbox'),
        // emscripten_resize_heap(requested bytes): the glue's growth policy, to the Memory's maximum.
        k: (requested: number) => {
          const current = this.HEAPU8.length;
          requested >>>= 0;
          if (requested > 2147483648) return false;
          for (let cut = 1; cut <= 4; cut *= 2) {
            let overGrown = current * (1 + 0.2 / cut);
            overGrown = Math.min(overGrown, requested + 100663296);
            const size = Math.min(2147483648, 65536 * Math.ceil(Math.max(requested, overGrown) / 65536));
            try {
              this.memory.grow(((size - this.memory.buffer.byteLength + 65535) / 65536) | 0);
              this.updateViews();
              return true;
            } catch {
              // Past the maximum: try a smaller step.
            }
          }
          return false;
        },
        // _emscripten_runtime_keepalive_clear: nothing keeps a restored instance alive.
        l: () => {},
        // _localtime_js(time, struct tm *)
        m: (time: bigint, tm: number) => {
          const seconds = time < -9007199254740992n || time > 9007199254740992n ? NaN : Number(time);
          const date = new Date(seconds * 1000);
          const heap = this.HEAP32;
          heap[tm >> 2] = date.getSeconds();
          heap[(tm + 4) >> 2] = date.getMinutes();
          heap[(tm + 8) >> 2] = date.getHours();
          heap[(tm + 12) >> 2] = date.getDate();
          heap[(tm + 16) >> 2] = date.getMonth();
          heap[(tm + 20) >> 2] = date.getFullYear() - 1900;
          heap[(tm + 24) >> 2] = date.getDay();
          const year = date.getFullYear();
          const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
          heap[(tm + 28) >> 2] = ((leap ? LEAP_YEAR_DAYS : COMMON_YEAR_DAYS)[date.getMonth()]! + date.getDate() - 1) | 0;
          heap[(tm + 36) >> 2] = -(60 * date.getTimezoneOffset());
          const summer = new Date(year, 6, 1).getTimezoneOffset();
          const winter = new Date(year, 0, 1).getTimezoneOffset();
          heap[(tm + 32) >> 2] = (summer !== winter && date.getTimezoneOffset() === Math.min(winter, summer)) ? 1 : 0;
        },
        // _tzset_js(timezone, daylight, std_name, dst_name)
        n: (timezone: number, daylight: number, stdName: number, dstName: number) => {
          const year = new Date().getFullYear();
          const winter = new Date(year, 0, 1).getTimezoneOffset();
          const summer = new Date(year, 6, 1).getTimezoneOffset();
          this.HEAPU32[timezone >> 2] = 60 * Math.max(winter, summer);
          this.HEAP32[daylight >> 2] = Number(winter !== summer);
          const name = (offset: number) => {
            const minutes = Math.abs(offset);
            return `UTC${offset >= 0 ? '-' : '+'}${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}`;
          };
          if (summer < winter) {
            this.stringToUTF8(name(winter), stdName, 17);
            this.stringToUTF8(name(summer), dstName, 17);
          } else {
            this.stringToUTF8(name(winter), dstName, 17);
            this.stringToUTF8(name(summer), stdName, 17);
          }
        },
        // fd_seek: not supported
        o: () => 70,
        // emscripten_date_now
        p: () => Date.now(),
        // abort()
        q: () => abort(''),
        // proc_exit(code): the glue would set the worker's exit code; here the instance just ends.
        r: (code: number) => abort(`exit(${code})`),
        s: (ctx: never, thisValue: never, argc: number, argv: never, fn: never) => this.callbacksOrThrow().callFunction(undefined, ctx, thisValue, argc, argv, fn),
        t: (rt: never, id: never) => this.callbacksOrThrow().freeHostRef(undefined, rt, id),
      },
    };
  }
}

/**
 * The library's FFI over a restored instance: each QTS_ function is the export itself (as
 * QuickJSFFI's cwrap gives it for numeric signatures), looked up when used rather than all 68 up
 * front. The three with string arguments get the string as a NUL-terminated copy in the heap, freed
 * after the call (QuickJS copies what it keeps), where cwrap would put it on the C stack.
 */
class RestoredFFI {
  readonly DEBUG = false;
  protected readonly exports: Record<string, WasmFunction>;
  private readonly module: RestoredModule;
  private readonly keys: ExportKeys;

  constructor(exports: Record<string, WasmFunction>, module: RestoredModule, keys: ExportKeys) {
    this.exports = exports;
    this.module = module;
    this.keys = keys;
  }

  QTS_Eval(ctx: number, code: number, length: number, filename: string, detectModule: number, flags: number): number {
    return this.withString(filename, (name) => this.numeric('_QTS_Eval')(ctx, code, length, name, detectModule, flags));
  }

  QTS_NewFunction(ctx: number, name: string, length: number, isConstructor: boolean, hostRefId: number): number {
    return this.withString(name, (pointer) => this.numeric('_QTS_NewFunction')(ctx, pointer, length, isConstructor ? 1 : 0, hostRefId));
  }

  QTS_TestStringArg(text: string): void {
    this.withString(text, (pointer) => this.numeric('_QTS_TestStringArg')(pointer));
  }

  private numeric(name: string): (...args: number[]) => number {
    return this.exports[this.keys.get(name)!] as unknown as (...args: number[]) => number;
  }

  private withString<T>(text: string, call: (pointer: number) => T): T {
    const pointer = this.module.heapString(text);
    try {
      return call(pointer);
    } finally {
      this.module._free(pointer);
    }
  }
}

const STRING_FUNCTIONS = new Set(['QTS_Eval', 'QTS_NewFunction', 'QTS_TestStringArg']);

/** What restoring an instance of one build needs: its export keys and an FFI class over them. */
export interface RestoredBuild {
  keys: ExportKeys;
  FFI: typeof RestoredFFI;
}

/** Reads the build off the worker's builder instance (the real glue) and its exports. */
export function describeBuild(glueModule: object, exports: object): RestoredBuild {
  const keys = exportKeys(glueModule, exports);
  // One getter per numeric QTS_ function, on a class of this build's own.
  class FFI extends RestoredFFI {}
  for (const [name, key] of keys) {
    const member = name.slice(1);
    if (!name.startsWith('_QTS_') || STRING_FUNCTIONS.has(member)) continue;
    Object.defineProperty(FFI.prototype, member, {
      get(this: FFI) {
        return this.exports[key];
      },
    });
  }
  return { keys, FFI };
}

/**
 * A new instance of `module` on `memory`, for a restored image: its constructors do not run (the
 * image holds what they did). The caller copies the image in before the library touches it.
 */
export function instantiateRestored(module: WasmModule, memory: WasmMemory, build: RestoredBuild): { emscripten: QuickJSEmscriptenModule; ffi: RestoredFFI } {
  const restored = new RestoredModule(memory);
  const instance = new Wasm.Instance(module, restored.imports());
  const exports = instance.exports as Record<string, WasmFunction>;
  restored.attach(exports, build.keys);
  return { emscripten: restored as unknown as QuickJSEmscriptenModule, ffi: new build.FFI(exports, restored, build.keys) };
}

// QuickJS's wasm module, compiled once per sandbox process and shared with every worker (a
// WebAssembly.Module is cloned between threads without recompiling).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Wasm, type WasmModule } from '../wasm-types.ts';

export interface QuickJSWasm {
  module: WasmModule;
  /** Initial pages the module's memory import declares; each run's Memory starts at this size. */
  initialPages: number;
}

/**
 * The build declares 256 initial pages (16 MB), but needs only its data and 5 MB C stack below
 * the heap, which grows on demand. V8 counts a Memory's initial size as external memory and
 * schedules a full GC for every 64 MB of it, so at 16 MB a busy worker collected garbage every
 * four runs. The memory import's declared minimum is lowered, in the bytes we compile (the package
 * is untouched), to what the stack and data need; if the layout is not the one expected the module
 * is compiled as shipped.
 */
const SHIPPED_PAGES = 256;
const REDUCED_PAGES = 84; // 5.25 MB: the initial stack pointer sits at 5,333,088
const MEMORY_IMPORT = Buffer.from([0x01, 0x61, 0x01, 0x61, 0x02, 0x01, 0x80, 0x02]); // "a"."a" memory, has max, initial 256

export function loadQuickJSWasm(): QuickJSWasm {
  const require = createRequire(import.meta.url);
  const bytes = readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
  const at = bytes.indexOf(MEMORY_IMPORT);
  if (at > 0 && bytes.indexOf(MEMORY_IMPORT, at + 1) < 0 && stackPointer(bytes) <= REDUCED_PAGES * 65536) {
    const patched = Buffer.from(bytes);
    // Same two-byte LEB128 width: 0xd4 0x00 = 84.
    patched[at + 6] = 0x80 | (REDUCED_PAGES & 0x7f);
    patched[at + 7] = REDUCED_PAGES >> 7;
    try {
      return { module: new Wasm.Module(patched), initialPages: REDUCED_PAGES };
    } catch {
      // Fall through to the module as shipped.
    }
  }
  return { module: new Wasm.Module(bytes), initialPages: SHIPPED_PAGES };
}

/** The initial value of the module's first global (emscripten's __stack_pointer), or Infinity. */
function stackPointer(bytes: Buffer): number {
  let p = 8;
  const leb = () => {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = bytes[p++]!;
      result |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return result >>> 0;
  };
  while (p < bytes.length) {
    const id = bytes[p++]!;
    const size = leb();
    const end = p + size;
    if (id === 6) {
      const count = leb();
      if (count < 1) return Infinity;
      p += 2; // value type, mutability
      if (bytes[p++] !== 0x41) return Infinity; // i32.const
      return leb();
    }
    p = end;
  }
  return Infinity;
}

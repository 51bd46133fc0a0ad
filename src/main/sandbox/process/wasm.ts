// QuickJS's wasm module, compiled once per sandbox process and shared with every worker (a
// WebAssembly.Module is cloned between threads without recompiling).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Wasm, type WasmModule } from '../wasm-types.ts';

export interface QuickJSWasm {
  module: WasmModule;
  /** Initial pages the module's memory import declares; each run's Memory starts at this size. */
  initialPages: number;
}

/**
 * The one build the sandbox runs: worker/quickjs-module.ts supplies its imports, which emscripten
 * names by letter (another build may letter them differently), and the memory patch below is made
 * for its layout. @jitl/quickjs-wasmfile-release-sync 0.32.0's emscripten-module.wasm.
 */
const BUILD_SHA256 = '105c3bed22d457e43e3d1c3c1c6959fda62a8fe06f0fc8a985303c3a2be72232';

/**
 * The build declares 256 initial pages (16 MB), but needs only its data and 5 MB C stack below
 * the heap, which grows on demand. V8 counts a Memory's initial size as external memory and
 * schedules a full GC for every 64 MB of it, so at 16 MB a busy worker collected garbage every
 * four runs. The memory import's declared minimum is lowered, in the bytes we compile (the package
 * is untouched), to what the stack and data need: the initial stack pointer sits at 5,333,088.
 */
const REDUCED_PAGES = 84; // 5.25 MB
const MEMORY_IMPORT = Buffer.from([0x01, 0x61, 0x01, 0x61, 0x02, 0x01, 0x80, 0x02]); // "a"."a" memory, has max, initial 256

export function loadQuickJSWasm(): QuickJSWasm {
  const require = createRequire(import.meta.url);
  const bytes = readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== BUILD_SHA256) {
    throw new Error(`the QuickJS wasm build is not the one the sandbox is written for (sha256 ${digest}): see BUILD_SHA256 in process/wasm.ts`);
  }
  const patched = Buffer.from(bytes);
  const at = patched.indexOf(MEMORY_IMPORT);
  // Same two-byte LEB128 width: 0xd4 0x00 = 84.
  patched[at + 6] = 0x80 | (REDUCED_PAGES & 0x7f);
  patched[at + 7] = REDUCED_PAGES >> 7;
  return { module: new Wasm.Module(patched), initialPages: REDUCED_PAGES };
}

// The project's TypeScript lib (ES2024, no DOM) has no WebAssembly declarations; these are the
// few members the sandbox uses, typed locally rather than as a global declaration that could clash
// with another room's.

/** An opaque compiled module (structured-cloneable between worker threads). */
export interface WasmModule {
  readonly [Symbol.toStringTag]?: string;
}

export interface WasmInstance {
  readonly exports: object;
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
}

export const Wasm: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

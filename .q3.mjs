import fs from 'node:fs';
import { newVariant, newQuickJSWASMModuleFromVariant } from 'quickjs-emscripten-core';
import base from '@jitl/quickjs-wasmfile-release-sync';
const buf = fs.readFileSync('node_modules/@jitl/quickjs-wasmfile-release-sync/dist/emscripten-module.wasm');
const wasmModule = new WebAssembly.Module(buf);
const N = Number(process.argv[2] ?? 1000);
const keep = [];
const rss0 = process.memoryUsage().rss;
let t0 = performance.now();
for (let i = 0; i < N; i++) {
  const t = performance.now();
  const mem = new WebAssembly.Memory({ initial: 256, maximum: 256 + 1024 + 64 });
  const mod = await newQuickJSWASMModuleFromVariant(newVariant(base, { wasmModule, wasmMemory: mem }));
  const t2 = performance.now();
  const rt = mod.newRuntime();
  rt.setMemoryLimit(64 * 1024 * 1024);
  rt.setMaxStackSize(512 * 1024);
  const ctx = rt.newContext();
  const t3 = performance.now();
  const r = ctx.evalCode('globalThis.p = new Promise(()=>{}); let a = []; for (let i=0;i<100;i++) a.push({i, s: "x"+i}); 1');
  r.value?.dispose();
  const t4 = performance.now();
  if (i < 5 || i % 200 === 0) console.log(i, 'inst', (t2 - t).toFixed(2), 'ctx', (t3 - t2).toFixed(2), 'eval', (t4 - t3).toFixed(2), 'rss MB', (process.memoryUsage().rss / 1e6).toFixed(0), 'mem usage', rt.computeMemoryUsage ? '' : '');
  keep.push({ mod, rt, ctx, mem });
}
console.log('total ms', (performance.now() - t0).toFixed(0), 'per', ((performance.now() - t0) / N).toFixed(2));
globalThis.gc?.();
console.log('rss MB', (process.memoryUsage().rss / 1e6).toFixed(0), 'delta per inst KB', ((process.memoryUsage().rss - rss0) / N / 1024).toFixed(0), process.memoryUsage());
const rt0 = keep[0].rt; console.log(rt0.dumpMemoryUsage());

// Starting a sandbox worker thread. The process's entry starts its first worker before it loads the
// rest of its code: a worker's boot (Node's own bootstrap on a new thread, the QuickJS module, the
// instance image) is most of a cold sandbox's wait for its first run, and it can overlap the main
// thread's loading and its greeting with the engine (design-decisions.md § Engine performance).
// Until the supervisor takes a worker over, what the worker says is kept for it.
import { Worker } from 'node:worker_threads';
import { CONTROL, type WorkerToMain } from '../protocol.ts';
import type { QuickJSWasm } from './wasm.ts';

export interface StartedWorker {
  worker: Worker;
  control: Int32Array;
  /** Date.now() when it was started: the worker's deadlines in `control` count from it. */
  epoch: number;
  /**
   * Hands the worker's messages, and its end (an error or an exit), to the supervisor; whatever
   * happened before this is replayed first.
   */
  attach(onMessages: (messages: WorkerToMain[]) => void, onGone: () => void): void;
}

export function workerEntry(): URL {
  // From sources the worker is a sibling room; in the bundles it is sandbox-worker.js next to the
  // bundled sandbox-process.js.
  return import.meta.url.endsWith('.ts') ? new URL('../worker/index.ts', import.meta.url) : new URL('./sandbox-worker.js', import.meta.url);
}

export function startWorker(wasm: QuickJSWasm): StartedWorker {
  const control = new SharedArrayBuffer(CONTROL.LENGTH * Int32Array.BYTES_PER_ELEMENT);
  const epoch = Date.now();
  const worker = new Worker(workerEntry(), {
    workerData: { wasmModule: wasm.module, initialPages: wasm.initialPages, control, epoch },
    // Room for the wasm interpreter's own frames under QuickJS's (much smaller) stack limit.
    resourceLimits: { stackSizeMb: 8, maxYoungGenerationSizeMb: 4 },
    name: 'vigil-sandbox-worker',
  });
  // A Worker drops messages nobody listens to, so they are held until attach().
  const early: WorkerToMain[][] = [];
  let gone = false;
  const keep = (messages: WorkerToMain[]) => early.push(messages);
  const end = () => {
    gone = true;
  };
  worker.on('message', keep);
  worker.on('error', end);
  worker.on('exit', end);
  return {
    worker,
    control: new Int32Array(control),
    epoch,
    attach(onMessages, onGone) {
      worker.off('message', keep);
      worker.off('error', end);
      worker.off('exit', end);
      worker.on('message', onMessages);
      worker.on('error', onGone);
      worker.on('exit', onGone);
      for (const messages of early.splice(0)) onMessages(messages);
      if (gone) onGone();
    },
  };
}

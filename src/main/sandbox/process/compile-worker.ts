// The compile thread's entry (compiler.ts): compiles each script it is sent and answers on
// the port it was given, then wakes the waiting main thread. A compile whose type stripper broke is
// its last: the main thread replaces this thread, and nothing more reaches this one.
import { workerData, type MessagePort } from 'node:worker_threads';
import { compileWorkflow } from '../compile.ts';

const { port, signal: shared } = workerData as { port: MessagePort; signal: SharedArrayBuffer };
const signal = new Int32Array(shared);

port.on('message', (code: string) => {
  port.postMessage(compileWorkflow(code));
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});

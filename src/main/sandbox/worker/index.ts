// worker_threads entry (electron-vite builds it as sandbox-worker). A worker hosts many runs at
// once, each in its own QuickJS instance; the supervisor in the sandbox process's main thread
// brokers their HTTP and replaces the worker if a guest ever keeps it busy past its deadline.
// Before it takes any run, the worker builds the image its runs' instances are restored from; runs
// sent meanwhile wait in the port.
import { parentPort, workerData } from 'node:worker_threads';
import { Batcher } from '../batch.ts';
import type { MainToWorker, WorkerToMain } from '../protocol.ts';
import type { WasmModule } from '../wasm-types.ts';
import { InstanceImage } from './instance.ts';
import { GuestRun, type RunnerEnv } from './runner.ts';

interface WorkerData {
  wasmModule: WasmModule;
  initialPages: number;
  control: SharedArrayBuffer;
  epoch: number;
}

const port = parentPort;
if (!port) throw new Error('the sandbox worker must run in a worker thread');
const data = workerData as WorkerData;
const runs = new Map<number, GuestRun>();
const outbox = new Batcher<WorkerToMain>((messages) => port.postMessage(messages), 'task');

const env: RunnerEnv = {
  image: await InstanceImage.build(data.wasmModule, data.initialPages),
  control: new Int32Array(data.control),
  epoch: data.epoch,
  post: (message: WorkerToMain) => outbox.push(message),
  release: (seq) => runs.delete(seq),
};

// New runs boot in small groups: a group's instances are restored one after another, then HTTP
// answers, timers and cancels get their turn before the next group. Booting hundreds in one go
// would hold all of those up until the last one had started.
const BOOT_GROUP = 16;
const booting: GuestRun[] = [];
let bootLoop: Promise<void> | null = null;

async function bootAll(): Promise<void> {
  while (booting.length > 0) {
    for (const run of booting.splice(0, BOOT_GROUP)) run.start();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  bootLoop = null;
}

function handle(message: MainToWorker): void {
  switch (message.t) {
    case 'start': {
      const run = new GuestRun(message.run, env);
      runs.set(run.seq, run);
      booting.push(run);
      bootLoop ??= bootAll();
      break;
    }
    case 'http':
      runs.get(message.seq)?.onHttpResult(message.callId, message.result);
      break;
    case 'integration':
      runs.get(message.seq)?.onIntegrationResult(message.callId, message.result);
      break;
    case 'cancel':
      runs.get(message.seq)?.cancel();
      break;
  }
}

port.on('message', (messages: MainToWorker[]) => {
  for (const message of messages) handle(message);
});

outbox.push({ t: 'ready' });

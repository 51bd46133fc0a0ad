// The sandbox process entry (electron-vite builds it as sandbox-process). It runs with a minimal
// environment, never sees the database, the keychain or any secret but those of the runs it is
// given, and talks to the engine only through its parent channel: Electron's parentPort when
// started by utilityProcess.fork, Node's IPC when started by child_process.fork.
import { setFlagsFromString } from 'node:v8';
import type { RunLogEntry } from '../../../shared/domain.ts';
import { Batcher } from '../batch.ts';
import type { HostToSandbox, SandboxToHost } from '../protocol.ts';
import { decodeFrame, encode, joinFrame, serializationProblem } from '../wire.ts';
import { loadQuickJSWasm } from './wasm.ts';
import { startWorker } from './worker-start.ts';

// Every run allocates a WebAssembly.Memory; by default V8 starts a full GC for every 64 MB of such
// "external" memory, which at hundreds of runs per second is most of the CPU. Accounted in the
// global heap limit instead, collections follow the real heap growth. Set before any worker exists.
setFlagsFromString('--external-memory-accounted-in-global-limit');

// The first worker boots on its own thread while this one loads the supervisor (the broker,
// undici, the compiler) and greets the engine: the run that started this process waits for the
// worker, not for both one after the other.
const wasm = loadQuickJSWasm();
const firstWorker = startWorker(wasm);
const { Supervisor } = await import('./supervisor.ts');

interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function deliver(lines: string[]): void {
  const frame = joinFrame(lines);
  try {
    if (parentPort) parentPort.postMessage(frame);
    else if (process.send && process.connected) process.send(frame);
  } catch {
    // The channel is closing: the engine is gone, and this process ends with it ('disconnect').
  }
}
const outbox = new Batcher<string>(deliver);

/** Serializes a message now, while it still belongs to one run: one that cannot be sent fails that run only. */
function send(message: SandboxToHost): void {
  let line: string;
  try {
    line = encode(message);
  } catch (error) {
    const problem = serializationProblem(error);
    if (message.t === 'outcome') line = encode(failedOutcome(message.id, `the run's outcome could not be sent to the engine: ${problem}`, message.outcome.durationMs));
    else if (message.t === 'journal') line = encode({ t: 'journal', id: message.id, entry: { ...errorEntry(`a log entry could not be sent to the engine: ${problem}`), seq: message.entry.seq } } satisfies SandboxToHost);
    else return;
  }
  outbox.push(line);
}

function errorEntry(message: string): RunLogEntry {
  return { seq: 0, ts: new Date().toISOString(), level: 'error', message, fields: null, step: null, http: null };
}

function failedOutcome(id: number, error: string, durationMs: number): SandboxToHost {
  return { t: 'outcome', id, outcome: { status: 'failed', result: null, error, logs: [errorEntry(error)], httpCalls: [], durationMs } };
}

let supervisor: InstanceType<typeof Supervisor> | null = null;

async function onFrame(frame: unknown): Promise<void> {
  // Caller input may nest deeply; the only thing here that walks it is the supervisor's own
  // JSON.stringify of the run's configuration, inside the run's try/catch.
  for (const decoded of decodeFrame(frame, null)) {
    if (decoded.ok) await onMessage(decoded.message as HostToSandbox);
    else if (decoded.t === 'run' && decoded.id !== null) send(failedOutcome(decoded.id, `the sandbox could not read the run: ${decoded.problem}`, 0));
  }
}

async function onMessage(message: HostToSandbox): Promise<void> {
  switch (message.t) {
    case 'init':
      supervisor ??= new Supervisor(message.options, send, wasm, firstWorker);
      send({ t: 'ready' });
      break;
    case 'run':
      supervisor?.run(message.id, message.request, message.journal === true);
      break;
    case 'cancel':
      supervisor?.cancel(message.id);
      break;
    case 'prepare':
      supervisor?.prepare(message.code);
      break;
    case 'shutdown':
      await supervisor?.close();
      outbox.flush();
      // Let the last outcomes reach the engine before the channel closes.
      setImmediate(() => process.exit(0));
  }
}

if (parentPort) {
  parentPort.on('message', (event) => void onFrame(event.data));
} else if (process.send) {
  process.on('message', (frame) => void onFrame(frame));
  // The engine is gone: nothing may outlive it.
  process.on('disconnect', () => process.exit(0));
} else {
  process.stderr.write('the Vigil sandbox process must be started by the engine\n');
  process.exit(2);
}
send({ t: 'hello' });

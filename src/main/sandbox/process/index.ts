// The sandbox process entry (electron-vite builds it as sandbox-process). It runs with a minimal
// environment, never sees the database, the keychain or any secret but those of the runs it is
// given, and talks to the engine only through its parent channel: Electron's parentPort when
// started by utilityProcess.fork, Node's IPC when started by child_process.fork.
import { setFlagsFromString } from 'node:v8';
import { Batcher } from '../batch.ts';
import type { HostToSandbox, SandboxToHost } from '../protocol.ts';
import { Supervisor } from './supervisor.ts';

// Every run allocates a WebAssembly.Memory; by default V8 starts a full GC for every 64 MB of such
// "external" memory, which at hundreds of runs per second is most of the CPU. Accounted in the
// global heap limit instead, collections follow the real heap growth. Set before any worker exists.
setFlagsFromString('--external-memory-accounted-in-global-limit');

interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function deliver(messages: SandboxToHost[]): void {
  const message: SandboxToHost = messages.length === 1 ? messages[0]! : { t: 'batch', messages };
  if (parentPort) parentPort.postMessage(message);
  else if (process.send && process.connected) process.send(message);
}
const outbox = new Batcher<SandboxToHost>(deliver);
const send = (message: SandboxToHost) => outbox.push(message);

let supervisor: Supervisor | null = null;

async function onMessage(message: HostToSandbox): Promise<void> {
  switch (message.t) {
    case 'batch':
      for (const inner of message.messages) await onMessage(inner);
      break;
    case 'init':
      supervisor ??= new Supervisor(message.options, send);
      send({ t: 'ready' });
      break;
    case 'run':
      supervisor?.run(message.id, message.request);
      break;
    case 'cancel':
      supervisor?.cancel(message.id);
      break;
    case 'shutdown':
      await supervisor?.close();
      outbox.flush();
      // Let the last outcomes reach the engine before the channel closes.
      setImmediate(() => process.exit(0));
  }
}

if (parentPort) {
  parentPort.on('message', (event) => void onMessage(event.data as HostToSandbox));
} else if (process.send) {
  process.on('message', (message) => void onMessage(message as HostToSandbox));
  // The engine is gone: nothing may outlive it.
  process.on('disconnect', () => process.exit(0));
} else {
  process.stderr.write('the Vigil sandbox process must be started by the engine\n');
  process.exit(2);
}
send({ t: 'hello' });

// A sandbox worker is started before the supervisor exists to take it (the process's entry starts
// its first one while it loads the rest): what the worker says, or its end, before the supervisor
// attaches must reach the supervisor all the same. Otherwise a worker that died early would be
// taken for a live one, and runs sent to it would wait out their timeouts.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { WorkerToMain } from '../../src/main/sandbox/protocol.ts';
import { loadQuickJSWasm } from '../../src/main/sandbox/process/wasm.ts';
import { startWorker } from '../../src/main/sandbox/process/worker-start.ts';

const wasm = loadQuickJSWasm();

describe('a sandbox worker started before the supervisor', () => {
  it('hands over what it said before it was attached, then what it says after', async () => {
    const started = startWorker(wasm);
    try {
      // The worker says it is ready once its instance image is built; nobody has attached yet.
      await once(started.worker, 'message');
      const heard: WorkerToMain[] = [];
      let gone = false;
      started.attach(
        (messages) => heard.push(...messages),
        () => (gone = true),
      );
      expect(heard).toEqual([{ t: 'ready' }]);
      expect(gone).toBe(false);
    } finally {
      await started.worker.terminate();
    }
  });

  it('reports a worker that ended before it was attached as gone', async () => {
    const started = startWorker(wasm);
    await started.worker.terminate();
    let gone = 0;
    started.attach(
      () => undefined,
      () => gone++,
    );
    expect(gone).toBe(1);
  });
});

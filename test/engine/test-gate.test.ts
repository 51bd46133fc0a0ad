// The line test runs wait in (runs/test-gate.ts), with an executor that ends each run when the test
// says so: who enters the sandbox when, and that a caller who gives up leaves the line intact.
import { describe, expect, it } from 'vitest';
import { TestRunGate } from '../../src/main/engine/runs/test-gate.ts';
import type { RunExecutor } from '../../src/main/engine/runs/index.ts';
import type { RunOutcome, RunRequest } from '../../src/main/sandbox/index.ts';

function heldExecutor() {
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const executor: RunExecutor = {
    run: (request: RunRequest) => {
      started.push(request.runId);
      return new Promise<RunOutcome>((resolve) => finish.set(request.runId, () => resolve({ status: 'success' } as RunOutcome)));
    },
  };
  return { executor, started, end: (runId: string) => finish.get(runId)!() };
}

const request = (runId: string) => ({ runId }) as RunRequest;
const turns = () => new Promise((resolve) => setImmediate(resolve));

describe('the test-run gate', () => {
  it('lets one run into the sandbox at a time, in the order they came', async () => {
    const { executor, started, end } = heldExecutor();
    const gate = new TestRunGate(executor);
    const runs = ['a', 'b', 'c'].map((id, i) => gate.run(request(id), { caller: i }));
    await turns();
    expect(started).toEqual(['a']);
    end('a');
    await turns();
    expect(started).toEqual(['a', 'b']);
    end('b');
    await turns();
    end('c');
    expect((await Promise.all(runs)).map((outcome) => outcome.status)).toEqual(['success', 'success', 'success']);
  });

  it('counts a caller\'s runs until they end, and never caps a run without a caller', async () => {
    const { executor, end } = heldExecutor();
    const gate = new TestRunGate(executor);
    const first = gate.run(request('a'), { caller: 7 });
    const second = gate.run(request('b'), { caller: 7 });
    await expect(gate.run(request('c'), { caller: 7 })).rejects.toMatchObject({ kind: 'rate_limited', code: 'TEST_RUNS_BUSY', retryAfterSeconds: 1 });
    const uncapped = [gate.run(request('d')), gate.run(request('e')), gate.run(request('f'))];
    end('a');
    await first;
    const third = gate.run(request('c'), { caller: 7 });
    for (const id of ['b', 'd', 'e', 'f', 'c']) {
      await turns();
      end(id);
    }
    await Promise.all([second, third, ...uncapped]);
  });

  it('takes a waiting run out of the line when its caller gives up, and the line goes on', async () => {
    const { executor, started, end } = heldExecutor();
    const gate = new TestRunGate(executor);
    const first = gate.run(request('a'), { caller: 1 });
    const giving = new AbortController();
    const gaveUp = gate.run(request('b'), { caller: 1, signal: giving.signal });
    const next = gate.run(request('c'), { caller: 2 });
    giving.abort(new Error('the caller went away'));
    await expect(gaveUp).rejects.toThrow('the caller went away');
    end('a');
    await first;
    await turns();
    expect(started).toEqual(['a', 'c']);
    end('c');
    await next;
    // Its place is free again: caller 1 may have two in progress.
    const again = [gate.run(request('d'), { caller: 1 }), gate.run(request('e'), { caller: 1 })];
    for (const id of ['d', 'e']) {
      await turns();
      end(id);
    }
    await Promise.all(again);
  });
});

// An event is announced after the work it tells of is committed. A listener that fails (a notifier,
// a stream, the relay to other instances) must not turn that work into an error for its caller, nor
// keep the event from the listeners after it; the engine logs it instead.
import { describe, expect, it } from 'vitest';
import { openEventStream } from '../helpers/sse.ts';
import { eventually, testServer, TRIVIAL_WORKFLOW } from '../helpers/server.ts';

const logged: string[] = [];
const t = testServer({ log: { info: () => undefined, error: (message) => logged.push(message) } });

describe('a listener of engine events that throws', () => {
  it('leaves the execute answered, its run done, and the listeners after it served; and is logged', async () => {
    const unsubscribe = t.server.engine.bus.subscribe(() => {
      throw new Error('a broken listener');
    });
    const stream = await openEventStream(t.url, t.keys.admin);
    try {
      const created = await t.request('POST', '/v1/workflows', { body: { name: 'heard', code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'never' } });
      expect(created.status).toBe(201);
      const executed = await t.request('POST', `/v1/workflows/${created.body.data.uuid}/execute`, { body: { indicator_type: 'ip', indicator_value: '203.0.113.7' } });
      expect(executed.status).toBe(202);
      const runUuid = executed.body.data.run_uuid as string;
      await stream.next((event) => event.type === 'run.queued' && event.data.run_uuid === runUuid, 'run.queued on the stream');
      await stream.next((event) => event.type === 'run.finished' && event.data.run_uuid === runUuid, 'run.finished on the stream');
      const run = await eventually(async () => {
        const detail = (await t.request('GET', `/v1/workflow-runs/${runUuid}`)).body.data;
        return detail.status === 'success' ? detail : null;
      }, 'the run to succeed');
      expect(run.result).toMatchObject({ message: 'done' });
      expect(logged).toContainEqual(expect.stringMatching(/^a listener of run\.queued events failed: Error: a broken listener/));
    } finally {
      stream.close();
      unsubscribe();
    }
  });
});

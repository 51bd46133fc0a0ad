// The execute route is what an agent calls first after Vigil starts. Its request checks and its
// 202 answer's serializer are compiled once the server listens, in idle turns, so that first
// execute does not wait for them (~50 ms after a restart; docs/performance.md).
import { Ajv } from 'ajv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Answer, ExecuteAccepted, ExecuteBody, ExecuteMeta } from '../../src/shared/api/index.ts';
import { closeSharedSandbox, eventually, startTestServer, TRIVIAL_WORKFLOW, type TestServer } from '../helpers/server.ts';

const serializerSchemas = vi.hoisted(() => [] as unknown[]);
vi.mock('fast-json-stringify', async (importOriginal) => {
  const real = await importOriginal<typeof import('fast-json-stringify')>();
  const compile = (schema: unknown, options?: unknown) => {
    serializerSchemas.push(schema);
    return (real.default as (schema: unknown, options?: unknown) => unknown)(schema, options);
  };
  return { ...real, default: compile };
});

const same = (a: unknown) => (b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const ACCEPTED = Answer(ExecuteAccepted, ExecuteMeta, 'Queued, or waiting for an approval.');

let t: TestServer | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
  await closeSharedSandbox();
  vi.restoreAllMocks();
});

describe('routes compiled after the server listens', () => {
  it("have an agent's first execute compile nothing", async () => {
    const validatorSchemas: unknown[] = [];
    const compile = Ajv.prototype.compile;
    vi.spyOn(Ajv.prototype, 'compile').mockImplementation(function (this: Ajv, schema: Parameters<Ajv['compile']>[0], meta?: boolean) {
      validatorSchemas.push(schema);
      return compile.call(this, schema, meta);
    });
    serializerSchemas.length = 0;
    t = await startTestServer();
    const created = await t.request('POST', '/v1/workflows', { body: { name: 'first', code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'never' } });
    expect(created.status).toBe(201);
    // With no execute asked: its body's validator and its 202's serializer come.
    await eventually(async () => validatorSchemas.some(same(ExecuteBody)) && serializerSchemas.some(same(ACCEPTED)), "the execute route's compiling");

    validatorSchemas.length = 0;
    serializerSchemas.length = 0;
    const executed = await t.request('POST', `/v1/workflows/${created.body.data.uuid}/execute`, { body: { indicator_type: 'ip', indicator_value: '203.0.113.7' } });
    expect(executed.status).toBe(202);
    expect(executed.body.data).toMatchObject({ status: 'queued', workflow_uuid: created.body.data.uuid });
    expect(validatorSchemas.filter(same(ExecuteBody))).toEqual([]);
    expect(serializerSchemas.filter(same(ACCEPTED))).toEqual([]);
  });
});

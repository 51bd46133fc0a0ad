import type { FastifyInstance, FastifyReply } from 'fastify';
import { TestAnswer, TestBody, UuidParams, errorResponses } from '../../../../shared/api/index.ts';
import type { TestOutcome, TestRunService } from '../../runs/index.ts';

const answer = ({ report, lint_warnings }: TestOutcome) => ({ data: report, meta: { lint_warnings } });

/** Aborted when the client goes away before its answer (the console's Test panel aborts a test it runs again). */
function whileConnected(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

/**
 * Test runs: the real sandbox in test mode (every HTTP call answered by a mock), nothing stored,
 * the report returned at once. Test mode never reads the keychain (runs/test-runs.ts).
 */
export function testRoutes(testRuns: TestRunService) {
  const tags = ['testing'];
  return async function test(app: FastifyInstance) {
    app.post<{ Body: TestBody }>(
      '/v1/workflows/test',
      {
        config: { scopes: ['workflows:write'] },
        schema: {
          tags,
          summary: 'Test unsaved code once in the sandbox against mock responses',
          body: TestBody,
          response: { 200: TestAnswer, ...errorResponses() },
        },
      },
      async (request, reply) => answer(await testRuns.unsaved(request.caller.id, request.body, whileConnected(reply))),
    );

    app.post<{ Params: { uuid: string }; Body: TestBody }>(
      '/v1/workflows/:uuid/test',
      {
        config: { scopes: ['workflows:write'] },
        schema: {
          tags,
          summary: 'Test a saved workflow (or replacement code) against mock responses',
          description:
            'Test mode never reads the keychain: each declared secret gets its value from `secrets`, or the placeholder ' +
            '`test-value-of-NAME`. The report\'s `secrets` lists every declared secret with its `source` (`request` or `placeholder`).',
          params: UuidParams,
          body: TestBody,
          response: { 200: TestAnswer, ...errorResponses() },
        },
      },
      async (request, reply) => answer(await testRuns.saved(request.caller.id, request.params.uuid, request.body, whileConnected(reply))),
    );
  };
}

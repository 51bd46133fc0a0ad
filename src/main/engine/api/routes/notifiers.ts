import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  NotifierSettingsUpdate,
  NotifierTestBody,
  NotifierTestResult,
  NotifierView,
  One,
  errorResponses,
} from '../../../../shared/api/index.ts';
import { DomainError, notFound } from '../../errors.ts';
import { verifySlackSignature, type NotificationService, type SlackInteraction } from '../../notify/index.ts';
import type { Clock } from '../../util/time.ts';

const tags = ['settings'];

/** Notifier settings (admin only): secrets go in, only "set or not" comes out. */
export function notifierRoutes(notifications: NotificationService) {
  return async function notifiers(app: FastifyInstance) {
    app.get(
      '/v1/settings/notifiers',
      {
        config: { scopes: ['admin'] },
        schema: {
          tags,
          summary: 'Notifier settings (Slack, Teams, desktop); secrets shown only as set or not',
          response: { 200: One(NotifierView), ...errorResponses(502) },
        },
      },
      async () => ({ data: await notifications.view(), meta: {} }),
    );

    app.put<{ Body: NotifierSettingsUpdate }>(
      '/v1/settings/notifiers',
      {
        config: { scopes: ['admin'] },
        schema: {
          tags,
          summary: 'Change notifier settings: fields left out keep their value; a secret set to null is removed',
          body: NotifierSettingsUpdate,
          response: { 200: One(NotifierView), ...errorResponses(502, 503) },
        },
      },
      async (request) => ({ data: await notifications.update(request.body), meta: {} }),
    );

    app.post<{ Body: NotifierTestBody }>(
      '/v1/settings/notifiers/test',
      {
        config: { scopes: ['admin'] },
        schema: {
          tags,
          summary: "Send a test message (one try) and report the receiver's answer",
          body: NotifierTestBody,
          response: { 200: One(NotifierTestResult), ...errorResponses(502, 503) },
        },
      },
      async (request) => ({ data: await notifications.test(request.body.channel), meta: {} }),
    );
  };
}

/** Slack's interaction payloads are well below this; anything bigger is not from Slack. */
const CALLBACK_BODY_LIMIT = 256 * 1024;

/**
 * `POST /v1/approvals/callback/slack`: Slack's Request URL for interactivity, for deployments where
 * Slack can reach Vigil (behind a reverse proxy). No API key: Slack's signature is the credential,
 * so every request is verified over the raw body before anything is parsed. Its own plugin, because
 * it parses form bodies as raw text and no other route may.
 */
export function slackCallbackRoutes(notifications: NotificationService, clock: Clock) {
  return async function slackCallback(app: FastifyInstance) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: CALLBACK_BODY_LIMIT }, (_request, body, done) =>
      done(null, body),
    );

    app.post<{ Body: string }>(
      '/v1/approvals/callback/slack',
      {
        bodyLimit: CALLBACK_BODY_LIMIT,
        schema: {
          tags: ['approvals'],
          summary: 'Slack interactivity callback (signed by Slack; Approve/Reject buttons)',
          security: [],
          consumes: ['application/x-www-form-urlencoded'],
          response: { 200: Type.Null({ description: 'Received; what the click led to reaches Slack through its response_url.' }), ...errorResponses() },
        },
      },
      async (request, reply) => {
        const { enabled, signingSecret } = await notifications.slackCallbackSecret();
        if (!enabled) throw notFound('notifier', 'slack', 'Slack is not configured in this Vigil.');
        if (!signingSecret) {
          throw new DomainError('forbidden', 'SLACK_CALLBACK_NOT_CONFIGURED', 'Slack is configured without a signing secret, so no callback can be verified.');
        }
        const raw = typeof request.body === 'string' ? request.body : '';
        const header = (name: string) => {
          const value = request.headers[name];
          return Array.isArray(value) ? undefined : value;
        };
        const check = verifySlackSignature(
          signingSecret,
          { signature: header('x-slack-signature'), timestamp: header('x-slack-request-timestamp') },
          raw,
          clock.now(),
        );
        if (!check.ok) throw new DomainError('unauthenticated', check.code, check.message);
        let payload: SlackInteraction;
        try {
          payload = JSON.parse(new URLSearchParams(raw).get('payload') ?? '') as SlackInteraction;
        } catch {
          throw new DomainError('malformed', 'INVALID_PAYLOAD', 'The form field "payload" must hold Slack\'s interaction JSON.');
        }
        if (typeof payload !== 'object' || payload === null) {
          throw new DomainError('malformed', 'INVALID_PAYLOAD', 'The form field "payload" must hold Slack\'s interaction JSON.');
        }
        // Slack only needs a 200 within 3 s; what the click led to reaches the user through response_url.
        await notifications.handleSlackInteraction(payload);
        return reply.code(200).send();
      },
    );
  };
}

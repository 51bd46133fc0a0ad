import type { FastifyInstance } from 'fastify';
import { CreatedApiKey, One, SessionBody, errorResponses } from '../../../../shared/api/index.ts';
import { DomainError } from '../../errors.ts';
import { keyView } from '../../keys/views.ts';
import type { SessionService } from '../../session/index.ts';

/**
 * `POST /v1/session`: the console trades the one-time login token for a human session key. Public
 * (the token is the credential); a token works once, so a wrong or already used one is 401.
 */
export function sessionRoutes(sessions: SessionService) {
  return async function session(app: FastifyInstance) {
    app.post<{ Body: SessionBody }>(
      '/v1/session',
      {
        schema: {
          tags: ['session'],
          summary: 'Exchange a one-time login token for a 12-hour human session key',
          security: [],
          body: SessionBody,
          response: { 201: One(CreatedApiKey, 'A human key that expires in 12 hours.'), ...errorResponses() },
        },
      },
      async (request, reply) => {
        if (!sessions.redeem(request.body.login_token)) {
          throw new DomainError(
            'unauthenticated',
            'LOGIN_TOKEN_INVALID',
            'This login link is unknown or was already used. Restart `vigil serve` for a new one, or sign in with an API key.',
          );
        }
        const { key, secret } = sessions.createSession();
        return reply.code(201).send({ data: { ...keyView(key), key: secret }, meta: {} });
      },
    );
  };
}

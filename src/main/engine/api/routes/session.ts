import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { DomainError } from '../../errors.ts';
import { keyView } from '../../keys/views.ts';
import type { SessionService } from '../../session/index.ts';

const SessionBody = Type.Object(
  { login_token: Type.String({ minLength: 1, maxLength: 200, description: 'The token from the login URL printed by `vigil serve`.' }) },
  { additionalProperties: false },
);
type SessionBody = Static<typeof SessionBody>;

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

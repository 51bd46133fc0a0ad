import type { FastifyRequest } from 'fastify';
import type { Scope } from '../../../shared/domain.ts';
import type { ApiKey } from '../db/index.ts';
import type { Engine } from '../engine.ts';
import { ApiError } from './errors.ts';
import { hasScopes } from '../keys/access.ts';

export { hasScopes };

declare module 'fastify' {
  interface FastifyRequest {
    caller: ApiKey;
  }
}

/** The key in the Authorization header, checked for validity and the route's scopes. */
export function authenticate(engine: Engine, request: FastifyRequest, scopes: string[]): ApiKey {
  const header = request.headers.authorization;
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match) {
    throw new ApiError(401, 'UNAUTHORIZED', 'Send an API key as `Authorization: Bearer <key>`.');
  }
  const key = engine.keys.verify(match[1]!);
  if (!hasScopes(key, scopes as Scope[])) {
    throw new ApiError(403, 'FORBIDDEN', `This key lacks the scope(s) this call needs: ${scopes.join(', ')}.`, {
      required_scopes: scopes,
      key_scopes: key.scopes,
    });
  }
  return key;
}


/** How a caller is named in approvals, versions and runs. */
export function callerLabel(key: ApiKey): string {
  return `${key.name} (${key.prefix}…)`;
}

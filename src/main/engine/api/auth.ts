import type { FastifyRequest } from 'fastify';
import type { Scope } from '../../../shared/domain.ts';
import type { ApiKey } from '../db/index.ts';
import { DomainError } from '../errors.ts';
import type { KeyService } from '../keys/index.ts';
import { requireScopes } from '../keys/access.ts';

declare module 'fastify' {
  interface FastifyRequest {
    caller: ApiKey;
  }
}

/** The key in the Authorization header, checked for validity and the route's scopes. */
export function authenticate(keys: KeyService, request: FastifyRequest, scopes: string[]): ApiKey {
  const header = request.headers.authorization;
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match) {
    throw new DomainError('unauthenticated', 'UNAUTHORIZED', 'Send an API key as `Authorization: Bearer <key>`.');
  }
  const key = keys.verify(match[1]!);
  requireScopes(key, scopes as Scope[], 'call');
  return key;
}

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

const HOW = 'Send an API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`.';

/**
 * The key the request presents: `Authorization: Bearer <key>`, or `X-API-Key: <key>` as Truthlocks'
 * clients send it. Both at once must agree, so that no proxy or client can make the two disagree
 * about who is asking.
 */
function presentedKey(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const bearer = header === undefined ? undefined : header.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  if (header !== undefined && bearer === undefined) throw new DomainError('unauthenticated', 'UNAUTHORIZED', HOW);
  const raw = request.headers['x-api-key'];
  if (Array.isArray(raw)) throw new DomainError('unauthenticated', 'UNAUTHORIZED', `Send one X-API-Key header. ${HOW}`);
  const apiKey = raw?.trim();
  if (apiKey !== undefined && !/^\S+$/.test(apiKey)) throw new DomainError('unauthenticated', 'UNAUTHORIZED', HOW);
  if (bearer !== undefined && apiKey !== undefined && bearer !== apiKey) {
    throw new DomainError('unauthenticated', 'UNAUTHORIZED', 'Authorization and X-API-Key name different keys; send one of them.');
  }
  const key = bearer ?? apiKey;
  if (key === undefined) throw new DomainError('unauthenticated', 'UNAUTHORIZED', HOW);
  return key;
}

/** The key the request presents, checked for validity and the route's scopes. */
export function authenticate(keys: KeyService, request: FastifyRequest, scopes: string[]): ApiKey {
  const key = keys.verify(presentedKey(request));
  requireScopes(key, scopes as Scope[], 'call');
  return key;
}

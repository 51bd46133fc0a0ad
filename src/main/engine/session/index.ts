// The console's one-time login (DESIGN.md §1): `vigil serve` prints a URL carrying a login token;
// the console trades it, once, for a human session key. Only the token's SHA-256 is kept, in this
// process's memory, so a token never outlives the server that minted it and never touches disk.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKey } from '../db/index.ts';
import type { Engine } from '../engine.ts';
import { iso } from '../util/time.ts';

/** How long a console session lasts: a working day, after which the analyst logs in again. */
export const SESSION_TTL_MS = 12 * 3600 * 1000;
export const SESSION_KEY_NAME = 'console session';

// Keyed by engine so that tests running several servers in one process keep their tokens apart,
// and a closed engine's tokens are garbage-collected with it.
const pending = new WeakMap<Engine, Buffer[]>();

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Mints a single-use login token for this engine (256 random bits, base64url) and returns it; the
 * caller shows it once (in the login URL) and forgets it.
 */
export function createLoginToken(engine: Engine): string {
  const token = randomBytes(32).toString('base64url');
  const hashes = pending.get(engine) ?? [];
  hashes.push(sha256(token));
  pending.set(engine, hashes);
  return token;
}

/** The URL an analyst opens to log in; the token sits in the fragment, which browsers never send. */
export function loginUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/#login=${token}`;
}

/**
 * Consumes a login token. Every pending hash is compared in constant time (no early exit), and a
 * match is removed before the session is created, so two racing requests cannot both win.
 */
export function redeemLoginToken(engine: Engine, token: string): boolean {
  const hashes = pending.get(engine);
  if (!hashes || hashes.length === 0) return false;
  const presented = sha256(token);
  let found = -1;
  hashes.forEach((hash, index) => {
    if (timingSafeEqual(hash, presented)) found = index;
  });
  if (found < 0) return false;
  hashes.splice(found, 1);
  return true;
}

/** A human session: an API key row like any other, so it shows in the key list and can be revoked. */
export function createSession(engine: Engine): { key: ApiKey; secret: string } {
  return engine.keys.create({
    name: SESSION_KEY_NAME,
    key_type: 'human',
    scopes: ['admin'],
    expires_at: iso(engine.clock.now() + SESSION_TTL_MS),
  });
}

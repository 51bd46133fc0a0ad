// The console's one-time login (DESIGN.md §1): `vigil serve` prints a URL carrying a login token;
// the console trades it, once, for a human session key. Only the token's SHA-256 is kept, in this
// process's memory, so a token never outlives the server that minted it and never touches disk.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKey } from '../db/index.ts';
import type { KeyService } from '../keys/index.ts';
import { iso, type Clock } from '../util/time.ts';

/** How long a console session lasts: a working day, after which the analyst logs in again. */
export const SESSION_TTL_MS = 12 * 3600 * 1000;
const SESSION_KEY_NAME = 'console session';

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** One engine's login tokens (tests run several engines in one process; each keeps its own). */
export class SessionService {
  private readonly pending: Buffer[] = [];
  private readonly keys: Pick<KeyService, 'create'>;
  private readonly clock: Clock;

  constructor(deps: { keys: Pick<KeyService, 'create'>; clock: Clock }) {
    this.keys = deps.keys;
    this.clock = deps.clock;
  }

  /**
   * Mints a single-use login token (256 random bits, base64url) and returns it; the caller shows it
   * once (in the login URL) and forgets it.
   */
  createLoginToken(): string {
    const token = randomBytes(32).toString('base64url');
    this.pending.push(sha256(token));
    return token;
  }

  /**
   * Consumes a login token. Every pending hash is compared in constant time (no early exit), and a
   * match is removed before the session is created, so two racing requests cannot both win.
   */
  redeem(token: string): boolean {
    const presented = sha256(token);
    let found = -1;
    this.pending.forEach((hash, index) => {
      if (timingSafeEqual(hash, presented)) found = index;
    });
    if (found < 0) return false;
    this.pending.splice(found, 1);
    return true;
  }

  /** A human session: an API key row like any other, so it shows in the key list and can be revoked. */
  createSession(): { key: ApiKey; secret: string } {
    return this.keys.create({ name: SESSION_KEY_NAME, key_type: 'human', scopes: ['admin'], expires_at: iso(this.clock.now() + SESSION_TTL_MS) });
  }
}

/** A login token for a running engine: what `vigil serve` prints in its login URL. */
export function createLoginToken(engine: { sessions: SessionService }): string {
  return engine.sessions.createLoginToken();
}

/** The URL an analyst opens to log in; the token sits in the fragment, which browsers never send. */
export function loginUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/#login=${token}`;
}

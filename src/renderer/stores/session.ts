// Who the console is signed in as, and how it got the connection: the Electron preload, a
// one-time login link (`#login=<token>`), a key pasted by the analyst, or a session kept in this
// tab's sessionStorage. Keys live in memory and sessionStorage only, never in localStorage.
import { create } from 'zustand';
import type { VigilConnection } from '../../shared/bridge.ts';
import { ApiError, createApiClient, errorMessage, exchangeLoginToken } from '../api/client.ts';
import { setApi } from '../api/instance.ts';
import type { StreamStatus } from '../api/events.ts';
import { loginTokenFromHash } from '../lib/routes.ts';

export type Phase = 'booting' | 'signed-out' | 'ready';

interface StoredSession {
  token: string;
  expires_at: string | null;
}

export interface SessionState {
  phase: Phase;
  connection: VigilConnection | null;
  /** The first 12 characters of the key in use (how the key list names it). */
  keyPrefix: string | null;
  expiresAt: string | null;
  /** Why the console is signed out, or why signing in failed. */
  notice: string | null;
  signingIn: boolean;
  stream: StreamStatus;
  /** True inside the Electron app (the preload bridge exists). */
  desktop: boolean;
  boot(): Promise<void>;
  signInWithKey(key: string): Promise<void>;
  signOut(notice?: string | null): void;
  setStream(status: StreamStatus): void;
}

const STORAGE_KEY = 'vigil.session';

function readStored(): StoredSession | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as StoredSession;
    if (typeof parsed.token !== 'string') return null;
    if (parsed.expires_at && Date.parse(parsed.expires_at) <= Date.now()) return null;
    return parsed;
  } catch {
    return null;
  }
}

function writeStored(session: StoredSession | null): void {
  try {
    if (session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage can be disabled; the session then lasts as long as the page.
  }
}

let retriedBridge = false;
let bootStarted = false;

export const useSession = create<SessionState>()((set, get) => {
  function connect(connection: VigilConnection, expiresAt: string | null) {
    const client = createApiClient(connection, { onUnauthorized: (error) => void unauthorized(error) });
    setApi(client);
    set({
      phase: 'ready',
      connection,
      keyPrefix: connection.token.slice(0, 12),
      expiresAt,
      notice: null,
      signingIn: false,
    });
  }

  async function unauthorized(error: ApiError) {
    if (get().phase !== 'ready') return;
    const bridge = window.vigil;
    // In the app the shell mints a fresh session key when asked again after a 401.
    if (bridge && !retriedBridge) {
      retriedBridge = true;
      try {
        connect(await bridge.connection(), null);
        return;
      } catch {
        // Fall through to the signed-out screen with the reason.
      }
    }
    get().signOut(`Your session ended: ${error.message}`);
  }

  return {
    phase: 'booting',
    connection: null,
    keyPrefix: null,
    expiresAt: null,
    notice: null,
    signingIn: false,
    stream: 'connecting',
    desktop: typeof window !== 'undefined' && window.vigil !== undefined,

    async boot() {
      // Once per page: the login token is single-use, so a second exchange would fail.
      if (bootStarted) return;
      bootStarted = true;
      const bridge = window.vigil;
      if (bridge) {
        try {
          connect(await bridge.connection(), null);
        } catch (error) {
          set({ phase: 'signed-out', notice: `The app could not hand over its connection: ${errorMessage(error)}` });
        }
        return;
      }
      const loginToken = loginTokenFromHash(location.hash);
      if (loginToken) {
        // Forget the token at once: it is single-use and must not stay in the address bar or history.
        history.replaceState(null, '', `${location.pathname}${location.search}#/workflows`);
        set({ signingIn: true });
        try {
          const session = await exchangeLoginToken(location.origin, loginToken);
          writeStored({ token: session.key, expires_at: session.expires_at });
          connect({ baseUrl: location.origin, token: session.key }, session.expires_at);
        } catch (error) {
          const stored = readStored();
          // A reload of the login URL after signing in: the session from the first visit still works.
          if (stored && error instanceof ApiError && error.status === 401) {
            connect({ baseUrl: location.origin, token: stored.token }, stored.expires_at);
            return;
          }
          set({ phase: 'signed-out', signingIn: false, notice: errorMessage(error) });
        }
        return;
      }
      const stored = readStored();
      if (stored) connect({ baseUrl: location.origin, token: stored.token }, stored.expires_at);
      else set({ phase: 'signed-out' });
    },

    async signInWithKey(key: string) {
      const token = key.trim();
      if (!/^vgl_[A-Za-z0-9]{20,}$/.test(token)) {
        set({ notice: 'That does not look like a Vigil key: keys start with vgl_.' });
        return;
      }
      set({ signingIn: true, notice: null });
      const connection = { baseUrl: location.origin, token };
      try {
        // Any call that needs a key proves it works; settings are read by every human key.
        await createApiClient(connection).settings.get();
      } catch (error) {
        set({ signingIn: false, notice: errorMessage(error) });
        return;
      }
      writeStored({ token, expires_at: null });
      connect(connection, null);
    },

    signOut(notice = null) {
      setApi(null);
      writeStored(null);
      set({ phase: 'signed-out', connection: null, keyPrefix: null, expiresAt: null, notice, signingIn: false });
    },

    setStream(status) {
      set({ stream: status });
    },
  };
});

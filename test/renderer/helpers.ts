// A fake REST client for store tests: each test says what the "server" answers, and records calls.
import { setApi } from '../../src/renderer/api/instance.ts';
import { ApiError, type ApiClient } from '../../src/renderer/api/client.ts';

export type Handler = (...args: any[]) => unknown;

/** Installs a client whose methods call the given handlers (missing ones throw). */
export function fakeApi(handlers: Record<string, Handler>): { calls: Array<[string, unknown[]]> } {
  const calls: Array<[string, unknown[]]> = [];
  const group = (name: string) =>
    new Proxy(
      {},
      {
        get: (_target, method: string) => async (...args: unknown[]) => {
          const key = `${name}.${method}`;
          calls.push([key, args]);
          const handler = handlers[key];
          if (!handler) throw new Error(`unexpected call ${key}`);
          return handler(...args);
        },
      },
    );
  const client = {
    connection: { baseUrl: 'http://127.0.0.1:1', token: 'vgl_test' },
    workflows: group('workflows'),
    runs: group('runs'),
    approvals: group('approvals'),
    keys: group('keys'),
    secrets: group('secrets'),
    settings: group('settings'),
    integrations: group('integrations'),
  } as unknown as ApiClient;
  setApi(client);
  return { calls };
}

export const ok = <T>(data: T, meta: Record<string, unknown> = {}) => ({ data, meta });

export function apiError(status: number, code: string, message: string, details: unknown = null): ApiError {
  return new ApiError(status, code, message, details);
}

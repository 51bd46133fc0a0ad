// The signed-in API client, shared by the stores. Set by the session store on sign-in; tests set
// a fake one.
import type { ApiClient } from './client.ts';

let current: ApiClient | null = null;

export function setApi(api: ApiClient | null): void {
  current = api;
}

export function api(): ApiClient {
  if (!current) throw new Error('Not signed in to Vigil.');
  return current;
}

export function hasApi(): boolean {
  return current !== null;
}

/** The engine's notion of now; tests inject their own to make expiry deterministic. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** ISO-8601 UTC with `Z`, the only timestamp format stored or served. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

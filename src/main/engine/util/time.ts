/** The engine's notion of now; tests inject their own to make expiry deterministic. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** ISO-8601 UTC with `Z`, the only timestamp format stored or served. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Milliseconds of an RFC 3339 timestamp as the API's schemas accept it. RFC 3339 allows a leap
 * second (`23:59:60`), which Date cannot parse: it is read as the first instant after it.
 */
export function timestampMs(text: string): number {
  const leap = /^(.*T\d{2}:\d{2}):60(\.\d+)?(.*)$/i.exec(text);
  const ms = leap ? Date.parse(`${leap[1]}:59${leap[3]}`) + 1000 : Date.parse(text);
  if (!Number.isFinite(ms)) throw new RangeError(`not a timestamp: ${text}`);
  return ms;
}

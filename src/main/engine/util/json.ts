/** Parses a JSON column that the engine itself wrote; a null column stays null. */
export function fromJson<T>(text: string | null): T {
  return (text === null ? null : JSON.parse(text)) as T;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

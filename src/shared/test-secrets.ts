// Secrets in test mode. A test run never reads the keychain (DESIGN.md §4): whoever may test code
// could otherwise write code that prints a stored secret in a form redaction does not recognise.
// Each declared secret gets the value the test request gave, or a placeholder that names it, so
// the code still takes the path that uses the secret; the report says which it was.

/** Where a test run's secret value came from. */
export type TestSecretSource = 'request' | 'placeholder';

export interface TestSecret {
  name: string;
  source: TestSecretSource;
}

export function placeholderSecret(name: string): string {
  return `test-value-of-${name}`;
}

/** The values a test run gets for its declared secrets, and where each came from. */
export function testSecrets(declared: readonly string[], given: Readonly<Record<string, string>> = {}): { values: Record<string, string>; sources: TestSecret[] } {
  const names = [...new Set(declared)];
  const fromRequest = (name: string) => Object.hasOwn(given, name);
  return {
    // fromEntries defines own properties, so even a secret named __proto__ keeps its value.
    values: Object.fromEntries(names.map((name) => [name, fromRequest(name) ? given[name]! : placeholderSecret(name)])),
    sources: names.map((name) => ({ name, source: fromRequest(name) ? 'request' : 'placeholder' })),
  };
}

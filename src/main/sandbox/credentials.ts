// Request headers that are credentials by their name alone. One list for the redactor (which hides
// their values in every record a run leaves) and for redirects (which never carry them to another
// origin): two lists would drift, and a header hidden in the log but sent to a stranger is a leak.

const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'api-key',
  'x-apikey',
  'x-auth-token',
  'x-access-token',
  'private-token',
]);

export function isCredentialHeaderName(name: string): boolean {
  return CREDENTIAL_HEADERS.has(name.toLowerCase());
}

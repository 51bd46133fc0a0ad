// What a settings form does with a stored credential (notifier tokens, the LLM API key, integration
// secrets). The console never holds a stored value, only whether one exists, so a form can only
// keep it, replace it with what the analyst types, or remove it.

export type SecretChange = { mode: 'keep' } | { mode: 'replace'; value: string } | { mode: 'remove' };

export const KEEP: SecretChange = { mode: 'keep' };

/**
 * The value an update sends for the credential: the typed replacement, null to remove it, or
 * undefined to leave it out (the server keeps what it has). An empty "replace" box means nothing
 * was typed, so it keeps too.
 */
export function secretUpdate(change: SecretChange): string | null | undefined {
  if (change.mode === 'remove') return null;
  if (change.mode === 'replace' && change.value !== '') return change.value;
  return undefined;
}

/** The credentials of an update that change, by name; the others are left out of the request. */
export function secretUpdates<K extends string>(changes: Partial<Record<K, SecretChange>>): Partial<Record<K, string | null>> {
  const update: Partial<Record<K, string | null>> = {};
  for (const [name, change] of Object.entries(changes) as Array<[K, SecretChange | undefined]>) {
    const value = change ? secretUpdate(change) : undefined;
    if (value !== undefined) update[name] = value;
  }
  return update;
}

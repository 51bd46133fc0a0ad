/** A copy of `record` without `key` (the same object when the key is absent, so React skips a render). */
export function omit<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const { [key]: _removed, ...rest } = record;
  return rest;
}

/** Runs `fn` at most once per `ms`, at the end of the window, with the latest arguments. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): ((...args: A) => void) & { cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const wrapped = (...args: A) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

/** "block-ip_on-firewall.ts" → "Block ip on firewall". */
export function nameFromFile(fileName: string): string {
  const base = fileName.replace(/\.(ts|mts|js)$/i, '').replace(/[-_.]+/g, ' ').trim();
  return base ? base[0]!.toUpperCase() + base.slice(1) : 'Imported workflow';
}

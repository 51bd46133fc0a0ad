type Linter = typeof import('../../../shared/lint/index.ts');

let linter: Promise<Linter> | null = null;

/**
 * The linter brings the TypeScript parser, which takes longer to load than the whole rest of the
 * engine; it is loaded on first use so that start-up (and the first request) does not wait for it.
 */
export function loadLinter(): Promise<Linter> {
  linter ??= import('../../../shared/lint/index.ts');
  return linter;
}

// Which files in a folder belong to exported workflows: `<slug>.vigil.json` and its companions.
const META = '.vigil.json';
const COMPANIONS = ['.ts', '.endpoint.json', '.mocks.json', META];

/** The names among `names` that belong to a workflow (a `<slug>.vigil.json` and its companions). */
export function workflowSlugs(names: string[]): Set<string> {
  const slugs = new Set(names.filter((name) => name.endsWith(META)).map((name) => name.slice(0, -META.length)));
  return new Set(names.filter((name) => COMPANIONS.some((suffix) => name.endsWith(suffix) && slugs.has(name.slice(0, -suffix.length)))));
}

/** Files an import reads from a folder: the formats' suffixes (a README or a CI job is not sent). */
export function isWorkflowFileName(name: string): boolean {
  return !name.startsWith('.') && (name.endsWith('.ts') || name.endsWith('.json')) && !name.endsWith('.d.ts');
}

// Workflows as files, for review in git: one workflow is `<slug>.ts` (or `<slug>.endpoint.json`
// for an HTTP-endpoint workflow), `<slug>.vigil.json` with everything else, and `<slug>.mocks.json`
// with its test mocks when it has any. The same state always gives the same bytes: keys sorted,
// two-space JSON, a final newline. Nothing here ever holds a secret's value, only names.
// Activation is not in the files: it is the running instance's switch, which an import changes only
// when asked to (`--activate`), so a repository never turns a workflow on by being imported.

/** What a workflow is, as files carry it (the engine's fields, minus ids and timestamps). */
export interface WorkflowDefinition {
  uuid: string | null;
  name: string;
  kind: 'script' | 'http_endpoint';
  /** TypeScript source, or the endpoint configuration as JSON text. */
  code: string;
  workflow_type: string | null;
  indicator_types: string[];
  approval_mode: string;
  approval_timeout_seconds: number;
  risk_level: string;
  timeout_seconds: number;
  secrets: string[];
  allowed_hosts: string[];
  tags: string[];
  documentation: string;
  /** `{cron, timezone, context, catch_up, overlap}`, or null: the file leaves it out then. */
  schedule: unknown;
  /** The key of a built-in workflow Vigil seeds (`okta.suspend_user`); absent on the analyst's own. */
  builtin?: string | null;
  mocks: unknown;
}

/** Where a definition was read from, so that a problem found later can name its file. */
export interface DefinitionFiles {
  meta: string;
  code: string;
  mocks: string | null;
}

export interface FileProblem {
  file: string;
  /** 1-based, when the problem has a place in the file. */
  line?: number;
  message: string;
}

const META_SUFFIX = '.vigil.json';
const MOCKS_SUFFIX = '.mocks.json';
const ENDPOINT_SUFFIX = '.endpoint.json';
const SCRIPT_SUFFIX = '.ts';

/** A file name made from a workflow name: lower case, letters, digits and dashes. */
export function slugOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return slug || 'workflow';
}

/** JSON with keys sorted at every level, two-space indented, ending in a newline. */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * The files of several workflows: name → content. Slugs are unique within one export (a repeated
 * name gets -2, -3… in the order of the workflows' uuids, so the same set always maps the same way).
 */
export function toFiles(definitions: WorkflowDefinition[]): Map<string, string> {
  const files = new Map<string, string>();
  const used = new Set<string>();
  const ordered = [...definitions].sort((a, b) => slugOf(a.name).localeCompare(slugOf(b.name)) || (a.uuid ?? '').localeCompare(b.uuid ?? ''));
  for (const definition of ordered) {
    const base = slugOf(definition.name);
    let slug = base;
    for (let n = 2; used.has(slug); n++) slug = `${base}-${n}`;
    used.add(slug);
    const { code, mocks, schedule, builtin, ...rest } = definition;
    const meta = { ...rest, ...(schedule === null || schedule === undefined ? {} : { schedule }), ...(builtin ? { builtin } : {}) };
    if (definition.kind === 'http_endpoint') files.set(`${slug}${ENDPOINT_SUFFIX}`, code.endsWith('\n') ? code : `${code}\n`);
    else files.set(`${slug}${SCRIPT_SUFFIX}`, code.endsWith('\n') ? code : `${code}\n`);
    files.set(`${slug}${META_SUFFIX}`, stableJson(meta));
    if (mocks !== null && mocks !== undefined) files.set(`${slug}${MOCKS_SUFFIX}`, stableJson(mocks));
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Reads a folder's files back into definitions. Every problem is reported with the file it is in;
 * files that are not a workflow's are ignored (a README, a CI job), and named in `ignored`.
 */
export function fromFiles(files: Map<string, string>): {
  definitions: WorkflowDefinition[];
  /** The files of each definition, in the same order. */
  sources: DefinitionFiles[];
  problems: FileProblem[];
  ignored: string[];
} {
  const problems: FileProblem[] = [];
  const definitions: WorkflowDefinition[] = [];
  const sources: DefinitionFiles[] = [];
  const ignored: string[] = [];
  const slugs = new Set<string>();
  for (const name of files.keys()) {
    if (name.endsWith(META_SUFFIX)) slugs.add(name.slice(0, -META_SUFFIX.length));
  }
  for (const name of files.keys()) {
    const slug = [META_SUFFIX, MOCKS_SUFFIX, ENDPOINT_SUFFIX, SCRIPT_SUFFIX].map((suffix) => (name.endsWith(suffix) ? name.slice(0, -suffix.length) : null)).find((s) => s !== null);
    if (slug === undefined || slug === null || !slugs.has(slug)) ignored.push(name);
  }
  for (const slug of [...slugs].sort()) {
    const metaFile = `${slug}${META_SUFFIX}`;
    const meta = parseJson(files.get(metaFile)!, metaFile, problems);
    if (!meta || typeof meta !== 'object' || Array.isArray(meta)) {
      if (meta !== undefined) problems.push({ file: metaFile, message: 'must be a JSON object' });
      continue;
    }
    const fields = meta as Record<string, unknown>;
    const kind = fields.kind === 'http_endpoint' ? 'http_endpoint' : 'script';
    const codeFile = `${slug}${kind === 'http_endpoint' ? ENDPOINT_SUFFIX : SCRIPT_SUFFIX}`;
    const code = files.get(codeFile);
    if (code === undefined) {
      problems.push({ file: metaFile, message: `its ${kind === 'http_endpoint' ? 'endpoint configuration' : 'code'} file ${codeFile} is missing` });
      continue;
    }
    const mocksFile = `${slug}${MOCKS_SUFFIX}`;
    const mocks = files.has(mocksFile) ? parseJson(files.get(mocksFile)!, mocksFile, problems) : null;
    if (typeof fields.name !== 'string' || fields.name.trim() === '') {
      problems.push({ file: metaFile, message: 'name is required' });
      continue;
    }
    definitions.push({
      uuid: typeof fields.uuid === 'string' ? fields.uuid : null,
      name: fields.name,
      kind,
      code,
      workflow_type: (fields.workflow_type as string | null | undefined) ?? 'indicator',
      indicator_types: (fields.indicator_types as string[] | undefined) ?? [],
      approval_mode: (fields.approval_mode as string | undefined) ?? 'always',
      approval_timeout_seconds: (fields.approval_timeout_seconds as number | undefined) ?? 3600,
      risk_level: (fields.risk_level as string | undefined) ?? 'medium',
      timeout_seconds: (fields.timeout_seconds as number | undefined) ?? 60,
      secrets: (fields.secrets as string[] | undefined) ?? [],
      allowed_hosts: (fields.allowed_hosts as string[] | undefined) ?? [],
      tags: (fields.tags as string[] | undefined) ?? [],
      documentation: (fields.documentation as string | undefined) ?? '',
      schedule: fields.schedule ?? null,
      ...(typeof fields.builtin === 'string' ? { builtin: fields.builtin } : {}),
      mocks: mocks ?? null,
    });
    sources.push({ meta: metaFile, code: codeFile, mocks: files.has(mocksFile) ? mocksFile : null });
  }
  return { definitions, sources, problems, ignored: ignored.sort() };
}

/** The 1-based line of a character offset in a text. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function parseJson(text: string, file: string, problems: FileProblem[]): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    problems.push({ file, line: lineAt(text, jsonErrorOffset(text)), message: `not valid JSON: ${(error as Error).message}` });
    return undefined;
  }
}

/**
 * Where JSON.parse gave up: V8's messages do not always say, and a reviewer needs the line. A
 * scanner of JSON's grammar that only finds the first offset that breaks it (the end of the text
 * when it stops early).
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') return void i++;
      for (;;) {
        space();
        if (text[i] !== '"') fail();
        string();
        space();
        if (text[i] !== ':') fail();
        i++;
        value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    } else if (c === '[') {
      i++;
      space();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else {
      const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (!number) fail();
      i += number![0].length;
    }
  };
  try {
    value();
    space();
    return i;
  } catch (offset) {
    return typeof offset === 'number' ? offset : text.length;
  }
}

// The published examples (examples/*.ts): each lints clean against the secrets its header declares,
// type-checks against vigil.d.ts with only the sandbox's globals, comes with a well-formed mocks
// file, and never makes the linter throw while it is being typed in.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { lintWorkflow } from '../../src/shared/lint/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DIR = join(ROOT, 'examples');
const names = readdirSync(DIR)
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .map((file) => file.slice(0, -3))
  .sort();

interface Header {
  secrets: string[];
  hosts: string[];
  test: string;
}

/** The `// Secrets:`, `// Allowed hosts:` and `// Test:` lines at the top of an example. */
function header(code: string): Header {
  const field = (label: string) => new RegExp(`^// ${label}:\\s*(.*)$`, 'm').exec(code)?.[1]?.trim();
  const list = (value: string | undefined) => (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  return { secrets: list(field('Secrets')), hosts: list(field('Allowed hosts')), test: field('Test') ?? '' };
}

const read = (file: string) => readFileSync(join(DIR, file), 'utf8');

describe('examples/', () => {
  it('has at least six workflows covering the authoring contract', () => {
    expect(names.length).toBeGreaterThanOrEqual(6);
    const all = names.map((name) => read(`${name}.ts`)).join('\n');
    for (const feature of ['ctx.step(', 'ctx.input', 'hmac(', 'ctx.sleep(', 'ctx.http.post(', 'ctx.http.get(', 'ctx.secrets.get(']) {
      expect(all, feature).toContain(feature);
    }
  });

  describe.each(names)('%s', (name) => {
    const code = read(`${name}.ts`);
    const meta = header(code);

    it('lints clean with the secrets its header declares', () => {
      expect(meta.secrets.length).toBeGreaterThan(0);
      expect(lintWorkflow(code, { declaredSecrets: meta.secrets })).toEqual([]);
      // Without the list (`vigil lint examples/*.ts`), as clean: names that cannot be checked are not reported.
      expect(lintWorkflow(code)).toEqual([]);
    });

    it('has a test command and a well-formed mocks file for the hosts it may call', () => {
      expect(meta.test).toContain(`npx vigil test examples/${name}.ts`);
      expect(meta.test).toContain(`--mocks examples/${name}.mocks.json`);
      for (const secret of meta.secrets) expect(meta.test).toContain(`--secret ${secret}=`);
      const file = `${name}.mocks.json`;
      expect(existsSync(join(DIR, file)), file).toBe(true);
      const mocks = JSON.parse(read(file));
      expect(Object.keys(mocks).sort()).toEqual(['default', 'responses']);
      expect(mocks.default).toBe('error');
      expect(mocks.responses.length).toBeGreaterThan(0);
      for (const rule of mocks.responses) {
        for (const key of Object.keys(rule)) expect(['method', 'url', 'status', 'headers', 'json', 'body', 'delay_ms', 'times']).toContain(key);
        expect(Number.isInteger(rule.status)).toBe(true);
        expect(new URL(rule.url.replace(/\*/g, 'x')).hostname).toSatisfy((host: string) => meta.hosts.includes(host));
        if (rule.method !== undefined) expect(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).toContain(rule.method);
      }
    });

    it('never makes the linter throw while being typed', () => {
      for (let end = 0; end <= code.length; end += 23) lintWorkflow(code.slice(0, end));
      // Editing in the middle leaves broken code behind the cursor too.
      for (let cut = 0; cut < code.length; cut += 97) lintWorkflow(code.slice(0, cut) + code.slice(cut + 11));
    });
  });

  it('type-check against vigil.d.ts with the ES library and the sandbox globals only', () => {
    const globals = `import type * as V from "vigil";
declare global {
  var URL: typeof V.URL;
  type URL = V.URL;
  var URLSearchParams: typeof V.URLSearchParams;
  type URLSearchParams = V.URLSearchParams;
  var TextEncoder: typeof V.TextEncoder;
  var TextDecoder: typeof V.TextDecoder;
}
export {};
`;
    const virtual = new Map([[join(DIR, '__sandbox-globals.d.ts'), globals]]);
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2023.d.ts'],
      types: [],
      strict: true,
      noUncheckedIndexedAccess: true,
      noEmit: true,
      skipLibCheck: true,
    };
    const host = ts.createCompilerHost(options, true);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (file, version, ...rest) =>
      virtual.has(file) ? ts.createSourceFile(file, virtual.get(file)!, version, true) : getSourceFile(file, version, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (file) => virtual.has(file) || fileExists(file);
    const files = [...names.map((name) => join(DIR, `${name}.ts`)), join(ROOT, 'src', 'shared', 'vigil.d.ts'), ...virtual.keys()];
    const program = ts.createProgram(files, options, host);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${d.file.fileName.slice(ROOT.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
    expect(diagnostics).toEqual([]);
  });
});

// `vigil export` and `vigil import`: files a reviewer can diff, checked before anything changes, and
// a round trip that gives the same bytes.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { toFiles, type WorkflowDefinition } from '../../src/shared/workflow-files.ts';
import { vigil } from '../helpers/cli.ts';
import { closeSharedSandbox, startTestServer, TRIVIAL_WORKFLOW } from '../helpers/server.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-files-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await closeSharedSandbox();
});

const SCRIPT: WorkflowDefinition = {
  uuid: '01936b2a-0000-7000-8000-0000000000c1',
  name: 'Block IP on firewall',
  kind: 'script',
  code: `export async function run(ctx) {\n  const token = ctx.secrets.get("FW_TOKEN");\n  await ctx.http.post("https://fw.example.com/block", { json: { ip: ctx.indicator.value }, headers: { authorization: token ?? "" } });\n  return ctx.ok("blocked");\n}\n`,
  workflow_type: 'indicator',
  indicator_types: ['ip'],
  approval_mode: 'agent_only',
  approval_timeout_seconds: 1800,
  risk_level: 'high',
  timeout_seconds: 30,
  secrets: ['FW_TOKEN'],
  allowed_hosts: ['fw.example.com'],
  tags: ['network', 'containment'],
  documentation: 'Blocks an IP on the perimeter firewall.',
  schedule: null,
  mocks: { responses: [{ method: 'POST', url: 'https://fw.example.com/*', status: 200, json: { ok: true } }], default: 'error' },
};

const ENDPOINT: WorkflowDefinition = {
  ...SCRIPT,
  uuid: '01936b2a-0000-7000-8000-0000000000c2',
  name: 'Open ticket',
  kind: 'http_endpoint',
  code: `${JSON.stringify(
    {
      url: 'https://hooks.example.com/ticket',
      method: 'POST',
      headers: { Authorization: 'Bearer {{secret:HOOK_TOKEN}}' },
      hmac: null,
      timeout_seconds: 30,
      success_statuses: ['2xx'],
    },
    null,
    2,
  )}\n`,
  secrets: ['HOOK_TOKEN'],
  allowed_hosts: [],
  tags: ['ticketing'],
  mocks: null,
};

function writeFolder(files: Map<string, string> | Record<string, string>): string {
  const dir = tempDir();
  for (const [name, content] of files instanceof Map ? files : Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

function readFolder(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

function states(dataDir: string): Record<string, string> {
  const db = new Database(join(dataDir, 'vigil.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT name, state FROM workflows WHERE is_system = 0').all() as Array<{ name: string; state: string }>;
    return Object.fromEntries(rows.map((row) => [row.name, row.state]));
  } finally {
    db.close();
  }
}

describe('vigil import and vigil export', () => {
  it('plans on a dry run without creating anything, imports, and a round trip gives the same bytes', async () => {
    const source = writeFolder(toFiles([SCRIPT, ENDPOINT]));
    writeFileSync(join(source, 'README.md'), '# our workflows\n');
    const first = join(tempDir(), 'data');

    const dry = await vigil(['import', source, '--dry-run', '--data-dir', first]);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/dry run: nothing was changed/);
    expect(dry.stdout).toMatch(/create\s+Block IP on firewall\s+\[block-ip-on-firewall\.vigil\.json\]/);
    expect(dry.stdout).toMatch(/2 to create, 0 to update, 0 unchanged\./);
    expect(existsSync(first)).toBe(false);

    const imported = await vigil(['import', source, '--data-dir', first]);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/^Imported /);
    expect(states(first)).toEqual({ 'Block IP on firewall': 'draft', 'Open ticket': 'draft' });

    const out1 = join(tempDir(), 'export');
    const exported = await vigil(['export', out1, '--data-dir', first]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/Exported 2 workflow\(s\)/);
    const files1 = readFolder(out1);
    expect(Object.keys(files1)).toEqual([
      'block-ip-on-firewall.mocks.json',
      'block-ip-on-firewall.ts',
      'block-ip-on-firewall.vigil.json',
      'open-ticket.endpoint.json',
      'open-ticket.vigil.json',
    ]);
    // What was imported is what is exported, uuids included; built-ins stay out.
    const { 'README.md': _readme, ...sourceFiles } = readFolder(source);
    expect(files1).toEqual(sourceFiles);
    expect(JSON.parse(files1['block-ip-on-firewall.vigil.json']!).uuid).toBe(SCRIPT.uuid);

    // Same state, same bytes.
    const again = await vigil(['export', out1, '--data-dir', first]);
    expect(again.code).toBe(0);
    expect(readFolder(out1)).toEqual(files1);

    const second = join(tempDir(), 'data2');
    expect((await vigil(['import', out1, '--data-dir', second])).code).toBe(0);
    const out2 = join(tempDir(), 'export2');
    expect((await vigil(['export', out2, '--data-dir', second])).code).toBe(0);
    expect(readFolder(out2)).toEqual(files1);

    const unchanged = await vigil(['import', out1, '--data-dir', first]);
    expect(unchanged.stdout).toMatch(/0 to create, 0 to update, 2 unchanged\./);
  });

  it('refuses the whole import when one file is invalid, naming the file and line', async () => {
    const files = toFiles([SCRIPT, { ...ENDPOINT, code: ENDPOINT.code.replace('HOOK_TOKEN', 'OTHER_TOKEN') }]);
    files.set('block-ip-on-firewall.vigil.json', files.get('block-ip-on-firewall.vigil.json')!.replace('"approval_mode": "agent_only"', '"approval_mode": "sometimes"'));
    const dataDir = join(tempDir(), 'data');
    const refused = await vigil(['import', writeFolder(files), '--data-dir', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Nothing was imported: 2 problem\(s\) in 2 file\(s\)/);
    expect(refused.stderr).toMatch(/ {2}block-ip-on-firewall\.vigil\.json:5: approval_mode: must be one of always, agent_only, never/);
    expect(refused.stderr).toMatch(/ {2}open-ticket\.endpoint\.json:5: headers\.Authorization: .*OTHER_TOKEN/);
    expect(existsSync(join(dataDir, 'vigil.db')) ? states(dataDir) : {}).toEqual({});

    const broken = writeFolder({ 'x.vigil.json': '{\n  "name": "X",\n  "tags": ["a",]\n}\n', 'x.ts': TRIVIAL_WORKFLOW });
    const parse = await vigil(['import', broken, '--dry-run', '--data-dir', dataDir]);
    expect(parse.code).toBe(1);
    expect(parse.stderr).toMatch(/ {2}x\.vigil\.json:3: not valid JSON/);
  });

  it('changes activation only with --activate', async () => {
    const dataDir = join(tempDir(), 'data');
    const source = writeFolder(toFiles([SCRIPT]));
    expect((await vigil(['import', source, '--data-dir', dataDir])).code).toBe(0);
    expect(states(dataDir)).toEqual({ 'Block IP on firewall': 'draft' });
    const activated = await vigil(['import', source, '--activate', '--data-dir', dataDir, '--json']);
    expect(activated.code).toBe(0);
    expect(JSON.parse(activated.stdout).items).toMatchObject([{ action: 'unchanged', activate: true }]);
    expect(states(dataDir)).toEqual({ 'Block IP on firewall': 'active' });
  });

  it('never writes a secret value, leaves built-ins out unless asked, and imports through a server with VIGIL_API_KEY', async () => {
    const t = await startTestServer();
    try {
      const source = writeFolder(toFiles([SCRIPT]));
      const noKey = await vigil(['import', source, '--url', t.url], { VIGIL_API_KEY: '' });
      expect(noKey.code).toBe(2);
      expect(noKey.stderr).toMatch(/VIGIL_API_KEY/);
      const viaServer = await vigil(['import', source, '--url', t.url], { VIGIL_API_KEY: t.keys.human });
      expect(viaServer.stderr).toBe('');
      expect(viaServer.code).toBe(0);
      expect(viaServer.stdout).toMatch(/create\s+Block IP on firewall/);
      const value = 'fw-secret-value-7f3a9c';
      expect((await t.request('PUT', '/v1/secrets/FW_TOKEN', { body: { value } })).status).toBe(200);

      const out = join(tempDir(), 'export');
      mkdirSync(out);
      writeFileSync(join(out, 'gone.vigil.json'), '{"name": "Gone"}\n');
      writeFileSync(join(out, 'gone.ts'), TRIVIAL_WORKFLOW);
      writeFileSync(join(out, 'notes.md'), 'kept\n');
      const exported = await vigil(['export', out, '--data-dir', t.dataDir]);
      expect(exported.code).toBe(0);
      expect(exported.stdout).toMatch(/removed gone\.ts, gone\.vigil\.json/);
      const files = readFolder(out);
      expect(Object.keys(files)).toEqual(['block-ip-on-firewall.mocks.json', 'block-ip-on-firewall.ts', 'block-ip-on-firewall.vigil.json', 'notes.md']);
      for (const content of Object.values(files)) expect(content).not.toContain(value);
      expect(JSON.parse(files['block-ip-on-firewall.vigil.json']!).secrets).toEqual(['FW_TOKEN']);

      const all = join(tempDir(), 'all');
      expect((await vigil(['export', all, '--data-dir', t.dataDir, '--include-builtins'])).code).toBe(0);
      const builtins = Object.entries(readFolder(all)).filter(([name, text]) => name.endsWith('.vigil.json') && 'builtin' in JSON.parse(text));
      expect(builtins.length).toBeGreaterThan(0);
      for (const [, text] of Object.entries(readFolder(all))) expect(text).not.toContain(value);
      // A built-in's files find their workflow again: unchanged, nothing created.
      const back = await vigil(['import', all, '--url', t.url, '--dry-run', '--json'], { VIGIL_API_KEY: t.keys.human });
      expect(back.code).toBe(0);
      const plan = JSON.parse(back.stdout);
      expect(plan.summary).toMatchObject({ create: 0, update: 0 });
      expect(plan.items.filter((item: { matched_by: string }) => item.matched_by === 'builtin')).toHaveLength(builtins.length);
    } finally {
      await t.close();
    }
  });
});

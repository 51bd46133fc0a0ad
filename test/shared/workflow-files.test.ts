import { describe, expect, it } from 'vitest';
import { fromFiles, slugOf, toFiles, type WorkflowDefinition } from '../../src/shared/workflow-files.ts';

const base: WorkflowDefinition = {
  uuid: '01a24a11-0000-7000-8000-000000000001',
  name: 'Block IP on firewall',
  kind: 'script',
  code: 'export async function run(ctx) {\n  return ctx.ok("x");\n}\n',
  workflow_type: 'indicator',
  indicator_types: ['ip'],
  approval_mode: 'always',
  approval_timeout_seconds: 3600,
  risk_level: 'high',
  timeout_seconds: 60,
  secrets: ['FIREWALL_TOKEN'],
  allowed_hosts: [],
  tags: ['network'],
  documentation: 'Blocks an IP.',
  schedule: null,
  mocks: { responses: [{ url: 'https://fw.example.com/*', status: 200 }] },
};

describe('workflows as files', () => {
  it('writes one file per concern, stable and sorted, and reads them back the same', () => {
    const endpoint: WorkflowDefinition = { ...base, uuid: '01a24a11-0000-7000-8000-000000000002', name: 'Block IP on firewall', kind: 'http_endpoint', code: '{"url":"https://hooks.example.com/x"}', mocks: null };
    const files = toFiles([endpoint, base]);
    expect([...files.keys()]).toEqual([
      'block-ip-on-firewall-2.endpoint.json',
      'block-ip-on-firewall-2.vigil.json',
      'block-ip-on-firewall.mocks.json',
      'block-ip-on-firewall.ts',
      'block-ip-on-firewall.vigil.json',
    ]);
    const meta = files.get('block-ip-on-firewall.vigil.json')!;
    expect(Object.keys(JSON.parse(meta))).toEqual([...Object.keys(JSON.parse(meta))].sort());
    expect(meta).not.toContain('"code"');
    // Activation belongs to the instance, and an absent schedule is left out rather than written as null.
    expect(meta).not.toContain('"state"');
    expect(meta).not.toContain('"schedule"');
    const { definitions, problems, ignored } = fromFiles(new Map([...files, ['README.md', '# notes']]));
    expect(problems).toEqual([]);
    expect(ignored).toEqual(['README.md']);
    expect(toFiles(definitions)).toEqual(files);
  });

  it('names the file of every problem', () => {
    const { problems } = fromFiles(new Map([
      ['a.vigil.json', '{"name": "A"}'],
      ['b.vigil.json', '{"name": '],
      ['c.vigil.json', '{"name": "C", "kind": "http_endpoint"}'],
      ['c.ts', 'export async function run() {}'],
    ]));
    expect(problems).toEqual([
      { file: 'a.vigil.json', message: 'its code file a.ts is missing' },
      { file: 'b.vigil.json', line: 1, message: expect.stringMatching(/^not valid JSON/) },
      { file: 'c.vigil.json', message: 'its endpoint configuration file c.endpoint.json is missing' },
    ]);
    expect(slugOf('Ünïcode — Contain Host!')).toBe('unicode-contain-host');
    const broken = fromFiles(new Map([['d.vigil.json', '{\n  "name": "D",\n  "tags": [,]\n}\n'], ['d.ts', 'x']]));
    expect(broken.problems).toEqual([{ file: 'd.vigil.json', line: 3, message: expect.stringMatching(/^not valid JSON/) }]);
  });

  it('carries a schedule and a built-in key when the workflow has them', () => {
    const schedule = { cron: '0 8 * * 1-5', timezone: 'Europe/Berlin', context: { scope: 'all' }, catch_up: 'last', overlap: 'skip' };
    const files = toFiles([{ ...base, schedule, builtin: 'okta.suspend_user', mocks: null }]);
    const meta = JSON.parse(files.get('block-ip-on-firewall.vigil.json')!);
    expect(meta.schedule).toEqual(schedule);
    expect(meta.builtin).toBe('okta.suspend_user');
    const { definitions, sources } = fromFiles(files);
    expect(definitions[0]).toMatchObject({ schedule, builtin: 'okta.suspend_user', mocks: null });
    expect(sources).toEqual([{ meta: 'block-ip-on-firewall.vigil.json', code: 'block-ip-on-firewall.ts', mocks: null }]);
  });
});

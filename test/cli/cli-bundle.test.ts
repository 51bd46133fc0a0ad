// bin/vigil.js runs out/cli only while the bundle is current: a bundle built from other sources
// than the checkout's must never run in their place.
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript module without types
import { buildCli, cliBundleIsCurrent } from '../../scripts/cli-bundle.js';
import { serve, vigil } from '../helpers/cli.ts';
import { eventually, TRIVIAL_WORKFLOW } from '../helpers/server.ts';

const isCurrent = cliBundleIsCurrent as (manifest?: string) => boolean;
const build = buildCli as (options: { quiet: boolean }) => Promise<void>;
const scratch = mkdtempSync(join(tmpdir(), 'vigil-cli-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function manifestOf(files: string[]): string {
  const manifest = join(scratch, 'inputs.json');
  writeFileSync(manifest, JSON.stringify({ files: files.map((path) => [path, statSync(path).mtimeMs, statSync(path).size]) }));
  return manifest;
}

describe('the vigil command bundle', () => {
  it('is current while every input keeps its size and mtime', () => {
    const source = join(scratch, 'a.ts');
    writeFileSync(source, 'export const a = 1;\n');
    expect(isCurrent(manifestOf([source]))).toBe(true);
  });

  it('is stale once an input is edited, even to the same size, or put back to an older time', () => {
    const source = join(scratch, 'b.ts');
    writeFileSync(source, 'export const b = 1;\n');
    const manifest = manifestOf([source]);
    writeFileSync(source, 'export const b = 2;\n');
    // A file system with coarse timestamps could give the edit the same mtime; a real edit a moment later would not.
    utimesSync(source, new Date(), new Date(Date.now() + 2000));
    expect(isCurrent(manifest)).toBe(false);
    utimesSync(source, new Date(2000, 0, 1), new Date(2000, 0, 1));
    expect(isCurrent(manifest)).toBe(false);
  });

  it('is stale when an input is gone, and missing without its manifest', () => {
    const source = join(scratch, 'c.ts');
    writeFileSync(source, 'export const c = 1;\n');
    const manifest = manifestOf([source]);
    rmSync(source);
    expect(isCurrent(manifest)).toBe(false);
    expect(isCurrent(join(scratch, 'none.json'))).toBe(false);
  });

  it('serves from out/cli, its sandbox process and worker too, and runs a workflow to the end', async () => {
    if (!isCurrent()) await build({ quiet: true });
    expect(isCurrent()).toBe(true);
    const dataDir = join(scratch, 'data');
    const created = await vigil(['keys', 'create', '--name', 'bundle', '--type', 'human', '--scopes', 'admin', '--json', '--data-dir', dataDir]);
    const key = JSON.parse(created.stdout).key as string;
    const server = await serve(dataDir);
    try {
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${server.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        return (await res.json()) as any;
      };
      const children = () =>
        readFileSync(`/proc/${server.child.pid}/task/${server.child.pid}/children`, 'utf8')
          .trim()
          .split(/\s+/)
          .filter(Boolean)
          .map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));
      // Idle, the server is one process: the sandbox starts with the first save or run.
      expect(children()).toEqual([]);
      const workflow = await call('POST', '/v1/workflows', { name: 'from the bundle', code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'never' });
      // What `vigil serve` started is the bundle's sandbox process, not the sources'.
      expect(children().find((line) => line.includes('sandbox'))).toContain(join('out', 'cli', 'sandbox-process.js'));
      const runToEnd = async (uuid: string, what: string) => {
        const accepted = await call('POST', `/v1/workflows/${uuid}/execute`, { indicator_type: 'ip', indicator_value: '203.0.113.9' });
        return eventually(async () => {
          const detail = (await call('GET', `/v1/workflow-runs/${accepted.data.run_uuid}`)).data;
          return ['success', 'failed', 'timed_out'].includes(detail.status) ? detail : null;
        }, what);
      };
      const run = await runToEnd(workflow.data.uuid, 'the run to end');
      expect(run.status, run.error).toBe('success');
      // The bundle's linter and type checker (TypeScript required at run time, not bundled).
      const refused = await call('POST', '/v1/workflows', { name: 'refused', code: 'export async function run(ctx) {\n  const fs = require("fs");\n  return ctx.ok("x");\n}\n' });
      expect(refused.error.code).toBe('WORKFLOW_CODE_INVALID');
      const typed = 'import type { WorkflowContext, WorkflowResult } from "vigil";\nexport async function run(ctx: WorkflowContext): Promise<WorkflowResult> {\n  return ctx.okay("done");\n}\n';
      const warned = await call('POST', '/v1/workflows', { name: 'typed', code: typed });
      expect(warned.meta.lint_warnings).toEqual([expect.objectContaining({ rule: 'TS2339', source: 'typescript', line: 3 })]);
      // The bundle's compile thread: scripts that break Node's type stripper break the main
      // thread's and then the thread's; a new script still runs. The linter refuses them, but a
      // save hands its code to the sandbox to compile before the lint has answered.
      for (const depth of [1200, 1201]) {
        const nested = await call('POST', '/v1/workflows', { name: `nested ${depth}`, code: `export async function run(ctx) {\n  return ctx.ok("x", ${'('.repeat(depth)}1${')'.repeat(depth)});\n}\n` });
        expect(nested.error?.details.problems, JSON.stringify(nested)).toEqual([expect.objectContaining({ rule: 'syntax', message: expect.stringMatching(/nested more than 500 levels deep/) })]);
      }
      const after = await call('POST', '/v1/workflows', { name: 'after', code: `${TRIVIAL_WORKFLOW}// compiled after the nested scripts\n`, state: 'active', approval_mode: 'never' });
      const ended = await runToEnd(after.data.uuid, 'the run after the nested scripts to end');
      expect(ended.status, ended.error).toBe('success');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 60_000);
});

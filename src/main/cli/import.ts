// `vigil import DIR`: workflow files (as `vigil export` writes them) into a data folder or a running
// server. Every file is checked first and one problem refuses the whole import, naming the file and
// line; the plan (create / update → new version / unchanged) is printed, and with --dry-run only that.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadWorkflowFolder, type ImportPlan } from '../engine/index.ts';
import { parseOptions, UsageError, withUsage, type Command } from './command.ts';
import { dataDirOf, openExistingStore, openOrCreateStore } from './data.ts';
import { isWorkflowFileName } from './workflow-files.ts';

const help = `Usage: vigil import DIR [--dry-run] [--activate] [--data-dir D | --url U] [--json]

Imports the workflow files in DIR (as "vigil export" writes them). Each workflow is matched to
one already there by its uuid, then by its name; the plan says for each whether it is created,
updated (and whether that saves a new version) or unchanged.

Every file is checked before anything changes: the .vigil.json fields, the code with the linter,
an endpoint configuration with the endpoint rules, the mocks and a schedule. Any problem refuses
the whole import and names the file and line; nothing is changed then.

Activation never changes unless --activate is given: new workflows are drafts, and existing
ones keep their state. With --activate every imported workflow ends active.

Options:
  --dry-run     print the plan and change nothing
  --activate    activate every imported workflow
  --data-dir D  import into this data folder directly (default $VIGIL_DATA_DIR, else the
                per-user data folder); works whether or not a server is running
                (with $VIGIL_DATABASE_URL set: that PostgreSQL database, a team server's)
  --url U       import through a running server's API (POST /v1/workflows/import), with the API
                key in the environment variable VIGIL_API_KEY (scope workflows:write)
  --json        print the plan as JSON

Exit status: 0 imported (or planned), 1 refused or failed, 2 unusable input.`;

interface Refusal {
  message: string;
  problems: Array<{ file: string; line?: number; message: string }>;
}

export const command: Command = {
  summary: 'Import workflow files (plan, check everything, then apply)',
  help,
  run: (args, io) =>
    withUsage(io, help, async () => {
      const { values, positionals } = parseOptions(
        args,
        {
          'dry-run': { type: 'boolean', default: false },
          activate: { type: 'boolean', default: false },
          'data-dir': { type: 'string' },
          url: { type: 'string' },
          json: { type: 'boolean', default: false },
        },
        true,
      );
      if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'DIR is required' : 'give exactly one DIR');
      if (values.url !== undefined && values['data-dir'] !== undefined) throw new UsageError('give --data-dir or --url, not both');
      const dir = resolve(io.cwd, positionals[0]!);
      const files = await readFolder(dir);
      const options = { dryRun: values['dry-run'], activate: values.activate };
      let target: string;
      let outcome: { plan: ImportPlan } | { refused: Refusal };
      if (values.url !== undefined) {
        const key = io.env.VIGIL_API_KEY;
        if (!key) throw new UsageError('set VIGIL_API_KEY to an API key with the workflows:write scope (vigil keys create --name ci --type human)');
        target = values.url;
        outcome = await throughServer(values.url, key, files, options);
      } else {
        target = dataDirOf(values['data-dir'], io.env);
        outcome = await intoFolder(target, files, options, io.env);
      }
      if ('refused' in outcome) {
        if (values.json) io.out(JSON.stringify({ error: outcome.refused }));
        io.err(`vigil import: ${outcome.refused.message}`);
        for (const problem of outcome.refused.problems) io.err(`  ${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.message}`);
        return 1;
      }
      if (values.json) io.out(JSON.stringify(outcome.plan));
      else io.out(describePlan(outcome.plan, dir, target));
      return 0;
    }),
};

/** The folder's workflow files (name → text); other files are not read. */
async function readFolder(dir: string): Promise<Map<string, string>> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new UsageError(`cannot read ${dir}: ${(error as Error).message}`);
  }
  const files = new Map<string, string>();
  for (const entry of entries.filter((e) => e.isFile() && isWorkflowFileName(e.name)).sort((a, b) => a.name.localeCompare(b.name))) {
    files.set(entry.name, await readFile(join(dir, entry.name), 'utf8'));
  }
  return files;
}

function refusalOf(error: unknown): Refusal | null {
  const candidate = error as { code?: unknown; message?: unknown; details?: { problems?: unknown } } | null;
  if (candidate?.code !== 'IMPORT_INVALID' || !Array.isArray(candidate.details?.problems)) return null;
  return { message: String(candidate.message), problems: candidate.details.problems as Refusal['problems'] };
}

async function intoFolder(dataDir: string, files: Map<string, string>, options: { dryRun: boolean; activate: boolean }, env: NodeJS.ProcessEnv) {
  const { importIntoFolder } = await loadWorkflowFolder();
  // A dry run creates nothing: a folder without data is planned against an empty one, made and removed here.
  const existing = options.dryRun ? openExistingStore(dataDir, env) : openOrCreateStore(dataDir, env);
  const scratch = existing ? null : await mkdtemp(join(tmpdir(), 'vigil-import-'));
  const store = existing ?? openOrCreateStore(scratch!, {});
  try {
    return { plan: await importIntoFolder(store, files, options) };
  } catch (error) {
    const refused = refusalOf(error);
    if (refused) return { refused };
    throw error;
  } finally {
    store.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

async function throughServer(url: string, key: string, files: Map<string, string>, options: { dryRun: boolean; activate: boolean }) {
  const endpoint = new URL('/v1/workflows/import', url);
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ files: Object.fromEntries(files), dry_run: options.dryRun, activate: options.activate }),
    });
  } catch (error) {
    throw new Error(`cannot reach ${endpoint.origin}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`);
  }
  const body = (await response.json().catch(() => null)) as { data?: ImportPlan; error?: { code?: string; message?: string; details?: unknown } } | null;
  if (response.ok && body?.data) return { plan: body.data };
  const refused = refusalOf(body?.error);
  if (refused) return { refused };
  throw new Error(`the server answered ${response.status}${body?.error?.message ? `: ${body.error.message}` : ''}`);
}

const ACTIONS = { create: 'create', update: 'update', unchanged: 'unchanged' } as const;

/** The plan in words, one line per workflow. */
export function describePlan(plan: ImportPlan, dir: string, target: string): string {
  const lines = [`${plan.dry_run ? 'Plan for importing' : 'Imported'} ${dir} into ${target}${plan.dry_run ? ' (dry run: nothing was changed)' : ''}:`];
  for (const item of plan.items) {
    let what: string = ACTIONS[item.action];
    if (item.action === 'update') what += item.new_version ? ' → new version' : '';
    const changes = item.action === 'update' ? ` (${item.changes.join(', ')})` : '';
    const activate = item.activate ? ', activate' : '';
    lines.push(`  ${what.padEnd(24)} ${item.name}  [${item.file}]${changes}${activate}`);
    for (const note of item.notes) lines.push(`      note: ${note}`);
  }
  if (plan.items.length === 0) lines.push('  (no workflow files)');
  const { create, update, unchanged, activate } = plan.summary;
  lines.push(`${create} to create, ${update} to update, ${unchanged} unchanged${activate > 0 ? `, ${activate} to activate` : ''}.`);
  if (plan.ignored.length > 0) lines.push(`Ignored (not a workflow's file): ${plan.ignored.join(', ')}`);
  return lines.join('\n');
}

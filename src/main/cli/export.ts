// `vigil export DIR`: a data folder's workflows as files, for review in git (docs/workflows-in-git.md).
// The same state writes the same bytes; files of workflows that no longer exist are removed, so a
// deleted workflow shows in the diff; nothing else in DIR is touched.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadWorkflowFolder } from '../engine/index.ts';
import { parseOptions, UsageError, withUsage, type Command } from './command.ts';
import { dataDirOf, noDataMessage, openExistingStore } from './data.ts';
import { workflowSlugs } from './workflow-files.ts';

const help = `Usage: vigil export DIR [--data-dir D] [--include-builtins]

Writes each workflow of the data folder into DIR as files, for review in git:
  <slug>.ts              the code (<slug>.endpoint.json for an HTTP-endpoint workflow)
  <slug>.vigil.json      everything else: uuid, name, type, indicator types, approval mode and
                         timeout, risk, declared secret names, allowed hosts, tags, documentation,
                         timeout, schedule
  <slug>.mocks.json      the test mocks, when the workflow has some
JSON keys are sorted and every file ends with a newline: the same workflows give the same bytes.
Secret values are never written, only names. Activation is not exported (see vigil import
--activate). Files of workflows exported before that no longer exist are removed; other files
in DIR are left alone.

Options:
  --data-dir D          data folder (default $VIGIL_DATA_DIR, else the per-user data folder)
                        (with $VIGIL_DATABASE_URL set: that PostgreSQL database, a team server's)
  --include-builtins    also the built-in workflows Vigil seeds (left out by default)`;

export const command: Command = {
  summary: 'Write the workflows as files (code, settings, mocks) for git',
  help,
  run: (args, io) =>
    withUsage(io, help, async () => {
      const { values, positionals } = parseOptions(
        args,
        { 'data-dir': { type: 'string' }, 'include-builtins': { type: 'boolean', default: false } },
        true,
      );
      if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'DIR is required' : 'give exactly one DIR');
      const dir = resolve(io.cwd, positionals[0]!);
      const dataDir = dataDirOf(values['data-dir'], io.env);
      const store = openExistingStore(dataDir, io.env);
      if (!store) {
        io.err(`vigil export: ${noDataMessage(dataDir)}`);
        return 1;
      }
      let files: Map<string, string>;
      try {
        const { exportFolder } = await loadWorkflowFolder();
        files = exportFolder(store, { includeBuiltins: values['include-builtins'] });
      } finally {
        store.close();
      }
      await mkdir(dir, { recursive: true });
      const stale = await staleFiles(dir, files);
      for (const name of stale) await rm(join(dir, name));
      for (const [name, content] of files) await writeFile(join(dir, name), content);
      const count = [...files.keys()].filter((name) => name.endsWith('.vigil.json')).length;
      io.out(`Exported ${count} workflow(s) from ${dataDir} to ${dir} (${files.size} files${stale.length > 0 ? `; removed ${stale.join(', ')}` : ''}).`);
      return 0;
    }),
};

/** Files of a workflow exported before into DIR that this export does not write. */
async function staleFiles(dir: string, files: Map<string, string>): Promise<string[]> {
  const present = (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name);
  const slugs = workflowSlugs(present);
  return present.filter((name) => !files.has(name) && slugs.has(name)).sort();
}

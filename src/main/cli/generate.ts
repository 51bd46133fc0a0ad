import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { INDICATOR_TYPES, WORKFLOW_TYPES, type IndicatorType, type WorkflowType } from '../../shared/domain.ts';
import { loadCodeGeneration, MasterKeyError, type GenerateProgress, type GenerateResult, type GenerationProblem, type SecretStore, type Store } from '../engine/index.ts';
import { createSandboxHost } from '../sandbox/index.ts';
import { parseOptions, UsageError, withUsage, type Command, type CommandIO } from './command.ts';
import { credentialStoreFor, dataDirOf, noDataMessage, openExistingStore } from './data.ts';

const help = `Usage: vigil generate "DESCRIPTION" [--out FILE] [--type indicator|alert] [--indicator-types a,b]
                      [--data-dir DIR] [--json]

Writes a workflow with the configured LLM (Settings → Code generation, or PUT /v1/settings/llm),
checks it with the linter, the type checker and one sandbox test run against the model's own mock
responses, and lets the model fix what fails (at most 3 answers). Nothing is saved in Vigil.

Works in the data folder directly, with or without a running server: it reads the LLM settings
there and the API key from the OS keychain (sealed in the database instead when
VIGIL_MASTER_KEY_FILE names a master key, as for \`vigil serve\`). Progress goes to stderr; Ctrl-C
cancels.

Output: without --out the code goes to stdout and the suggested settings to stderr. With --out the
code is written to FILE and the suggested mocks to FILE's name with .mocks.json (ready for
"vigil test FILE --mocks …"), and the suggested settings go to stdout. --json prints the whole
result object instead.

Exit status: 0 when the code passed every check, 1 when problems remain (the code is still
written; they are listed) or generation failed, 2 for usage errors.

Options:
  --out FILE              write the code to FILE (and the mocks beside it)
  --type TYPE             workflow type: ${WORKFLOW_TYPES.join(' or ')}
  --indicator-types LIST  comma-separated: ${INDICATOR_TYPES.join(', ')}
  --data-dir DIR          data folder (default $VIGIL_DATA_DIR, else the per-user data folder)
                          (with $VIGIL_DATABASE_URL set: that PostgreSQL database, a team server's)
  --json                  machine-readable output`;

export interface GenerateCommandDeps {
  /** Where the API key is read from (see credentialStoreFor), unless a test gives another store. */
  credentials(store: Store, io: CommandIO): SecretStore;
}

function mocksPathFor(out: string): string {
  return `${out.replace(/\.ts$/, '')}.mocks.json`;
}

function describeProblem(problem: GenerationProblem): string {
  const where = problem.line !== undefined ? ` (line ${problem.line}${problem.column !== undefined ? `:${problem.column}` : ''})` : '';
  const rule = problem.rule ? ` ${problem.rule}` : '';
  return `  - [${problem.source}${rule}]${where} ${problem.message.replace(/\n/g, '\n      ')}`;
}

function summary(result: GenerateResult, files: { code: string; mocks: string } | null): string[] {
  const lines = [
    `Name:           ${result.suggested_name}`,
    `Secrets:        ${result.suggested_secrets.join(', ') || '(none)'}`,
    `Allowed hosts:  ${result.suggested_allowed_hosts.join(', ') || '(any public host)'}`,
    `Checks:         lint ${result.checks.lint}, type check ${result.checks.typecheck}, test run ${result.checks.test} (${result.attempts} attempt${result.attempts === 1 ? '' : 's'}, ${result.provider} ${result.model})`,
  ];
  if (files) lines.push(`Wrote:          ${files.code}`, `                ${files.mocks}`);
  if (result.warnings.length > 0) lines.push(`Unresolved problems (${result.warnings.length}):`, ...result.warnings.map(describeProblem));
  return lines;
}

function progressLine(event: GenerateProgress): string | null {
  if (event.stage === 'receiving') return null;
  return `[${event.attempt}/${event.max_attempts}] ${event.message}`;
}

export function createGenerateCommand(deps: GenerateCommandDeps): Command {
  return {
    summary: 'Write a workflow from a description with the configured LLM',
    help,
    run: (args, io) =>
      withUsage(io, help, async () => {
        const { values, positionals } = parseOptions(
          args,
          {
            out: { type: 'string' },
            type: { type: 'string' },
            'indicator-types': { type: 'string' },
            'data-dir': { type: 'string' },
            json: { type: 'boolean', default: false },
          },
          true,
        );
        const description = positionals.join(' ').trim();
        if (!description) throw new UsageError('say what the workflow should do, e.g. vigil generate "block the IP on our Palo Alto firewall"');
        if (values.type !== undefined && !WORKFLOW_TYPES.includes(values.type as WorkflowType)) {
          throw new UsageError(`--type must be ${WORKFLOW_TYPES.join(' or ')}, not ${values.type}`);
        }
        const indicatorTypes = values['indicator-types']?.split(',').map((type) => type.trim()).filter(Boolean);
        const unknown = indicatorTypes?.filter((type) => !INDICATOR_TYPES.includes(type as IndicatorType)) ?? [];
        if (unknown.length > 0) throw new UsageError(`unknown indicator type(s): ${unknown.join(', ')}`);

        const dataDir = dataDirOf(values['data-dir'], io.env);
        return generateIn(dataDir, io, deps, {
          description,
          workflowType: (values.type as WorkflowType | undefined) ?? null,
          indicatorTypes: indicatorTypes as IndicatorType[] | undefined,
          out: values.out === undefined ? null : resolve(io.cwd, values.out),
          json: values.json,
        });
      }),
  };
}

async function generateIn(
  dataDir: string,
  io: CommandIO,
  deps: GenerateCommandDeps,
  options: { description: string; workflowType: WorkflowType | null; indicatorTypes: IndicatorType[] | undefined; out: string | null; json: boolean },
): Promise<number> {
  // Generation only reads the settings: a folder without a database is said, never created.
  const store = openExistingStore(dataDir, io.env);
  if (!store) {
    io.err(`vigil generate: No LLM provider is configured: ${noDataMessage(dataDir)}`);
    return 1;
  }
  const { LlmError, loadGenerator, resolveProvider } = await loadCodeGeneration();
  let sandbox: ReturnType<typeof createSandboxHost> | null = null;
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const resolved = await resolveProvider({ settings: store.settings, credentials: deps.credentials(store, io) });
    const { generateWorkflow, loadPromptMaterial } = await loadGenerator();
    const material = loadPromptMaterial();
    sandbox = createSandboxHost();
    const result = await generateWorkflow(
      {
        description: options.description,
        workflow_type: options.workflowType,
        ...(options.indicatorTypes ? { indicator_types: options.indicatorTypes } : {}),
      },
      { provider: resolved.provider, timeoutMs: resolved.timeoutMs, executor: sandbox, integrations: store.settings, material },
      {
        signal: controller.signal,
        onProgress: (event) => {
          const line = progressLine(event);
          if (line) io.err(line);
        },
      },
    );
    let files: { code: string; mocks: string } | null = null;
    if (options.out) {
      files = { code: options.out, mocks: mocksPathFor(options.out) };
      writeFileSync(files.code, result.generated_code);
      writeFileSync(files.mocks, `${JSON.stringify(result.suggested_mocks, null, 2)}\n`);
    }
    if (options.json) {
      io.out(JSON.stringify(result));
    } else if (files) {
      io.out(summary(result, files).join('\n'));
    } else {
      io.out(result.generated_code);
      io.err(summary(result, null).join('\n'));
    }
    return result.warnings.length === 0 ? 0 : 1;
  } catch (error) {
    if (error instanceof LlmError) {
      if (options.json) io.out(JSON.stringify({ error: { code: error.code, message: error.message, details: error.details } }));
      io.err(`vigil generate: ${error.message}`);
      return error.code === 'GENERATION_CANCELLED' ? 130 : 1;
    }
    if (error instanceof MasterKeyError) {
      io.err(`vigil generate: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    await sandbox?.close();
    store.close();
  }
}

export const command: Command = createGenerateCommand({
  credentials: (store, io) => credentialStoreFor(store, io.env, io.cwd),
});

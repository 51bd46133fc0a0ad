// `vigil test FILE.ts`: runs a workflow once in the real sandbox (a sandbox process of its own),
// in test mode unless --live: every HTTP call is answered from the mocks file, nothing leaves the
// machine. Exit 0 when the workflow returned ctx.ok, 1 otherwise, 2 for unusable input.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { INDICATOR_TYPES, type IndicatorType, type RunLogEntry } from '../../shared/domain.ts';
import { callError, mockLabel, reportLogs } from '../../shared/test-report.ts';
import { checkIndicator } from '../../shared/indicators.ts';
import { placeholderSecret } from '../../shared/test-secrets.ts';
import { loadRunRequests, type InputFields } from '../engine/index.ts';
import { createSandboxHost, parseMockSpec, toTestReport, type MockSpec, type TestReport } from '../sandbox/index.ts';
import { parseOptions, UsageError, withUsage, type Command, type CommandIO } from './command.ts';

const DEFAULT_INDICATOR = 'ip:198.51.100.7';

const help = `Usage:
  vigil test FILE.ts [--indicator TYPE:VALUE|none] [--scheduled-for TIME] [--input JSON] [--alert JSON] [--mocks FILE.json]
                     [--secret NAME=VALUE]... [--allow-host HOST]... [--live] [--timeout SECONDS] [--json]

Runs a workflow once in the sandbox and prints its result, log and HTTP calls.

Without --live every ctx.http call is answered from the mocks file (nothing leaves the machine;
with no --mocks every call fails with "no mock matches"). The mocks file is a list of rules:
  {"responses": [{"method": "GET", "url": "https://api.example.com/*", "status": 200, "json": {...}}],
   "default": "error"}
(a bare list of rules, or any other object, which every call then answers with as JSON, also work).

Options:
  --indicator TYPE:VALUE  ctx.indicator (default ${DEFAULT_INDICATOR}); TYPE is one of
                          ${INDICATOR_TYPES.join(', ')}; \`none\` for no indicator, as a scheduled run has
  --scheduled-for TIME    ctx.run.scheduled_for, as the scheduled run of that occurrence has it
                          (an ISO 8601 time, e.g. 2026-12-07T02:00:00Z)
  --input JSON            ctx.input (the caller's context)
  --alert JSON            ctx.alert
  --mocks FILE.json       mock HTTP responses
  --secret NAME=VALUE     a secret's test value (repeatable). Names the code reads with
                          ctx.secrets.get("NAME") are declared; those not given here read as the
                          placeholder test-value-of-NAME (the keychain is never read)
  --allow-host HOST       the workflow's allowed_hosts (repeatable): host, host:port or CIDR
  --live                  send HTTP calls for real, through the egress policy (not with --mocks)
  --timeout SECONDS       the run's wall-clock timeout (default 30)
  --json                  print {success, message, data, logs, http_calls, duration_ms, status, error,
                          secrets: [{name, source: "request"|"placeholder"}]}

Exit status: 0 when the workflow returned ctx.ok(...), 1 otherwise, 2 for unusable input.`;

export const command: Command = {
  summary: 'Run a workflow once in the sandbox with mock HTTP responses',
  help,
  run: (args, io) => withUsage(io, help, () => runTest(args, io)),
};

async function runTest(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    {
      indicator: { type: 'string' },
      'scheduled-for': { type: 'string' },
      input: { type: 'string' },
      alert: { type: 'string' },
      mocks: { type: 'string' },
      secret: { type: 'string', multiple: true },
      'allow-host': { type: 'string', multiple: true },
      live: { type: 'boolean', default: false },
      timeout: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'FILE.ts is required' : 'give exactly one FILE.ts');
  if (values.live && values.mocks !== undefined) throw new UsageError('--live and --mocks cannot be combined');
  const file = resolve(io.cwd, positionals[0]!);
  const indicator = values.indicator === 'none' ? {} : parseIndicator(values.indicator ?? DEFAULT_INDICATOR);
  const scheduledFor = values['scheduled-for'] === undefined ? undefined : parseTime(values['scheduled-for'], '--scheduled-for');
  const context = values.input === undefined ? null : parseJson(values.input, '--input');
  const alert = values.alert === undefined ? null : parseJson(values.alert, '--alert');
  if (alert !== null && (typeof alert !== 'object' || Array.isArray(alert))) throw new UsageError('--alert must be a JSON object');
  const given = parseSecrets(values.secret ?? []);
  let timeoutSeconds = 30;
  if (values.timeout !== undefined) {
    timeoutSeconds = Number(values.timeout);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError('--timeout must be a positive number of seconds');
  }

  let code: string;
  try {
    code = await readFile(file, 'utf8');
  } catch (error) {
    io.err(`vigil test: cannot read ${positionals[0]}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return 2;
  }
  let mocks: MockSpec | undefined;
  if (!values.live) {
    if (values.mocks === undefined) {
      mocks = { rules: [], default: 'error' };
    } else {
      try {
        mocks = parseMockSpec(JSON.parse(await readFile(resolve(io.cwd, values.mocks), 'utf8')));
      } catch (error) {
        io.err(`vigil test: ${values.mocks}: ${(error as Error).message}`);
        return 2;
      }
    }
  }

  const { buildRunRequest, runInput } = await loadRunRequests();
  const built = await buildRunRequest(
    {
      runId: crypto.randomUUID(),
      workflow: { uuid: crypto.randomUUID(), name: positionals[0]!, version: 1 },
      kind: 'script',
      code,
      input: runInput({ ...indicator, alert: alert as object | null, context }),
      declaredSecrets: [...new Set([...Object.keys(given), ...secretNamesIn(code)])],
      allowedHosts: values['allow-host'] ?? [],
      timeoutSeconds,
      now: Date.now(),
      ...(scheduledFor ? { scheduledFor } : {}),
    },
    // The keychain is never read, --live or not: a placeholder sent to a real API is a harmless 401.
    { secrets: { test: given }, ...(mocks ? { mocks } : {}) },
  );
  if (!built.ok) throw new Error(built.error);
  const host = createSandboxHost({ workers: 1 });
  let report: TestReport;
  try {
    report = toTestReport(await host.run(built.request), built.secrets);
  } finally {
    await host.close();
  }
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else io.out(formatReport(report, values.live));
  return report.success ? 0 : 1;
}

/** An ISO 8601 time with its zone, as the API takes date-times; answered in UTC. */
function parseTime(text: string, flag: string): string {
  const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time)) throw new UsageError(`${flag} must be an ISO 8601 time with its zone, like 2026-12-07T02:00:00Z`);
  return new Date(time).toISOString();
}

function parseIndicator(text: string): Pick<InputFields, 'indicator_type' | 'indicator_value'> {
  const colon = text.indexOf(':');
  const type = colon > 0 ? text.slice(0, colon) : '';
  const value = colon > 0 ? text.slice(colon + 1) : '';
  if (!INDICATOR_TYPES.includes(type as IndicatorType) || value === '') {
    throw new UsageError(`--indicator must be TYPE:VALUE with TYPE one of ${INDICATOR_TYPES.join(', ')}`);
  }
  const problem = checkIndicator(type as IndicatorType, value);
  if (problem) throw new UsageError(`--indicator: ${problem.message}`);
  return { indicator_type: type as IndicatorType, indicator_value: value };
}

function parseJson(text: string, option: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${option} is not valid JSON: ${(error as Error).message}`);
  }
}

function parseSecrets(pairs: string[]): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--secret must be NAME=VALUE, not "${pair}"`);
    secrets[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return secrets;
}

/** Names the code reads with a literal ctx.secrets.get("NAME"): what a saved workflow would declare. */
function secretNamesIn(code: string): string[] {
  return [...code.matchAll(/secrets\s*\.\s*get\s*\(\s*(["'`])([^"'`\\\n]+)\1\s*\)/g)].map((match) => match[2]!);
}

function formatReport(report: TestReport, live: boolean): string {
  const lines: string[] = [];
  const mark = report.success ? '✔' : '✘';
  lines.push(`${mark} ${report.status}: ${report.message}`);
  if (report.error !== null && report.error !== report.message) lines.push(`  error: ${report.error}`);
  const { logs, stack } = reportLogs(report);
  if (stack !== null) lines.push(`  ${indent(stack)}`);
  if (report.data !== null && report.data !== undefined) lines.push(`  data: ${indent(JSON.stringify(report.data, null, 2))}`);
  if (logs.length > 0) {
    lines.push('', 'Log:');
    for (const entry of logs) lines.push(`  ${formatLog(entry)}`);
  }
  if (report.http_calls.length > 0) {
    lines.push('', 'HTTP calls:');
    for (const call of report.http_calls) {
      const error = callError(call, report);
      const answer = call.error ? (error === null ? 'failed (the error above)' : `failed: ${error}`) : `${call.status} (${call.ms} ms, ${call.bytes} bytes)`;
      const mock = call.mock === null && live ? '' : ` [${mockLabel(call.mock)}]`;
      lines.push(`  ${call.method} ${call.url} → ${answer}${mock}`);
      for (const [name, value] of Object.entries(call.request_headers)) lines.push(`      ${name}: ${value}`);
      if (call.request_body !== null) lines.push(`      body: ${call.request_body.length > 500 ? `${call.request_body.slice(0, 500)}…` : call.request_body}`);
    }
  }
  const placeholders = report.secrets.filter((secret) => secret.source === 'placeholder').map((secret) => secret.name);
  if (placeholders.length > 0) {
    lines.push('', `Placeholder secrets: ${placeholders.map((name) => `${name}=${placeholderSecret(name)}`).join(', ')} (no --secret given; the keychain is never read).`);
  }
  lines.push('', `Finished in ${report.duration_ms} ms${live ? ' (live HTTP)' : ' (test mode: HTTP answered by mocks)'}.`);
  return lines.join('\n');
}

function formatLog(entry: RunLogEntry): string {
  const step = entry.step ? ` [${entry.step}]` : '';
  const fields = entry.fields ? ` ${JSON.stringify(entry.fields)}` : '';
  return `${entry.level.padEnd(5)}${step} ${entry.message}${fields}`;
}

function indent(text: string): string {
  return text.split('\n').join('\n  ');
}

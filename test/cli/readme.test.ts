// The README's ```sh blocks, run as a reader would: against `npm run serve` on a fresh data folder,
// in order, with the keys and ids earlier commands printed in place of its placeholders. Each
// command must exit 0 and write nothing to stderr (an API answer must not be an error). A block
// that cannot run here is skipped by name, with the reason; a new block must be either runnable
// or listed, so the README cannot drift from what the commands do.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeychainStore } from '../../src/main/engine/secrets/index.ts';
import { ROOT, VIGIL } from '../helpers/cli.ts';

/** Blocks that cannot run here, recognised by their first command. */
const SKIPPED: Array<[RegExp, string]> = [
  [/^npm install/, 'installs, opens Electron and runs npm test itself'],
  [/^dbus-run-session/, 'asks for a keyring password'],
  [/\/v1\/workflows\/generate|^npx vigil generate/, 'needs an LLM provider'],
  [/^export SLACK_BOT/, 'needs a Slack workspace (and would reach slack.com)'],
  [/^ssh /, 'needs a second machine'],
  [/^npx vigil export/, 'writes a folder into the checkout; test/cli/workflow-files.test.ts runs export and import'],
  [/^npx vigil master-key new/, 'writes under /etc and starts a second server; test/engine/sealed-secrets.test.ts runs master-key new, serve and rotate'],
];
/** The block `npm run serve …`: the test starts it itself and holds it to its sample output. */
const SERVE = /^npm run serve -- --port 8750$/;
const README_PORT = '8750';

interface Step {
  command: string;
  stdout: string;
  stderr: string;
  code: number | null;
}

const scratch = mkdtempSync(join(tmpdir(), 'vigil-readme-'));
// The per-user data folder, moved into the scratch folder: the README's commands use the default.
const XDG_DATA_HOME = join(scratch, 'share');
const dataDir = join(XDG_DATA_HOME, 'vigil');
let server: ChildProcess | null = null;
let serverOutput = { stdout: '', stderr: '' };

const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !['VIGIL_DATA_DIR', 'VIGIL', 'HUMAN', 'AGENT', 'ADMIN'].includes(name)),
);
env.XDG_DATA_HOME = XDG_DATA_HOME;
// npm's own "a newer npm exists" notice asks the registry; nothing in the test may leave the machine.
env.npm_config_update_notifier = 'false';

/** Values for the README's placeholders, learnt from earlier output. */
const placeholders: Record<string, string> = {
  'application id': '00000000-0000-0000-0000-000000000000',
  'secret value': 'placeholder-client-secret',
};

function blocks(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((match) => match[1]!);
}

/** Commands of a block: continuation lines and multi-line quoted arguments joined; comments dropped. */
function commandsOf(block: string): string[] {
  const commands: string[] = [];
  let current = '';
  let quoted = false;
  for (const line of block.split('\n')) {
    if (current === '' && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    current += current ? `\n${line}` : line;
    // Single quotes open and close arguments; a # outside them starts a comment (which may hold an apostrophe).
    for (let i = 0; i < line.length; i++) {
      if (line[i] === "'") quoted = !quoted;
      else if (!quoted && line[i] === '#' && (i === 0 || /\s/.test(line[i - 1]!))) break;
    }
    if (line.endsWith('\\') || quoted) continue;
    commands.push(current);
    current = '';
  }
  return commands;
}

function substitute(command: string): string {
  return command.replace(/<([a-z][a-z |]*)>/g, (whole, name: string) => {
    const value = placeholders[name];
    if (value === undefined) throw new Error(`The README uses the placeholder ${whole}, which the README test cannot fill in: ${command}`);
    return value;
  });
}

/** Remembers the ids a later command of the README refers to by placeholder. */
function learn(command: string, stdout: string): void {
  let parsed: any;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return;
  }
  if (parsed?.key_type) placeholders['uuid|prefix'] = parsed.uuid;
  const data = parsed?.data;
  if (!data) return;
  if (/\/v1\/workflows -H/.test(command) && data.uuid) placeholders.uuid = data.uuid;
  if (data.approval_request_uuid) placeholders['approval uuid'] = data.approval_request_uuid;
  if (data.run_uuid) placeholders['run uuid'] = data.run_uuid;
}

function run(command: string): Step {
  const result = spawnSync('bash', ['-c', command], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  return { command, stdout: result.stdout, stderr: result.stderr, code: result.status };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function key(args: string[]): string {
  const result = spawnSync(process.execPath, [VIGIL, 'keys', 'create', ...args, '--json'], { cwd: ROOT, env, encoding: 'utf8' });
  return JSON.parse(result.stdout).key;
}

async function startServe(command: string): Promise<void> {
  const port = String(await freePort());
  server = spawn('bash', ['-c', `exec ${command.replaceAll(README_PORT, port)}`], { cwd: ROOT, env, detached: true });
  server.stdout!.on('data', (chunk) => (serverOutput.stdout += chunk));
  server.stderr!.on('data', (chunk) => (serverOutput.stderr += chunk));
  const deadline = Date.now() + 45_000;
  while (!/Data folder: /.test(serverOutput.stdout)) {
    if (server.exitCode !== null || Date.now() > deadline) throw new Error(`npm run serve did not start:\n${serverOutput.stdout}${serverOutput.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  env.VIGIL = `http://127.0.0.1:${port}`;
  env.HUMAN = key(['--name', 'readme analyst', '--type', 'human']);
  env.AGENT = key(['--name', 'readme agent', '--type', 'agent']);
  env.ADMIN = key(['--name', 'readme admin', '--type', 'human', '--scopes', 'admin']);
}

/** The keychain the README's settings and integrations blocks store their credentials in. */
const keychain = await createKeychainStore({ timeoutMs: 10_000 }).check();
const IN_CI = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';
if (keychain.state !== 'available' && IN_CI) throw new Error('The README test needs an OS keychain: run it under scripts/with-keyring.sh.');

beforeAll(() => {
  serverOutput = { stdout: '', stderr: '' };
});
afterAll(async () => {
  if (server?.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    // Its own process group: npm, scripts/serve.js and vigil serve.
    process.kill(-server.pid!, 'SIGTERM');
    await exited;
  }
  rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(keychain.state !== 'available')('the README', () => {
  it('runs its command blocks on a fresh data folder without errors or unexpected stderr', async () => {
    const steps: Step[] = [];
    for (const block of blocks()) {
      const commands = commandsOf(block);
      const first = commands[0] ?? '';
      if (SKIPPED.some(([pattern]) => pattern.test(first))) continue;
      if (SERVE.test(first)) {
        await startServe(first);
        // The sample output it shows is what it prints (ports, tokens and paths aside).
        for (const sample of block.split('\n').filter((line) => line.startsWith('# '))) {
          const prefix = sample.slice(2).split(/http:|\/|…|\s{2,}/)[0]!;
          expect(serverOutput.stdout, `README sample line ${sample}`).toContain(prefix);
        }
        expect(serverOutput.stdout).toContain(`Data folder: ${dataDir}`);
        continue;
      }
      expect(env.VIGIL, 'the README starts the server before its other commands').toBeDefined();
      for (const command of commands) {
        const assignment = /^([A-Z_]+)=\S+(\s+#.*)?$/.exec(command);
        if (assignment) {
          // The README's keys and address, which this test made and knows.
          expect(env[assignment[1]!], `README sets ${assignment[1]}`).toBeDefined();
          continue;
        }
        const step = run(substitute(command));
        steps.push(step);
        expect({ command, code: step.code, stderr: step.stderr }).toEqual({ command, code: 0, stderr: '' });
        if (command.startsWith('curl ')) {
          const answer = JSON.parse(step.stdout);
          expect(answer.error, `${command}\n${step.stdout}`).toBeUndefined();
        }
        learn(command, step.stdout);
      }
    }
    // The blocks that ran covered the README's main path.
    expect(steps.map((step) => step.command.split(/\s+/).slice(0, 3).join(' '))).toEqual(
      expect.arrayContaining(['npx vigil keys', 'npx vigil lint', 'npx vigil test', 'curl -s $VIGIL/v1/workflows']),
    );
    expect(steps.some((step) => step.stdout.includes('"status": "queued"') || step.stdout.includes('"status":"queued"'))).toBe(true);
    expect(serverOutput.stderr).toBe('');
  }, 120_000);

  it('skips only the blocks it names, each for a reason', () => {
    const firsts = blocks().map((block) => commandsOf(block)[0] ?? '');
    for (const [pattern, reason] of SKIPPED) {
      expect(firsts.some((first) => pattern.test(first)), `a README block matching ${pattern} (${reason})`).toBe(true);
    }
  });
});

// `vigil notifiers …` on a data folder. Commands that store secrets run inside ONE private,
// unlocked Secret Service (scripts/with-keyring.sh with the caller's D-Bus session hidden), so the
// test never touches a developer's real keyring and every command sees the same one.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, VIGIL, vigil } from '../../helpers/cli.ts';
import { startFakeSlack, startTeamsReceiver, type FakeSlack, type TeamsReceiver } from './fakes.ts';

const WITH_KEYRING = join(ROOT, 'scripts', 'with-keyring.sh');

function missingTools(tools: string[]): Promise<string[]> {
  return Promise.all(
    tools.map((tool) => new Promise<string | null>((done) => execFile('sh', ['-c', `command -v ${tool}`], (error) => done(error ? tool : null)))),
  ).then((results) => results.filter((tool): tool is string => tool !== null));
}

const missing = await missingTools(['dbus-run-session', 'dbus-send', 'gnome-keyring-daemon']);
if (missing.length > 0 && process.env.CI) throw new Error(`the notifiers CLI test needs ${missing.join(', ')} (scripts/apt-packages.txt)`);
if (missing.length > 0) console.warn(`Skipping keychain parts of the notifiers CLI test: ${missing.join(', ')} not installed.`);

let dataDir: string;
let slack: FakeSlack;
let teams: TeamsReceiver;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-notifiers-cli-'));
  slack = await startFakeSlack();
  teams = await startTeamsReceiver();
});
afterAll(async () => {
  await slack?.close();
  await teams?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * Runs a bash script in a private keyring session; every `v …` line is one `vigil` command whose
 * exit code and output come back as a step.
 */
function inKeyring(script: string, env: Record<string, string>): Promise<Array<{ rc: number; out: string; err: string }>> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, VIGIL_DATA_DIR: dataDir, NODE: process.execPath, VIGIL_BIN: VIGIL };
  delete childEnv.DBUS_SESSION_BUS_ADDRESS;
  const prelude = `
v() { "$NODE" "$VIGIL_BIN" "$@" >"$STEP.out" 2>"$STEP.err"; echo $? >"$STEP.rc"; STEP=$((STEP + 1)); }
STEP=0
cd "$STEPS"
`;
  const steps = mkdtempSync(join(tmpdir(), 'vigil-steps-'));
  return new Promise((resolve, reject) => {
    const child = spawn(WITH_KEYRING, ['bash', '-c', prelude + script], { env: { ...childEnv, STEPS: steps }, cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        if (code !== 0) throw new Error(`with-keyring exited ${code}: ${stderr}`);
        const results = [];
        for (let i = 0; ; i++) {
          let rc: string;
          try {
            rc = readFileSync(join(steps, `${i}.rc`), 'utf8');
          } catch {
            break;
          }
          results.push({ rc: Number(rc), out: readFileSync(join(steps, `${i}.out`), 'utf8'), err: readFileSync(join(steps, `${i}.err`), 'utf8') });
        }
        resolve(results);
      } catch (error) {
        reject(error);
      } finally {
        rmSync(steps, { recursive: true, force: true });
      }
    });
  });
}

describe('vigil notifiers (no keychain needed)', () => {
  it('refuses a secret on the command line, before touching anything', async () => {
    const result = await vigil(['notifiers', 'set-slack', '--bot-token', 'xoxb-1234-5678-abcdefgh', '--data-dir', dataDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--bot-token takes env:NAME or stdin, not the secret itself');
    expect(result.stderr).not.toContain('xoxb-1234-5678-abcdefgh');
  });

  it('exits 2 on unknown flags, subcommands and channels', async () => {
    for (const args of [
      ['notifiers', 'set-teams', '--colour', 'red'],
      ['notifiers', 'frobnicate'],
      ['notifiers'],
      ['notifiers', 'test', 'pager'],
      ['notifiers', 'enable', 'all'],
      ['notifiers', 'set-slack', '--bot-token', 'env:VIGIL_TEST_UNSET_VARIABLE'],
    ]) {
      const result = await vigil([...args, '--data-dir', dataDir]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('Usage:');
    }
  });

  it('explains itself with --help', async () => {
    const result = await vigil(['notifiers', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('env:NAME');
    expect(result.stdout).toContain('stdin');
  });
});

describe.skipIf(missing.length > 0)('vigil notifiers (private keyring)', () => {
  it('configures Slack and Teams, keeps secrets out of the database, tests and disables', async () => {
    const steps = await inKeyring(
      `
v notifiers set-slack --mode bot --channel '#soc-approvals' --approvers U0ALICE,U0BOB --socket-mode \\
  --api-url "$SLACK_API" --bot-token env:SLACK_BOT --app-token env:SLACK_APP --json
v notifiers set-teams --webhook-url stdin --notify-run-failed --json <<<"$TEAMS_URL"
v notifiers show --json
v notifiers show
v notifiers test slack --json
v notifiers test teams
v notifiers set-slack --mode webhook
v notifiers disable all --json
`,
      { SLACK_API: slack.apiUrl, SLACK_BOT: slack.botToken, SLACK_APP: slack.appToken, TEAMS_URL: teams.url },
    );
    expect(steps.map((step) => step.rc)).toEqual([0, 0, 0, 0, 0, 0, 1, 0]);
    const [setSlack, setTeams, showJson, showText, testSlack, testTeams, badWebhook, disabled] = steps as [any, any, any, any, any, any, any, any];

    expect(JSON.parse(setSlack.out).slack).toMatchObject({
      enabled: true,
      mode: 'bot',
      default_channel: '#soc-approvals',
      approvers: ['U0ALICE', 'U0BOB'],
      socket_mode: true,
      api_url: slack.apiUrl,
      credentials: { bot_token: true, app_token: true, signing_secret: false, webhook_url: false },
    });
    expect(JSON.parse(setTeams.out).teams).toEqual({ enabled: true, notify_run_failed: true, credentials: { webhook_url: true } });
    const view = JSON.parse(showJson.out);
    expect(view.slack.credentials.bot_token).toBe(true);
    expect(view.warnings).toEqual([]);
    for (const step of steps) {
      for (const secret of [slack.botToken, slack.appToken, teams.url]) {
        expect(step.out + step.err).not.toContain(secret);
      }
    }
    expect(showText.out).toContain('approvers         U0ALICE, U0BOB');
    expect(showText.out).toContain('bot token set, app token set, signing secret not set');

    // The test messages went to the receivers and their answers came back.
    expect(JSON.parse(testSlack.out)).toMatchObject({ channel: 'slack', delivered: true, target: '#soc-approvals', status: 200 });
    const post = slack.calls.find((call) => call.method === 'chat.postMessage')!;
    expect(post.headers.authorization).toBe(`Bearer ${slack.botToken}`);
    expect(post.body.text).toContain('Vigil test message');
    expect(testTeams.out).toContain('Sent a test message to teams (webhook); the receiver answered 202');
    expect(teams.posts).toHaveLength(1);

    expect(badWebhook.err).toContain('slack.webhook_url: is required in mode webhook');
    expect(JSON.parse(disabled.out)).toMatchObject({ slack: { enabled: false, mode: 'bot' }, teams: { enabled: false }, desktop: { enabled: false } });

    // Settings are in the database; no secret is.
    const database = readFileSync(join(dataDir, 'vigil.db')).toString('latin1') + (() => {
      try {
        return readFileSync(join(dataDir, 'vigil.db-wal')).toString('latin1');
      } catch {
        return '';
      }
    })();
    expect(database).toContain('#soc-approvals');
    for (const secret of [slack.botToken, slack.appToken, teams.url]) expect(database).not.toContain(secret);
  }, 60_000);
});

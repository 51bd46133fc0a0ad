// Works on the data folder directly: this command needs neither the API server nor the sandbox.
import { loadNotifiers, MasterKeyError, type NotifierSettingsUpdate, type NotifierView, type SecretStore, type Store } from '../engine/index.ts';
import { parseOptions, UsageError, withUsage, type Command, type CommandIO } from './command.ts';
import { credentialStoreFor, dataDirOf, noDataMessage, openExistingStore, openOrCreateStore } from './data.ts';

const { NotifierConfigError, NotifierConfigStore, NotifierNotConfiguredError, notifierView, schemaProblems, sendTestMessage } = await loadNotifiers();

const help = `Usage:
  vigil notifiers show [--json]
  vigil notifiers set-slack [options]
  vigil notifiers set-teams --webhook-url SOURCE [--notify-run-failed | --no-notify-run-failed]
  vigil notifiers test slack|teams [--json]
  vigil notifiers enable slack|teams|desktop
  vigil notifiers disable slack|teams|desktop|all

Configures where approval requests are announced, directly in the data folder (works whether or
not a server is running). Settings go to the database, tokens and webhook URLs to the OS keychain
(service "vigil.credentials"), or sealed in the database when VIGIL_MASTER_KEY_FILE names a master
key, as for \`vigil serve\` on a server. A running server reads them for each new approval; Socket Mode
reconnects then too. set-slack and set-teams also enable the notifier.

Secrets are never taken from the command line (it shows up in ps and in shell history). Give
each secret as a SOURCE:
  env:NAME      read it from the environment variable NAME
  stdin         read it from standard input (one secret per run; a trailing newline is dropped)

set-slack options:
  --mode bot|webhook           bot: chat.postMessage with the bot token (messages are updated
                               after the decision); webhook: an incoming webhook
  --channel CHANNEL            default channel (id C0123ABCD or #name)
  --workflow-channel UUID=CHANNEL
                               a workflow's own channel; repeat for several (replaces the map)
  --clear-workflow-channels    remove every workflow's own channel
  --approvers U1,U2            Slack user ids allowed to press Approve/Reject (replaces the list;
                               "" for nobody)
  --socket-mode | --no-socket-mode
                               receive button clicks over Socket Mode (needs --app-token)
  --notify-run-failed | --no-notify-run-failed
                               also post when a run fails or times out
  --api-url URL                Slack Web API base (default https://slack.com/api/)
  --bot-token SOURCE           bot token, xoxb-…
  --app-token SOURCE           app-level token for Socket Mode, xapp-… (scope connections:write)
  --signing-secret SOURCE      signing secret, for the HTTP callback /v1/approvals/callback/slack
  --webhook-url SOURCE         incoming webhook URL (mode webhook)

Common options:
  --data-dir DIR    data folder (default $VIGIL_DATA_DIR, else the per-user data folder)
                    (with $VIGIL_DATABASE_URL set: that PostgreSQL database, a team server's)
  --json            machine-readable output

Examples:
  VIGIL_SLACK_BOT=xoxb-… VIGIL_SLACK_APP=xapp-… vigil notifiers set-slack --mode bot \\
      --channel '#soc-approvals' --approvers U024BE7LH --socket-mode \\
      --bot-token env:VIGIL_SLACK_BOT --app-token env:VIGIL_SLACK_APP
  pass show teams/webhook | vigil notifiers set-teams --webhook-url stdin`;

const CHANNELS = ['slack', 'teams', 'desktop'] as const;
type Channel = (typeof CHANNELS)[number];

interface Context {
  store: Store;
  config: InstanceType<typeof NotifierConfigStore>;
}

/**
 * Runs `body` on the folder's notifier configuration. `read`: the command only reads (show, test),
 * so a folder without a database is reported, not created.
 */
async function withConfig(dataDir: string, body: (context: Context) => Promise<number>, mode: 'read' | 'write', io: CommandIO): Promise<number> {
  const store = mode === 'read' ? openExistingStore(dataDir, io.env) : openOrCreateStore(dataDir, io.env);
  if (!store) {
    io.err(`vigil notifiers: ${noDataMessage(dataDir)}`);
    return 1;
  }
  try {
    let credentials: SecretStore;
    try {
      credentials = credentialStoreFor(store, io.env, io.cwd);
    } catch (error) {
      if (!(error instanceof MasterKeyError)) throw error;
      io.err(`vigil notifiers: ${error.message}`);
      return 1;
    }
    return await body({ store, config: new NotifierConfigStore(store.settings, credentials) });
  } finally {
    store.close();
  }
}

/** Reads standard input to its end, once per process. */
let stdinRead = false;
async function readStdin(): Promise<string> {
  if (stdinRead) throw new UsageError('only one secret can be read from stdin per run; give the others as env:NAME');
  stdinRead = true;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** A secret from `env:NAME` or `stdin`; anything else is refused, so no secret sits in argv. */
async function secretFrom(source: string | undefined, flag: string, io: CommandIO): Promise<string | undefined> {
  if (source === undefined) return undefined;
  if (source === 'stdin') {
    const value = await readStdin();
    if (!value) throw new UsageError(`--${flag} stdin: standard input was empty`);
    return value;
  }
  const match = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(source);
  if (!match) {
    throw new UsageError(`--${flag} takes env:NAME or stdin, not the secret itself (a secret on the command line ends up in ps and shell history)`);
  }
  const value = io.env[match[1]!];
  if (!value) throw new UsageError(`--${flag} ${source}: the environment variable ${match[1]} is not set`);
  return value;
}

function channelArg(positionals: string[], allowed: readonly string[], what: string): string {
  if (positionals.length !== 1 || !allowed.includes(positionals[0]!)) {
    throw new UsageError(`${what}: say ${allowed.join(', ')}`);
  }
  return positionals[0]!;
}

function printView(view: NotifierView, io: CommandIO): void {
  const yes = (set: boolean | null) => (set === null ? 'unknown (keychain unavailable)' : set ? 'set' : 'not set');
  const { slack, teams, desktop } = view;
  io.out(`Slack     ${slack.enabled ? 'enabled' : 'disabled'} (mode ${slack.mode})`);
  io.out(`  default channel   ${slack.default_channel ?? '(none)'}`);
  const perWorkflow = Object.entries(slack.workflow_channels);
  io.out(`  workflow channels ${perWorkflow.length === 0 ? '(none)' : perWorkflow.map(([uuid, channel]) => `${uuid}=${channel}`).join(', ')}`);
  io.out(`  approvers         ${slack.approvers.length === 0 ? '(nobody)' : slack.approvers.join(', ')}`);
  io.out(`  socket mode       ${slack.socket_mode ? 'on' : 'off'}`);
  io.out(`  run failed        ${slack.notify_run_failed ? 'posted' : 'not posted'}`);
  io.out(`  api url           ${slack.api_url}`);
  io.out(
    `  credentials       bot token ${yes(slack.credentials.bot_token)}, app token ${yes(slack.credentials.app_token)}, ` +
      `signing secret ${yes(slack.credentials.signing_secret)}, webhook URL ${yes(slack.credentials.webhook_url)}`,
  );
  io.out(`Teams     ${teams.enabled ? 'enabled' : 'disabled'}; webhook URL ${yes(teams.credentials.webhook_url)}; run failed ${teams.notify_run_failed ? 'posted' : 'not posted'}`);
  io.out(`Desktop   ${desktop.enabled ? 'enabled' : 'disabled'}; run failed ${desktop.run_failed ? 'notified' : 'not notified'}`);
  for (const warning of view.warnings) io.out(`warning: ${warning}`);
}

/** Applies an update; configuration problems are reported one per line (exit 1). */
async function apply(context: Context, update: NotifierSettingsUpdate, io: CommandIO, json: boolean): Promise<number> {
  const problems = schemaProblems(update);
  if (problems.length > 0) throw new NotifierConfigError(problems);
  const { settings, credentials } = await context.config.update(update);
  const view = notifierView(settings, credentials);
  if (json) io.out(JSON.stringify(view));
  else printView(view, io);
  return 0;
}

async function setSlack(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseOptions(args, {
    mode: { type: 'string' },
    channel: { type: 'string' },
    'workflow-channel': { type: 'string', multiple: true },
    'clear-workflow-channels': { type: 'boolean' },
    approvers: { type: 'string' },
    'socket-mode': { type: 'boolean' },
    'no-socket-mode': { type: 'boolean' },
    'notify-run-failed': { type: 'boolean' },
    'no-notify-run-failed': { type: 'boolean' },
    'api-url': { type: 'string' },
    'bot-token': { type: 'string' },
    'app-token': { type: 'string' },
    'signing-secret': { type: 'string' },
    'webhook-url': { type: 'string' },
    'data-dir': { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const slack: NonNullable<NotifierSettingsUpdate['slack']> = { enabled: true };
  if (values.mode !== undefined) {
    if (values.mode !== 'bot' && values.mode !== 'webhook') throw new UsageError('--mode must be bot or webhook');
    slack.mode = values.mode;
  }
  if (values.channel !== undefined) slack.default_channel = values.channel;
  if (values['workflow-channel'] && values['clear-workflow-channels']) {
    throw new UsageError('give --workflow-channel or --clear-workflow-channels, not both');
  }
  if (values['clear-workflow-channels']) slack.workflow_channels = {};
  if (values['workflow-channel']) {
    slack.workflow_channels = {};
    for (const pair of values['workflow-channel']) {
      const at = pair.indexOf('=');
      if (at <= 0) throw new UsageError(`--workflow-channel takes UUID=CHANNEL, not ${pair}`);
      slack.workflow_channels[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  if (values.approvers !== undefined) {
    slack.approvers = values.approvers.split(',').map((id) => id.trim()).filter(Boolean);
  }
  if (values['socket-mode'] && values['no-socket-mode']) throw new UsageError('give --socket-mode or --no-socket-mode, not both');
  if (values['socket-mode']) slack.socket_mode = true;
  if (values['no-socket-mode']) slack.socket_mode = false;
  if (values['notify-run-failed'] && values['no-notify-run-failed']) {
    throw new UsageError('give --notify-run-failed or --no-notify-run-failed, not both');
  }
  if (values['notify-run-failed']) slack.notify_run_failed = true;
  if (values['no-notify-run-failed']) slack.notify_run_failed = false;
  if (values['api-url'] !== undefined) slack.api_url = values['api-url'];
  const botToken = await secretFrom(values['bot-token'], 'bot-token', io);
  const appToken = await secretFrom(values['app-token'], 'app-token', io);
  const signingSecret = await secretFrom(values['signing-secret'], 'signing-secret', io);
  const webhookUrl = await secretFrom(values['webhook-url'], 'webhook-url', io);
  if (botToken !== undefined) slack.bot_token = botToken;
  if (appToken !== undefined) slack.app_token = appToken;
  if (signingSecret !== undefined) slack.signing_secret = signingSecret;
  if (webhookUrl !== undefined) slack.webhook_url = webhookUrl;
  return withConfig(dataDirOf(values['data-dir'], io.env), (context) => apply(context, { slack }, io, values.json), 'write', io);
}

async function setTeams(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseOptions(args, {
    'webhook-url': { type: 'string' },
    'notify-run-failed': { type: 'boolean' },
    'no-notify-run-failed': { type: 'boolean' },
    'data-dir': { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const teams: NonNullable<NotifierSettingsUpdate['teams']> = { enabled: true };
  if (values['notify-run-failed'] && values['no-notify-run-failed']) {
    throw new UsageError('give --notify-run-failed or --no-notify-run-failed, not both');
  }
  if (values['notify-run-failed']) teams.notify_run_failed = true;
  if (values['no-notify-run-failed']) teams.notify_run_failed = false;
  const webhookUrl = await secretFrom(values['webhook-url'], 'webhook-url', io);
  if (webhookUrl !== undefined) teams.webhook_url = webhookUrl;
  return withConfig(dataDirOf(values['data-dir'], io.env), (context) => apply(context, { teams }, io, values.json), 'write', io);
}

async function show(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseOptions(args, { 'data-dir': { type: 'string' }, json: { type: 'boolean', default: false } });
  const dataDir = dataDirOf(values['data-dir'], io.env);
  return withConfig(
    dataDir,
    async ({ config }) => {
      const view = notifierView(config.settings(), await config.credentials());
      if (values.json) {
        io.out(JSON.stringify(view));
      } else {
        io.out(`Notifications configured in ${dataDir}:`);
        printView(view, io);
      }
      return 0;
    },
    'read',
    io,
  );
}

async function toggle(args: string[], io: CommandIO, enabled: boolean): Promise<number> {
  const { values, positionals } = parseOptions(args, { 'data-dir': { type: 'string' }, json: { type: 'boolean', default: false } }, true);
  const which = channelArg(positionals, enabled ? CHANNELS : [...CHANNELS, 'all'], enabled ? 'enable' : 'disable');
  const targets: Channel[] = which === 'all' ? [...CHANNELS] : [which as Channel];
  const update: NotifierSettingsUpdate = {};
  for (const target of targets) update[target] = { enabled };
  return withConfig(dataDirOf(values['data-dir'], io.env), (context) => apply(context, update, io, values.json), 'write', io);
}

async function test(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseOptions(args, { 'data-dir': { type: 'string' }, json: { type: 'boolean', default: false } }, true);
  const channel = channelArg(positionals, ['slack', 'teams'], 'test') as 'slack' | 'teams';
  return withConfig(
    dataDirOf(values['data-dir'], io.env),
    async ({ config }) => {
      const result = await sendTestMessage(await config.load(), channel, { timeoutMs: 10_000, signal: new AbortController().signal });
      if (values.json) {
        io.out(JSON.stringify(result));
      } else if (result.delivered) {
        io.out(`Sent a test message to ${channel} (${result.target}); the receiver answered ${result.status ?? ''} ${result.answer ?? ''}`.trim());
      } else {
        io.err(`vigil notifiers test: ${result.error}`);
      }
      return result.delivered ? 0 : 1;
    },
    'read',
    io,
  );
}

export const command: Command = {
  summary: 'Configure Slack, Teams and desktop notifications of approvals',
  help,
  run: (args, io) =>
    withUsage(io, help, async () => {
      const [sub, ...rest] = args;
      try {
        switch (sub) {
          case 'show':
            return await show(rest, io);
          case 'set-slack':
            return await setSlack(rest, io);
          case 'set-teams':
            return await setTeams(rest, io);
          case 'test':
            return await test(rest, io);
          case 'enable':
            return await toggle(rest, io, true);
          case 'disable':
            return await toggle(rest, io, false);
          default:
            throw new UsageError(sub ? `unknown notifiers subcommand "${sub}"` : 'say show, set-slack, set-teams, test, enable or disable');
        }
      } catch (error) {
        if (error instanceof NotifierConfigError) {
          for (const problem of error.problems) io.err(`vigil notifiers: ${problem.field}: ${problem.message}`);
          return 1;
        }
        if (error instanceof NotifierNotConfiguredError) {
          io.err(`vigil notifiers: ${error.message}`);
          return 1;
        }
        throw error;
      }
    }),
};

import { join } from 'node:path';
import { DEFAULT_LEASE_MS, teamMember } from './cluster.ts';
import { openStore, type Store } from './db/index.ts';
import { DATABASE_FILE, ensureDataDir } from './paths.ts';
import { EventBus } from './events/bus.ts';
import { ApprovalService } from './approvals/index.ts';
import { KeyService } from './keys/index.ts';
import { NotificationService, type DesktopNotifier, type NotifyOptions } from './notify/index.ts';
import { IntegrationService, seedBuiltinWorkflows } from './integrations/index.ts';
import { GenerationService } from './llm/index.ts';
import { ExecutionService, RunScheduler, RunService, TestRunService, type RunExecutor } from './runs/index.ts';
import { ScheduleService } from './schedules/index.ts';
import {
  createSealedSecretStore,
  CREDENTIALS_SERVICE,
  DEFAULT_KEYCHAIN_SERVICE,
  KeychainMonitor,
  SecretService,
  type SealedIn,
  type SecretStore,
} from './secrets/index.ts';
import { SessionService } from './session/index.ts';
import { SettingsService, type Settings } from './settings/index.ts';
import { BackgroundTask } from './util/background.ts';
import { iso, systemClock, type Clock } from './util/time.ts';
import { WorkflowImportService, WorkflowService } from './workflows/index.ts';

export interface EngineLog {
  info(message: string): void;
  error(message: string): void;
}

export interface EngineOptions {
  dataDir: string;
  /**
   * A `postgres://` URL: the store is that PostgreSQL database, which other instances may share.
   * By default the store is the SQLite file in `dataDir`.
   */
  database?: string;
  /**
   * On a shared database: how long an instance may go without a heartbeat before the others fail
   * its running runs as interrupted (30 s by default).
   */
  leaseMs?: number;
  /** Executes runs; the sandbox host. */
  executor: RunExecutor;
  /** Where workflow secret values live: the OS keychain, or (a server without one) sealed in the database. */
  secrets: SecretStore | SealedIn;
  /**
   * Vigil's own credentials (notifier tokens, integration and LLM keys): also the keychain, but a
   * separate service, so no workflow can declare and read them as secrets.
   */
  credentials: SecretStore | SealedIn;
  clock?: Clock;
  log?: EngineLog;
  /** Settings that apply to this process only and are not saved (benchmarks, tests). */
  settingsOverrides?: Partial<Settings>;
  /** OS notifications, implemented by the Electron shell; headless, a log line stands in. */
  desktopNotifier?: DesktopNotifier;
  /** Notifier retry schedule and request timeout (tests shorten them). */
  notify?: NotifyOptions;
}

/**
 * The composition root: it builds every service and hands each exactly what it needs. The API, MCP
 * and the shell are adapters over these services; the store, the bus and the key stores are here
 * for the shell's and the tests' own wiring, not for adapters to reach around the services.
 */
export interface Engine {
  dataDir: string;
  /** Where the API is reachable (set once the server listens); links in notifications use it. */
  baseUrl: string | null;
  store: Store;
  bus: EventBus;
  clock: Clock;
  log: EngineLog;
  /** The keychain store of workflow secret values. */
  secrets: SecretStore;
  credentials: SecretStore;
  /** Whether the OS keychain can be used: checked once at creation, kept current by API calls. */
  keychain: KeychainMonitor;
  executor: RunExecutor;
  settings: SettingsService;
  keys: KeyService;
  /** The console's one-time login tokens. */
  sessions: SessionService;
  workflows: WorkflowService;
  /** Importing a folder of workflow files (`vigil import --url`, the console's Import). */
  workflowImport: WorkflowImportService;
  /** Workflow secrets: names, values, and the warnings of workflows whose secrets are not set. */
  workflowSecrets: SecretService;
  execution: ExecutionService;
  runs: RunService;
  testRuns: TestRunService;
  approvals: ApprovalService;
  integrations: IntegrationService;
  generation: GenerationService;
  /** Slack, Teams and desktop notifications of approvals and failed runs. */
  notifications: NotificationService;
  scheduler: RunScheduler;
  /** Runs scheduled workflows when their schedule fires. */
  schedules: ScheduleService;
  /** Recovers interrupted runs, resumes the queue, starts the expiry sweeper. */
  start(): void;
  /** Resolves once the other instances' events reach this one (on a shared database; at once alone). */
  hearingOthers(): Promise<void>;
  /** Drains runs in flight, stops timers and closes the database. */
  close(): Promise<void>;
}

const consoleLog: EngineLog = {
  info: (message) => console.log(message),
  error: (message) => console.error(message),
};

/** The engine: plain Node, no electron; the shell and `vigil serve` both build it through here. */
export function createEngine(options: EngineOptions): Engine {
  ensureDataDir(options.dataDir);
  const store = openStore(options.database ?? join(options.dataDir, DATABASE_FILE));
  const clock = options.clock ?? systemClock;
  const log = options.log ?? consoleLog;
  const { executor } = options;
  const sealedOr = (source: SecretStore | SealedIn, service: string): SecretStore =>
    'sealedWith' in source ? createSealedSecretStore(store.sealedSecrets, source.sealedWith, service, () => iso(clock.now())) : source;
  const secrets = sealedOr(options.secrets, DEFAULT_KEYCHAIN_SERVICE);
  const credentials = sealedOr(options.credentials, CREDENTIALS_SERVICE);
  const bus = new EventBus(log);
  const settings = new SettingsService(store.settings, options.settingsOverrides);
  // Built-in workflows arrive on first start and follow every upgrade; the analyst's state, gate and tags stay.
  const seeded = seedBuiltinWorkflows(store, iso(clock.now()));
  if (seeded.created.length > 0 || seeded.updated.length > 0) {
    log.info(`built-in workflows: ${seeded.created.length} added, ${seeded.updated.length} updated`);
  }
  // Asked at once, without waiting: the answer is for `vigil serve`'s output and the console's banners.
  const keychain = new KeychainMonitor(secrets);
  void keychain.check();
  const keys = new KeyService(store, clock, log);
  const integrationConfig = { settings: store.settings, credentials };
  const workflowSecrets = new SecretService({ store, values: secrets, keychain, clock });
  const team = store.cluster
    ? teamMember({ cluster: store.cluster, database: options.database!, bus, settings, log, leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS })
    : undefined;
  const scheduler = new RunScheduler({
    store,
    executor,
    secrets,
    credentials,
    bus,
    settings,
    clock,
    log,
    ...(team ? { cancelElsewhere: team.cancelElsewhere } : {}),
  });
  const approvals = new ApprovalService({
    store,
    bus,
    clock,
    warnings: (approval) => workflowSecrets.approvalWarnings(approval),
    onRunQueued: (keyId) => scheduler.enqueued(keyId),
    log,
  });
  const workflows = new WorkflowService({ store, bus, clock, secrets: workflowSecrets, approvals, prepareCode: (code) => executor.prepare?.(code) });
  const queue = {
    admit: (keyId: number | null) => scheduler.queue.admit(keyId),
    waitForRoom: (keyId: number | null, onGone: (drop: () => void) => void) => scheduler.queue.waitForRoom(keyId, onGone),
    reserve: (keyId: number | null) => scheduler.queue.reserve(keyId),
    release: (keyId: number | null) => scheduler.queue.release(keyId),
    enqueued: (keyId: number | null) => scheduler.enqueued(keyId),
  };
  const schedules = new ScheduleService({ store, bus, clock, settings, approvals, queue, log });
  let purgeTimer: NodeJS.Timeout | null = null;
  // Links in notifications need the address the server listens on, known only after createEngine.
  let self: Engine | null = null;
  const notifications = new NotificationService({
    store,
    bus,
    approvals,
    credentials,
    clock,
    log,
    baseUrl: () => self?.baseUrl ?? null,
    desktop: options.desktopNotifier,
    options: options.notify,
  });

  self = {
    dataDir: options.dataDir,
    baseUrl: null,
    store,
    bus,
    clock,
    log,
    secrets,
    credentials,
    keychain,
    executor,
    settings,
    keys,
    sessions: new SessionService({ keys, clock }),
    workflows,
    workflowImport: new WorkflowImportService({ store, workflows }),
    workflowSecrets,
    execution: new ExecutionService({
      store,
      bus,
      clock,
      settings,
      workflows,
      secrets: workflowSecrets,
      approvals,
      queue,
    }),
    runs: new RunService({ store, bus, workflows, cancel: (runId, by) => scheduler.cancel(runId, by) }),
    testRuns: new TestRunService({ executor, integrations: integrationConfig, clock, workflows }),
    approvals,
    integrations: new IntegrationService(integrationConfig),
    generation: new GenerationService({ settings: store.settings, credentials, executor, log }),
    notifications,
    scheduler,
    schedules,
    start() {
      // First, so approvals the sweeper expires at start-up still update their Slack/Teams messages.
      notifications.start();
      team?.join(scheduler);
      // Alone on its database, every run left running was this process's; in a team, only those of
      // instances silent for longer than the lease.
      scheduler.start(team?.leaseMs);
      approvals.start();
      // After the queue resumed: occurrences missed while Vigil was not running are handled now.
      schedules.start();
      const purge = () => store.idempotency.deleteOlderThan(new Date(clock.now() - 24 * 3600 * 1000).toISOString());
      purge();
      const purging = new BackgroundTask('purging expired Idempotency-Key answers', log);
      purgeTimer = setInterval(() => purging.run(purge), 3600 * 1000);
      purgeTimer.unref();
    },
    async hearingOthers() {
      await team?.hearingOthers();
    },
    async close() {
      schedules.stop();
      await scheduler.drain();
      approvals.stop();
      if (purgeTimer) clearInterval(purgeTimer);
      await notifications.close();
      // Runs still going when the drain gave up are the others' to reclaim now.
      await team?.leave();
      store.close();
    },
  };
  return self;
}

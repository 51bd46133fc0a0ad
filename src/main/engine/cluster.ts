// An engine instance's part in a team of instances on one PostgreSQL database:
// - it heartbeats its row (by the database's clock, which all instances share); a run it claims
//   names it. Every heartbeat it also reclaims the runs of instances silent for longer than the
//   lease (failed as interrupted, with their journal, as a restart does on SQLite) and looks for
//   queued runs, since runs another instance queued do not wake it;
// - it relays events with the others (events/postgres-relay.ts) and answers their signals: reread
//   the settings they changed, abort a run it is running that they were asked to cancel.
import type { ClusterRepository } from './db/index.ts';
import type { EventBus } from './events/bus.ts';
import type { EventRelay } from './events/postgres-relay.ts';
import type { RunScheduler } from './runs/index.ts';
import type { SettingsService } from './settings/index.ts';

export const DEFAULT_LEASE_MS = 30_000;

export interface TeamMember {
  /** How long an instance may be silent before its running runs are taken for lost. */
  readonly leaseMs: number;
  /** For the scheduler: asks the other instances to cancel a run one of them is running. */
  cancelElsewhere(runId: number, by: string): void;
  /** Records the instance, starts heartbeats and the relay; start the scheduler after it. */
  join(scheduler: RunScheduler): void;
  /** Resolves once the other instances' events reach this one. */
  hearingOthers(): Promise<void>;
  /** Stops heartbeats and the relay and removes the instance's row (its runs still going are the others' to reclaim). */
  leave(): Promise<void>;
}

export function teamMember(deps: {
  cluster: ClusterRepository;
  /** The database's URL: the relay opens a connection of its own. */
  database: string;
  bus: EventBus;
  settings: SettingsService;
  log: { info(message: string): void; error(message: string): void };
  leaseMs: number;
}): TeamMember {
  const { cluster, database, bus, settings, log, leaseMs } = deps;
  let timer: NodeJS.Timeout | undefined;
  let failing = false;
  let relay: EventRelay | undefined;
  let relaying: Promise<void> = Promise.resolve();

  const beat = (scheduler: RunScheduler) => {
    try {
      if (!cluster.heartbeat()) {
        log.error(
          `cluster: this instance was silent for longer than the ${leaseMs / 1000} s lease, so the others reclaimed its running runs; it rejoins now`,
        );
        cluster.register();
      }
      const reclaimed = scheduler.recover(leaseMs);
      if (reclaimed > 0) log.info(`cluster: ${reclaimed} run${reclaimed === 1 ? '' : 's'} of a stopped instance failed as interrupted`);
      cluster.forgetDead(leaseMs);
      scheduler.notify();
      if (failing) log.info('cluster: heartbeat recorded again');
      failing = false;
    } catch (error) {
      if (!failing) log.error(`cluster: heartbeat failed: ${(error as Error).message}`);
      failing = true;
    }
  };

  return {
    leaseMs,
    cancelElsewhere(runId, by) {
      relay?.signal({ kind: 'cancel-run', run_id: runId, by });
    },
    join(scheduler) {
      cluster.register();
      // Three beats a lease: one late beat never costs an instance its runs.
      timer = setInterval(() => beat(scheduler), Math.max(100, Math.floor(leaseMs / 3)));
      timer.unref();
      // Loaded here, so that an engine alone on SQLite never loads the driver.
      relaying = import('./events/postgres-relay.ts').then(async ({ relayEventsThroughPostgres }) => {
        relay = relayEventsThroughPostgres(database, bus, cluster.instanceId, log, (signal) => {
          if (signal.kind === 'settings-changed') settings.reload();
          else scheduler.abortHere(signal.run_id, signal.by);
        });
        settings.onChange((_, changed) => {
          if (changed === 'here') relay?.signal({ kind: 'settings-changed' });
        });
        await relay.ready;
      });
    },
    hearingOthers: () => relaying,
    async leave() {
      if (timer) clearInterval(timer);
      timer = undefined;
      try {
        cluster.leave();
      } catch (error) {
        log.error(`cluster: could not record that this instance left: ${(error as Error).message}`);
      }
      await relaying;
      await relay?.close();
    },
  };
}

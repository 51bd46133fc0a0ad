// Membership of an engine instance in a team of instances on one PostgreSQL database. Each
// heartbeats its row (by the database's clock, which all instances share); a run it claims names it. Every heartbeat, an instance also reclaims the runs
// of instances silent for longer than the lease (they are failed as interrupted, with their
// journal, as a restart does on SQLite) and looks for queued runs, since runs another instance
// queued do not wake it.
import type { ClusterRepository } from './db/index.ts';
import type { RunScheduler } from './runs/index.ts';

export const DEFAULT_LEASE_MS = 30_000;

export interface ClusterMembership {
  /** Records the instance; call before the scheduler starts, which reclaims with `leaseMs`. */
  join(): void;
  /** How long an instance may be silent before its running runs are taken for lost. */
  leaseMs: number;
  leave(): void;
}

export function clusterMembership(deps: {
  cluster: ClusterRepository;
  scheduler: RunScheduler;
  log: { info(message: string): void; error(message: string): void };
  leaseMs: number;
}): ClusterMembership {
  const { cluster, scheduler, log, leaseMs } = deps;
  let timer: NodeJS.Timeout | undefined;
  let failing = false;

  const beat = () => {
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
    join() {
      cluster.register();
      // Three beats a lease: one late beat never costs an instance its runs.
      timer = setInterval(beat, Math.max(100, Math.floor(leaseMs / 3)));
      timer.unref();
    },
    leaseMs,
    leave() {
      if (timer) clearInterval(timer);
      timer = undefined;
      try {
        cluster.leave();
      } catch (error) {
        log.error(`cluster: could not record that this instance left: ${(error as Error).message}`);
      }
    },
  };
}

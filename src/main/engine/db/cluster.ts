import type { Db } from './open.ts';

/**
 * The database's clock as the ISO text every timestamp column holds. Heartbeats and the lease are
 * judged by this one clock: instances on several machines may disagree about the time, and one
 * whose clock ran behind by more than the lease would otherwise look dead to the others.
 */
const DATABASE_NOW = `to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The database's clock `?` milliseconds ago, as ISO text. */
export const DATABASE_MS_AGO = `to_char((clock_timestamp() - CAST(? AS DOUBLE PRECISION) * interval '1 millisecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The engine instances that share one PostgreSQL database. Each records itself when it starts and
 * heartbeats while it runs; a run's `claimed_by` names the instance running it, so the runs of an
 * instance that stopped heartbeating (killed, or cut off from the database) are known to be lost.
 */
export class ClusterRepository {
  readonly instanceId: string;
  private readonly join;
  private readonly beat;
  private readonly drop;
  private readonly forgetStale;
  private readonly seen;

  constructor(db: Db, instanceId: string) {
    this.instanceId = instanceId;
    this.join = db.prepare(`INSERT INTO instances (id, started_at, seen_at) VALUES (?, ${DATABASE_NOW}, ${DATABASE_NOW})`);
    this.beat = db.prepare(`UPDATE instances SET seen_at = ${DATABASE_NOW} WHERE id = ?`);
    this.drop = db.prepare('DELETE FROM instances WHERE id = ?');
    this.seen = db.prepare<[number], { id: string }>(`SELECT id FROM instances WHERE seen_at > ${DATABASE_MS_AGO} ORDER BY started_at`);
    // Only rows no running run names any more: a dead instance's row is what marks its runs lost.
    this.forgetStale = db.prepare(`
      DELETE FROM instances i WHERE i.seen_at <= ${DATABASE_MS_AGO} AND i.id <> ?
        AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.claimed_by = i.id AND r.status = 'running')`);
  }

  register(): void {
    this.join.run(this.instanceId);
  }

  /** False when this instance's row is gone: another instance took it for dead and reclaimed its runs. */
  heartbeat(): boolean {
    return this.beat.run(this.instanceId).changes === 1;
  }

  /** Removes the rows of instances silent for `leaseMs` whose runs were all reclaimed. */
  forgetDead(leaseMs: number): number {
    return this.forgetStale.run(leaseMs, this.instanceId).changes;
  }

  /** The instances heard from within `leaseMs`, this one included if it heartbeats. */
  alive(leaseMs: number): string[] {
    return this.seen.all(leaseMs).map((row) => row.id);
  }

  leave(): void {
    this.drop.run(this.instanceId);
  }
}

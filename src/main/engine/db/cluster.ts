import type { Db } from './open.ts';

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
    this.join = db.prepare('INSERT INTO instances (id, started_at, seen_at) VALUES (?, ?, ?)');
    this.beat = db.prepare('UPDATE instances SET seen_at = ? WHERE id = ?');
    this.drop = db.prepare('DELETE FROM instances WHERE id = ?');
    this.seen = db.prepare<[string], { id: string }>('SELECT id FROM instances WHERE seen_at > ? ORDER BY started_at');
    // Only rows no running run names any more: a dead instance's row is what marks its runs lost.
    this.forgetStale = db.prepare(`
      DELETE FROM instances i WHERE i.seen_at <= ? AND i.id <> ?
        AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.claimed_by = i.id AND r.status = 'running')`);
  }

  register(now: string): void {
    this.join.run(this.instanceId, now, now);
  }

  /** False when this instance's row is gone: another instance took it for dead and reclaimed its runs. */
  heartbeat(now: string): boolean {
    return this.beat.run(now, this.instanceId).changes === 1;
  }

  /** Removes the rows of instances not seen since `cutoff` whose runs were all reclaimed. */
  forgetDead(cutoff: string): number {
    return this.forgetStale.run(cutoff, this.instanceId).changes;
  }

  /** The instances seen since `since`, this one included if it heartbeats. */
  alive(since: string): string[] {
    return this.seen.all(since).map((row) => row.id);
  }

  leave(): void {
    this.drop.run(this.instanceId);
  }
}

// Engine instances sharing one PostgreSQL database hear each other through LISTEN/NOTIFY, on one
// channel:
// - events: each sends its own and emits the others' on its bus, marked remote. An SSE client on
//   instance B thus sees an approval created on A, and a caller waiting on B hears a run end on A;
// - signals: what one instance asks of the others (reread the settings an analyst changed, cancel a
//   run it is running).
// The relay has its own connection (LISTEN needs one that is never busy) and opens it again, with
// a growing pause, when it is lost; what is sent while it is down is missed.
import pg from 'pg';
import type { EngineEventType, EventBus } from './bus.ts';

const CHANNEL = 'vigil_events';
/** PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7_900;
const RETRY_MS = [250, 1_000, 5_000];

/** What one instance asks of the others. */
export type ClusterSignal = { kind: 'settings-changed' } | { kind: 'cancel-run'; run_id: number; by: string };

type Relayed =
  /** `i`: the sending instance. */
  | { i: string; t: EngineEventType; at: string; d: Record<string, unknown>; o: number | null }
  | { i: string; s: ClusterSignal };

export interface EventRelay {
  /** Resolves once the relay listens (or has failed once and keeps trying). */
  ready: Promise<void>;
  /** Tells the other instances; dropped while the relay's connection is down. */
  signal(signal: ClusterSignal): void;
  close(): Promise<void>;
}

export function relayEventsThroughPostgres(
  url: string,
  bus: EventBus,
  instanceId: string,
  log: { info(message: string): void; error(message: string): void },
  onSignal: (signal: ClusterSignal) => void,
): EventRelay {
  let client: pg.Client | null = null;
  let closed = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  let sending: Promise<unknown> = Promise.resolve();

  const onNotification = (message: pg.Notification) => {
    if (message.channel !== CHANNEL || !message.payload) return;
    let relayed: Relayed;
    try {
      relayed = JSON.parse(message.payload) as Relayed;
    } catch {
      return;
    }
    if (relayed.i === instanceId) return;
    if ('s' in relayed) onSignal(relayed.s);
    else bus.emitRemote(relayed.t, relayed.at, relayed.d, relayed.o);
  };

  const send = (relayed: Relayed, what: string) => {
    if (!client) return;
    const payload = JSON.stringify(relayed);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      log.error(`events: ${what} is too large to relay to the other instances (${Buffer.byteLength(payload)} bytes)`);
      return;
    }
    // One at a time: the driver would queue them anyway, and warns when asked to.
    const on = client;
    sending = sending.then(() => on.query('SELECT pg_notify($1, $2)', [CHANNEL, payload])).catch(() => undefined);
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url, application_name: 'vigil events' });
    next.on('notification', onNotification);
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next, new Error('the connection was closed')));
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      next.removeAllListeners('end');
      void next.end().catch(() => undefined);
      lost(next, error as Error);
      return;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    if (failures > 0) log.info('events: listening to the other instances again');
    failures = 0;
    client = next;
  };

  const lost = (which: pg.Client, error: Error) => {
    if (closed) return;
    if (client === which) client = null;
    else if (client !== null) return;
    if (retry) return;
    const wait = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)]!;
    if (failures === 0) log.error(`events: the connection that relays events between instances failed (${error.message}); retrying`);
    failures++;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, wait);
    retry.unref();
  };

  const unsubscribe = bus.subscribe((event) => {
    if (!event.remote) send({ i: instanceId, t: event.type, at: event.at, d: event.data, o: event.owner }, `a ${event.type} event`);
  });

  return {
    ready: connect(),
    signal: (signal) => send({ i: instanceId, s: signal }, `the ${signal.kind} signal`),
    async close() {
      closed = true;
      unsubscribe();
      if (retry) clearTimeout(retry);
      const open = client;
      client = null;
      await open?.end().catch(() => undefined);
    },
  };
}

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.ts'));

const fake = await import('./fake-electron.ts');
const { claimSingleInstance, installQuitHandling, stayInTray } = await import('../../src/main/shell/lifecycle.ts');

describe('single instance', () => {
  beforeEach(() => fake.resetFakes());

  it('the first launch takes the lock and focuses itself when launched again', () => {
    const focused: number[] = [];
    expect(claimSingleInstance(() => focused.push(1))).toBe(true);
    fake.app.emit('second-instance', fake.fakeEvent(), ['vigil'], '/home/analyst');
    fake.app.emit('second-instance', fake.fakeEvent(), ['vigil'], '/home/analyst');
    expect(focused).toEqual([1, 1]);
  });

  it('a second launch gets false and registers nothing', () => {
    fake.app.singleInstanceLock = false;
    expect(claimSingleInstance(() => undefined)).toBe(false);
    expect(fake.app.listenerCount('second-instance')).toBe(0);
  });
});

describe('living in the tray', () => {
  beforeEach(() => fake.resetFakes());

  it('closing the last window does not quit', () => {
    stayInTray();
    expect(fake.app.listenerCount('window-all-closed')).toBe(1);
    fake.app.emit('window-all-closed');
    expect(fake.app.quitCalls).toBe(0);
  });
});

describe('graceful quit', () => {
  const signalListeners = () => ({ SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') });
  let before: ReturnType<typeof signalListeners>;

  beforeEach(() => {
    fake.resetFakes();
    before = signalListeners();
  });
  afterEach(() => {
    vi.useRealTimers();
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal)) if (!before[signal].includes(listener)) process.off(signal, listener);
    }
  });

  it('holds the quit until the shutdown (drain runs, close the database) is done, then quits', async () => {
    const steps: string[] = [];
    let finish!: () => void;
    const quit = installQuitHandling({
      onQuitRequested: () => steps.push('quit requested'),
      shutdown: () =>
        new Promise<void>((resolve) => {
          steps.push('shutdown started');
          finish = () => {
            steps.push('shutdown done');
            resolve();
          };
        }),
      timeoutMs: 10_000,
      log: (message) => steps.push(message),
    });
    expect(quit.quitting()).toBe(false);
    fake.app.emit('before-quit', fake.fakeEvent());
    expect(quit.quitting()).toBe(true);
    const first = fake.fakeEvent();
    fake.app.emit('will-quit', first);
    expect(first.defaultPrevented).toBe(true);
    // A second quit request while shutting down is held too, without a second shutdown.
    const again = fake.fakeEvent();
    fake.app.emit('will-quit', again);
    expect(again.defaultPrevented).toBe(true);
    expect(fake.app.quitCalls).toBe(0);
    finish();
    await vi.waitFor(() => expect(fake.app.quitCalls).toBe(1));
    const last = fake.fakeEvent();
    fake.app.emit('will-quit', last);
    expect(last.defaultPrevented).toBe(false);
    expect(steps).toEqual(['quit requested', 'shutdown started', 'shutdown done']);
  });

  it('a failed shutdown is logged and the app still quits', async () => {
    const logged: string[] = [];
    installQuitHandling({
      onQuitRequested: () => undefined,
      shutdown: async () => {
        throw new Error('database is locked');
      },
      timeoutMs: 10_000,
      log: (message) => logged.push(message),
    });
    fake.app.emit('will-quit', fake.fakeEvent());
    await vi.waitFor(() => expect(fake.app.quitCalls).toBe(1));
    expect(logged[0]).toContain('database is locked');
  });

  it('exits anyway when the shutdown takes too long', async () => {
    vi.useFakeTimers();
    const logged: string[] = [];
    installQuitHandling({
      onQuitRequested: () => undefined,
      shutdown: () => new Promise<void>(() => undefined),
      timeoutMs: 5000,
      log: (message) => logged.push(message),
    });
    fake.app.emit('will-quit', fake.fakeEvent());
    vi.advanceTimersByTime(5000);
    expect(fake.app.exitCodes).toEqual([1]);
    expect(logged[0]).toContain('longer than 5000 ms');
  });

  it('SIGTERM and SIGINT quit through the same sequence', () => {
    installQuitHandling({ onQuitRequested: () => undefined, shutdown: async () => undefined, timeoutMs: 1000, log: () => undefined });
    const added = process.listeners('SIGTERM').filter((listener) => !before.SIGTERM.includes(listener));
    expect(added).toHaveLength(1);
    (added[0] as () => void)();
    expect(fake.app.quitCalls).toBe(1);
  });
});

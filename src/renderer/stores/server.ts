// Settings → Server, desktop only: which Vigil the app uses (this computer's engine or a team
// server), through the shell's bridge. Not the API's: a team server that does not answer, or
// refuses the key, must not keep the analyst from switching back.
import { create } from 'zustand';
import type { ServerChange, ServerCheck, ServerRequest, ServerSettings } from '../../shared/bridge.ts';
import { errorMessage } from '../api/client.ts';

export type ServerAction = 'check' | 'team' | 'local' | 'forget' | 'restart';

interface ServerState {
  settings: ServerSettings | null;
  loadError: string | null;
  /** The action under way, if any. */
  busy: ServerAction | null;
  /** What the last "Check connection" found. */
  check: ServerCheck | null;
  /** Why the last change was refused (nothing changed then). */
  error: string | null;
  load(): Promise<void>;
  checkServer(request: ServerRequest): Promise<void>;
  /** True once the team server is chosen (the key field can be emptied). */
  useTeamServer(request: ServerRequest): Promise<boolean>;
  useLocalEngine(): Promise<void>;
  forgetKey(): Promise<void>;
  restart(): Promise<void>;
}

/** What Vigil a choice names, for sentences. */
export function describeChoice(choice: ServerSettings['inUse']): string {
  return choice.kind === 'team' ? `the team server ${choice.url}` : "this computer's engine";
}

export const useServer = create<ServerState>()((set) => {
  const bridge = () => {
    if (!window.vigil) throw new Error('Only the desktop app chooses its server.');
    return window.vigil;
  };

  const change = async (action: ServerAction, work: () => Promise<ServerChange>): Promise<boolean> => {
    set({ busy: action, error: null });
    try {
      const result = await work();
      if (!result.ok) {
        set({ busy: null, error: result.error });
        return false;
      }
      set({ busy: null, settings: result.settings });
      return true;
    } catch (error) {
      set({ busy: null, error: errorMessage(error) });
      return false;
    }
  };

  return {
    settings: null,
    loadError: null,
    busy: null,
    check: null,
    error: null,

    async load() {
      try {
        set({ settings: await bridge().serverSettings(), loadError: null });
      } catch (error) {
        set({ loadError: errorMessage(error) });
      }
    },

    async checkServer(request) {
      set({ busy: 'check', check: null, error: null });
      try {
        set({ busy: null, check: await bridge().checkServer(request) });
      } catch (error) {
        set({ busy: null, check: { ok: false, error: errorMessage(error) } });
      }
    },

    async useTeamServer(request) {
      set({ check: null });
      return change('team', () => bridge().useTeamServer(request));
    },

    async useLocalEngine() {
      await change('local', () => bridge().useLocalEngine());
    },

    async forgetKey() {
      await change('forget', () => bridge().forgetServerKey());
    },

    async restart() {
      set({ busy: 'restart', error: null });
      try {
        // The shell answers before the app quits; the page goes with it.
        await bridge().restart();
        set({ busy: null });
      } catch (error) {
        set({ busy: null, error: errorMessage(error) });
      }
    },
  };
});

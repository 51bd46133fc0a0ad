// The open workflow's saved versions: the list, the code of each one looked at (for diffs), and
// restoring one into the draft.
import { errorMessage } from '../../api/client.ts';
import { api } from '../../api/instance.ts';
import type { WorkflowVersionSummary } from '../../api/types.ts';
import type { EditorSlice } from './slice.ts';

export interface VersionsState {
  /** null: not loaded (or out of date since a save). */
  versions: WorkflowVersionSummary[] | null;
  versionsError: string | null;
  versionCode: Record<number, string>;
}

export interface VersionsSlice extends VersionsState {
  loadVersions(): Promise<void>;
  loadVersionCode(version: number): Promise<string | null>;
  /** Puts the version's code in the draft; saving makes it the current version. */
  restoreVersion(version: number): Promise<boolean>;
}

export const NO_VERSIONS: VersionsState = { versions: null, versionsError: null, versionCode: {} };

export const createVersionsSlice: EditorSlice<VersionsSlice> = (set, get) => ({
  ...NO_VERSIONS,

  async loadVersions() {
    const { uuid } = get();
    if (!uuid) return;
    try {
      const { data } = await api().workflows.versions(uuid);
      if (get().uuid === uuid) set({ versions: data, versionsError: null });
    } catch (error) {
      set({ versionsError: errorMessage(error) });
    }
  },

  async loadVersionCode(version) {
    const { uuid, versionCode } = get();
    if (!uuid) return null;
    if (versionCode[version] !== undefined) return versionCode[version]!;
    try {
      const { data } = await api().workflows.version(uuid, version);
      set((s) => ({ versionCode: { ...s.versionCode, [version]: data.code } }));
      return data.code;
    } catch (error) {
      set({ versionsError: errorMessage(error) });
      return null;
    }
  },

  async restoreVersion(version) {
    const code = await get().loadVersionCode(version);
    if (code === null) return false;
    get().setField('code', code);
    set({ notice: `Version ${version} is in the editor. Save to make it the current version.` });
    return true;
  },
});

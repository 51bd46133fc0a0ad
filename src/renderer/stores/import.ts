// Importing an export (several files, or a .zip of the folder) into Vigil: the server plans it
// first (a dry run), the analyst reads the plan, then the same request without dry_run applies it.
// The server checks every file; a refusal lists each problem with its file and line.
import { create } from 'zustand';
import { ApiError, errorMessage } from '../api/client.ts';
import { api } from '../api/instance.ts';
import type { ImportPlan, ImportProblem } from '../api/types.ts';
import { readZip, ZipError } from '../lib/zip.ts';

/** A file the analyst chose: its name and bytes. */
export interface ChosenFile {
  name: string;
  bytes: Uint8Array;
}

interface ImportState {
  open: boolean;
  /** The files that will be sent (name → text), read from what was chosen. */
  files: Record<string, string> | null;
  activate: boolean;
  busy: boolean;
  /** The dry run's plan, or after applying, what was done. */
  plan: ImportPlan | null;
  problems: ImportProblem[];
  error: string | null;
  start(): void;
  close(): void;
  /** Reads the chosen files (unpacking a .zip) and asks for the plan. */
  choose(chosen: ChosenFile[]): Promise<void>;
  setActivate(activate: boolean): Promise<void>;
  /** Carries the plan out; true when it was applied. */
  apply(): Promise<boolean>;
}

const IDLE = { files: null, activate: false, busy: false, plan: null, problems: [], error: null };

/** Only an export's own kinds of file are sent; folders inside a zip are flattened to file names. */
const isWorkflowFile = (name: string) => !name.startsWith('.') && (name.endsWith('.ts') || name.endsWith('.json'));

/** The files to send, by base name: a .zip is unpacked, other files are read as they are. */
export async function filesOf(chosen: ChosenFile[]): Promise<Record<string, string>> {
  const text = new TextDecoder('utf-8', { fatal: true });
  const files: Record<string, string> = {};
  for (const file of chosen) {
    const entries = file.name.toLowerCase().endsWith('.zip') ? readZip(file.bytes) : [file];
    for (const entry of entries) {
      if (entry.name.split('/').includes('__MACOSX')) continue;
      const name = entry.name.split('/').pop() ?? entry.name;
      if (!isWorkflowFile(name)) continue;
      if (name in files) throw new ZipError(`${name} is in the selection twice; choose one export folder.`);
      try {
        files[name] = text.decode(entry.bytes);
      } catch {
        throw new ZipError(`${name} is not UTF-8 text.`);
      }
    }
  }
  return files;
}

export const useImport = create<ImportState>()((set, get) => {
  const plan = async (files: Record<string, string>, activate: boolean, dryRun: boolean): Promise<ImportPlan | null> => {
    set({ busy: true, error: null, problems: [] });
    try {
      const { data } = await api().workflows.import({ files, dry_run: dryRun, activate });
      set({ busy: false, plan: data });
      return data;
    } catch (error) {
      const problems = error instanceof ApiError ? error.fileProblems : [];
      set({ busy: false, plan: null, problems, error: errorMessage(error) });
      return null;
    }
  };

  return {
    open: false,
    ...IDLE,

    start() {
      set({ open: true, ...IDLE });
    },

    close() {
      set({ open: false, ...IDLE });
    },

    async choose(chosen) {
      let files: Record<string, string>;
      try {
        files = await filesOf(chosen);
      } catch (error) {
        set({ files: null, plan: null, problems: [], error: errorMessage(error) });
        return;
      }
      if (Object.keys(files).length === 0) {
        set({ files: null, plan: null, problems: [], error: 'None of the chosen files is a workflow file (.ts, .endpoint.json, .vigil.json, .mocks.json).' });
        return;
      }
      set({ files });
      await plan(files, get().activate, true);
    },

    async setActivate(activate) {
      set({ activate });
      const { files } = get();
      if (files) await plan(files, activate, true);
    },

    async apply() {
      const { files, activate, plan: planned } = get();
      if (!files || !planned || !planned.dry_run) return false;
      const done = await plan(files, activate, false);
      return done !== null;
    },
  };
});

// The Generate dialog: what the analyst asks for, the progress of the model and the repair loop,
// and the proposal to review. Nothing reaches the open workflow before Accept; Discard and Cancel
// leave it exactly as it was.
import { create } from 'zustand';
import { ApiError, errorMessage } from '../api/client.ts';
import { api } from '../api/instance.ts';
import type {
  GenerateProgress,
  GenerateRequest,
  GenerateResult,
  GenerationProblem,
  IndicatorType,
  WorkflowType,
} from '../api/types.ts';
import { proposedChanges, type GenerationChoices } from '../lib/generation.ts';
import type { Route } from '../lib/routes.ts';
import { NEW_WORKFLOW_CODE, useEditor } from './editor.ts';
import { useRouter } from './router.ts';

export type GeneratePhase = 'form' | 'running' | 'review';

/** The API's limit for a description or an instruction. */
export const MAX_PROMPT_CHARS = 20_000;

export interface GenerateForm {
  description: string;
  workflowType: WorkflowType | null;
  indicatorTypes: IndicatorType[];
}

/** Why a generation produced nothing, as the dialog shows it. */
export interface GenerateFailure {
  code: string;
  message: string;
  /** LLM_NOT_CONFIGURED: the fix is under Settings, not in the dialog. */
  notConfigured: boolean;
  /** What the model kept getting wrong (LLM_UNAVAILABLE with reason invalid_answer lists them). */
  problems: GenerationProblem[];
}

/** The workflow the dialog writes for, as the editor has it when the dialog opens. */
export interface GenerateTarget {
  /** The editor's workflow: its uuid, or "new". */
  key: string;
  isNew: boolean;
  code: string;
  workflowType: WorkflowType | null;
  indicatorTypes: IndicatorType[];
}

export interface GenerateState {
  open: boolean;
  key: string | null;
  isNew: boolean;
  phase: GeneratePhase;
  form: GenerateForm;
  /** Refine: what to change in the proposal. */
  instruction: string;
  /** The editor content the proposal is compared with. */
  original: string;
  /** What the running generation is; a cancelled or failed refinement returns to its proposal. */
  mode: 'generate' | 'refine' | null;
  startedAt: number | null;
  progress: GenerateProgress | null;
  /** Characters of the model's answer received in the current attempt. */
  receivedChars: number | null;
  /** The problems last sent back to the model, and the attempt that had them. */
  repairing: { attempt: number; problems: GenerationProblem[] } | null;
  result: GenerateResult | null;
  /** The request that produced `result`: a refinement re-sends its description and choices. */
  request: GenerateRequest | null;
  error: GenerateFailure | null;
  fieldErrors: Record<string, string>;
  notice: string | null;

  openFor(target: GenerateTarget): void;
  setForm(change: Partial<GenerateForm>): void;
  setInstruction(instruction: string): void;
  generate(): Promise<void>;
  refine(): Promise<void>;
  /** Stops the running generation (the server stops the model request) and goes back a step. */
  cancel(): void;
  /** Closes without touching the workflow. */
  discard(): void;
  /** Puts the proposal in the editor, then its settings; returns whether it did. */
  accept(): boolean;
  /** Closes for good (the analyst left the workflow): stops whatever runs. */
  close(): void;
}

/** The code worth sending as a starting point: anything but the new-workflow template. */
export function startingPoint(code: string): string | null {
  return code.trim() && code !== NEW_WORKFLOW_CODE ? code : null;
}

export function buildRequest(form: GenerateForm, code: string): GenerateRequest {
  const existing = startingPoint(code);
  return {
    description: form.description.trim(),
    workflow_type: form.workflowType,
    ...(form.indicatorTypes.length > 0 ? { indicator_types: [...form.indicatorTypes] } : {}),
    ...(existing !== null ? { existing_code: existing } : {}),
  };
}

export function failureOf(error: unknown): GenerateFailure {
  if (!(error instanceof ApiError)) return { code: 'ERROR', message: errorMessage(error), notConfigured: false, problems: [] };
  const listed = (error.details as { problems?: unknown } | null)?.problems;
  const problems = Array.isArray(listed)
    ? listed.filter((p): p is GenerationProblem => typeof p?.message === 'string' && typeof p?.source === 'string')
    : [];
  return { code: error.code, message: error.message, notConfigured: error.code === 'LLM_NOT_CONFIGURED', problems };
}

/** The 422 problems of a request the server refused, on the dialog's fields. */
function fieldErrorsOf(error: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (error instanceof ApiError) {
    for (const problem of error.fieldProblems) {
      const field = problem.field.replace(/^body\.?/, '').split('.')[0] || 'form';
      fields[field === 'existing_code' ? 'form' : field] = problem.message;
    }
  }
  return fields;
}

function editorKey(uuid: string | null): string {
  return uuid ?? 'new';
}

const EMPTY_FORM: GenerateForm = { description: '', workflowType: 'indicator', indicatorTypes: [] };

const closed = {
  open: false,
  phase: 'form' as GeneratePhase,
  instruction: '',
  mode: null,
  startedAt: null,
  progress: null,
  receivedChars: null,
  repairing: null,
  result: null,
  request: null,
  error: null,
  fieldErrors: {},
  notice: null,
};

let controller: AbortController | null = null;

export const useGenerate = create<GenerateState>()((set, get) => {
  function onProgress(progress: GenerateProgress) {
    set((s) => ({
      progress,
      receivedChars:
        progress.stage === 'receiving' ? (progress.received_chars ?? s.receivedChars) : progress.stage === 'requesting' ? null : s.receivedChars,
      // Kept through the next attempt: the analyst sees what the model is being asked to fix.
      repairing: progress.stage === 'repairing' ? { attempt: progress.attempt, problems: progress.problems ?? [] } : s.repairing,
    }));
  }

  async function run(request: GenerateRequest, mode: 'generate' | 'refine') {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    set({
      phase: 'running',
      mode,
      startedAt: Date.now(),
      progress: null,
      receivedChars: null,
      repairing: null,
      error: null,
      fieldErrors: {},
      notice: null,
    });
    try {
      const result = await api().workflows.generate(request, {
        signal: mine.signal,
        onProgress: (progress) => {
          if (controller === mine) onProgress(progress);
        },
      });
      if (controller !== mine) return;
      set({ phase: 'review', mode: null, result, request, instruction: '', progress: null, startedAt: null });
    } catch (error) {
      // Cancelled or superseded: whoever did that has already set the state.
      if (controller !== mine || mine.signal.aborted) return;
      set((s) => ({
        phase: mode === 'refine' && s.result ? 'review' : 'form',
        mode: null,
        progress: null,
        startedAt: null,
        error: failureOf(error),
        fieldErrors: fieldErrorsOf(error),
      }));
    } finally {
      if (controller === mine) controller = null;
    }
  }

  return {
    ...closed,
    key: null,
    isNew: false,
    form: EMPTY_FORM,
    original: '',

    openFor(target) {
      controller?.abort();
      controller = null;
      const s = get();
      set({
        ...closed,
        open: true,
        key: target.key,
        isNew: target.isNew,
        original: target.code,
        // The description survives closing and reopening on the same workflow; the choices
        // always start from the workflow's settings.
        form: {
          description: s.key === target.key ? s.form.description : '',
          workflowType: target.workflowType,
          indicatorTypes: [...target.indicatorTypes],
        },
      });
    },

    setForm(change) {
      set((s) => ({
        form: { ...s.form, ...change },
        fieldErrors: Object.fromEntries(Object.entries(s.fieldErrors).filter(([name]) => !(name in change) && name !== 'form')),
      }));
    },

    setInstruction(instruction) {
      set((s) => ({ instruction, fieldErrors: Object.fromEntries(Object.entries(s.fieldErrors).filter(([name]) => name !== 'instruction')) }));
    },

    async generate() {
      const s = get();
      if (!s.open || s.phase === 'running') return;
      const description = s.form.description.trim();
      if (!description) {
        set({ fieldErrors: { description: 'Describe what the workflow should do.' } });
        return;
      }
      if (description.length > MAX_PROMPT_CHARS) {
        set({ fieldErrors: { description: `At most ${MAX_PROMPT_CHARS.toLocaleString('en')} characters.` } });
        return;
      }
      await run(buildRequest(s.form, s.original), 'generate');
    },

    async refine() {
      const s = get();
      if (!s.open || s.phase !== 'review' || !s.result || !s.request) return;
      const instruction = s.instruction.trim();
      if (!instruction) {
        set({ fieldErrors: { instruction: 'Say what to change in the proposal.' } });
        return;
      }
      if (instruction.length > MAX_PROMPT_CHARS) {
        set({ fieldErrors: { instruction: `At most ${MAX_PROMPT_CHARS.toLocaleString('en')} characters.` } });
        return;
      }
      const { description, workflow_type, indicator_types } = s.request;
      await run(
        {
          description,
          workflow_type,
          ...(indicator_types ? { indicator_types } : {}),
          existing_code: s.result.generated_code,
          instruction,
        },
        'refine',
      );
    },

    cancel() {
      const s = get();
      if (s.phase !== 'running') return;
      controller?.abort();
      controller = null;
      set({
        phase: s.mode === 'refine' && s.result ? 'review' : 'form',
        mode: null,
        progress: null,
        startedAt: null,
        notice: 'Cancelled: the request to the model was stopped.',
      });
    },

    discard() {
      controller?.abort();
      controller = null;
      set({ ...closed });
    },

    accept() {
      const s = get();
      if (!s.result || !s.request || s.phase !== 'review') return false;
      const editor = useEditor.getState();
      if (editorKey(editor.uuid) !== s.key) {
        set({ error: { code: 'STALE', message: 'The editor holds another workflow now; this proposal was for a different one.', notConfigured: false, problems: [] } });
        return false;
      }
      const choices: GenerationChoices = {
        workflowType: s.request.workflow_type ?? null,
        indicatorTypes: s.request.indicator_types ?? [],
      };
      const changes = proposedChanges(editor.draft, s.result, { isNew: s.isNew, choices, secretValues: editor.test.secretValues });
      editor.applyGenerated(s.result.generated_code, changes);
      set({ ...closed });
      return true;
    },

    close() {
      controller?.abort();
      controller = null;
      set({ ...closed });
    },
  };
});

/** The editor workflow a route shows, or null for other views. */
function routeKey(route: Route): string | null {
  return route.view === 'editor' ? editorKey(route.uuid) : null;
}

// Leaving the workflow (another view, another workflow, back/forward) ends the dialog and stops
// the model: a proposal belongs to the code it was made for. Followed here rather than in a React
// effect so that it holds however the editor is mounted or unmounted.
useRouter.subscribe((state, previous) => {
  if (routeKey(state.route) !== routeKey(previous.route) && useGenerate.getState().open) useGenerate.getState().close();
});

// The Generate dialog: describe → follow the model and the repair loop → review the proposal as a
// diff against the editor, with every problem it still has in plain sight → Accept, Refine or
// Discard. Only Accept touches the workflow, and then only the unsaved draft.
import { useMemo, useRef, type KeyboardEvent } from 'react';
import type { CheckState, GenerationProblem, ProgressStage, WorkflowType } from '../../api/types.ts';
import { ErrorText, Field, IndicatorTypeChecks, Notice, Progress, useModal, useNow } from '../../components/ui.tsx';
import { plural, shortSpan } from '../../lib/format.ts';
import { describeChanges, proposedChanges } from '../../lib/generation.ts';
import { DiffView, type DiffViewHandle } from '../../monaco/DiffView.tsx';
import { useEditor } from '../../stores/editor.ts';
import { startingPoint, useGenerate, type GenerateFailure } from '../../stores/generate.ts';

const SOURCE_LABELS: Record<GenerationProblem['source'], string> = {
  lint: 'Lint',
  typescript: 'Type check',
  test: 'Test run',
  answer: 'Answer',
};

/** The steps of one attempt, in the order the server reports them. */
const STEPS: Array<{ label: string; stages: ProgressStage[] }> = [
  { label: 'Write', stages: ['requesting', 'receiving'] },
  { label: 'Lint', stages: ['linting'] },
  { label: 'Type check', stages: ['type_checking'] },
  { label: 'Test run', stages: ['testing'] },
  { label: 'Repair', stages: ['repairing'] },
];

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const MOD = isMac ? '⌘' : 'Ctrl';

export function GenerateDialog({ onAccepted }: { onAccepted: () => void }) {
  const open = useGenerate((s) => s.open);
  const phase = useGenerate((s) => s.phase);
  const ref = useModal(open);

  return (
    <dialog
      ref={ref}
      className="dialog generate-dialog"
      data-phase={phase}
      aria-labelledby="generate-title"
      onCancel={(event) => {
        event.preventDefault();
        const state = useGenerate.getState();
        // Escape stops a running generation and closes the empty form; a proposal took minutes
        // and tokens, so leaving it takes an explicit Accept or Discard.
        if (state.phase === 'running') state.cancel();
        else if (state.phase === 'form') state.discard();
      }}
    >
      {open && (
        <div className="generate">
          <header className="generate-head">
            <h2 id="generate-title">Generate workflow</h2>
            <ol className="generate-phases" aria-label="Steps">
              {(['form', 'running', 'review'] as const).map((p, index) => (
                <li key={p} aria-current={phase === p ? 'step' : undefined}>
                  {index + 1}. {p === 'form' ? 'Describe' : p === 'running' ? 'Generate' : 'Review'}
                </li>
              ))}
            </ol>
          </header>
          {phase === 'form' && <DescribeStep />}
          {phase === 'running' && <ProgressStep />}
          {phase === 'review' && <ReviewStep onAccepted={onAccepted} />}
        </div>
      )}
    </dialog>
  );
}

/** Ctrl/Cmd+Enter in a text box submits its form (and must not also run the editor's test). */
function submitOnModEnter(action: () => void) {
  return (event: KeyboardEvent) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.altKey) {
      event.preventDefault();
      action();
    }
  };
}

function DescribeStep() {
  const form = useGenerate((s) => s.form);
  const fieldErrors = useGenerate((s) => s.fieldErrors);
  const error = useGenerate((s) => s.error);
  const notice = useGenerate((s) => s.notice);
  const original = useGenerate((s) => s.original);
  const { setForm, generate, discard } = useGenerate.getState();

  return (
    <form
      className="generate-body generate-form"
      onSubmit={(event) => {
        event.preventDefault();
        void generate();
      }}
    >
      <FailureView error={error} />
      <Notice>{notice}</Notice>
      <Field
        label="Description"
        error={fieldErrors.description}
        hint={
          <>
            What it should check or do, which service and endpoint it calls, what it needs (a token, a host) and what
            counts as success. {MOD}+Enter generates.
          </>
        }
      >
        {(props) => (
          <textarea
            {...props}
            rows={7}
            autoFocus
            value={form.description}
            maxLength={20_000}
            placeholder={
              'Block the IP indicator on our perimeter firewall: POST https://fw.example.com/api/v1/block with {"ip": …}, ' +
              'a bearer token from the secret FIREWALL_API_TOKEN. Fail if the firewall answers an error.'
            }
            onChange={(e) => setForm({ description: e.target.value })}
            onKeyDown={submitOnModEnter(() => void generate())}
          />
        )}
      </Field>
      <Field label="Workflow type" error={fieldErrors.workflow_type}>
        {(props) => (
          <select
            {...props}
            className="narrow-select"
            value={form.workflowType ?? ''}
            onChange={(e) => setForm({ workflowType: (e.target.value || null) as WorkflowType | null })}
          >
            <option value="indicator">Indicator (an IP, domain, hash, account…)</option>
            <option value="alert">Alert (an alert object with its indicators)</option>
            <option value="">Other</option>
          </select>
        )}
      </Field>
      <IndicatorTypeChecks
        value={form.indicatorTypes}
        onChange={(indicatorTypes) => setForm({ indicatorTypes })}
        error={fieldErrors.indicator_types}
        emptyHint="None ticked: any type."
      />
      <p className="hint">
        {startingPoint(original) !== null
          ? 'The code in the editor goes along as a starting point. '
          : ''}
        Nothing is saved: you review the proposal as a diff against the editor first.
      </p>
      <ErrorText>{fieldErrors.form}</ErrorText>
      <div className="dialog-actions">
        <button type="button" onClick={discard}>
          Close
        </button>
        <button type="submit" className="primary">
          Generate code
        </button>
      </div>
    </form>
  );
}

/**
 * The modal closes first: otherwise the editor's unsaved-change question, if leaving needs one,
 * would open underneath it. The description is kept for when the dialog is opened again.
 */
function SettingsLink() {
  return (
    <a href="#/settings/llm" onClick={() => useGenerate.getState().close()}>
      Settings → Code generation
    </a>
  );
}

function FailureView({ error }: { error: GenerateFailure | null }) {
  if (!error) return null;
  return (
    <div className="generate-failure" role="alert">
      <p className="strong">{error.notConfigured ? 'Code generation is not set up yet.' : 'The generation failed.'}</p>
      <p className="prose">{error.message}</p>
      {error.notConfigured && (
        <p>
          Choose a provider in <SettingsLink />: Anthropic with an API key, or a local
          OpenAI-compatible server (Ollama, LM Studio, vLLM) that keeps everything on this machine.
        </p>
      )}
      {error.code === 'LLM_UNAVAILABLE' && (
        <p className="hint">
          Nothing was changed. Try again, or check the provider under <SettingsLink />.
        </p>
      )}
      {error.problems.length > 0 && <ProblemList problems={error.problems} label="What the model got wrong" />}
    </div>
  );
}

function ProblemList({ problems, label, onJump }: { problems: GenerationProblem[]; label: string; onJump?: (problem: GenerationProblem) => void }) {
  return (
    <ul className="gen-problems" aria-label={label}>
      {problems.map((problem, index) => (
        <li key={index} data-severity={problem.severity}>
          <span className="sev" aria-hidden="true">
            {problem.severity === 'error' ? '●' : '▲'}
          </span>
          <span className="sr-only">{problem.severity}:</span>
          <span className="src">{SOURCE_LABELS[problem.source] ?? problem.source}</span>
          {problem.line !== undefined &&
            (onJump ? (
              <button type="button" className="link-button pos mono" title="Show it in the proposal" onClick={() => onJump(problem)}>
                line {problem.line}
                {problem.column !== undefined ? `:${problem.column}` : ''}
              </button>
            ) : (
              <span className="pos mono">
                line {problem.line}
                {problem.column !== undefined ? `:${problem.column}` : ''}
              </span>
            ))}
          <span className="msg">{problem.message}</span>
          {problem.rule && <span className="rule mono">{problem.rule}</span>}
        </li>
      ))}
    </ul>
  );
}

function ProgressStep() {
  const progress = useGenerate((s) => s.progress);
  const receivedChars = useGenerate((s) => s.receivedChars);
  const repairing = useGenerate((s) => s.repairing);
  const startedAt = useGenerate((s) => s.startedAt);
  const mode = useGenerate((s) => s.mode);
  const now = useNow();
  const stage = progress?.stage ?? 'requesting';
  const current = stage === 'done' ? STEPS.length : STEPS.findIndex((step) => step.stages.includes(stage));
  const attempt = progress?.attempt ?? 1;
  const maxAttempts = progress?.max_attempts ?? 3;

  return (
    <div className="generate-body generate-progress">
      <p className="generate-attempt">
        <strong>{mode === 'refine' ? 'Refining the proposal' : 'Writing the workflow'}</strong>
        <span className="attempt-count">
          Attempt {attempt} of {maxAttempts}
        </span>
        {startedAt !== null && <span className="muted">{shortSpan(Math.max(0, now - startedAt))}</span>}
      </p>
      <ol className="stage-list" aria-label="Progress of this attempt">
        {STEPS.map((step, index) => {
          const state = index < current ? 'done' : index === current ? 'current' : 'pending';
          return (
            <li key={step.label} data-state={state} aria-current={state === 'current' ? 'step' : undefined}>
              <span className="stage-mark" aria-hidden="true">
                {state === 'done' ? '✓' : state === 'current' ? '●' : '○'}
              </span>
              {step.label}
              {state === 'current' && step.label === 'Write' && receivedChars !== null && (
                <span className="muted"> · {receivedChars.toLocaleString('en')} characters received</span>
              )}
            </li>
          );
        })}
      </ol>
      <Progress active label="Generating" />
      <p className="generate-message" role="status">
        {progress?.message ?? 'Sending the request…'}
      </p>
      {repairing && repairing.problems.length > 0 && (
        <section className="generate-repairing" aria-labelledby="repairing-title">
          <h3 id="repairing-title">
            Fixing {plural(repairing.problems.length, 'problem')} found in attempt {repairing.attempt}
          </h3>
          <ProblemList problems={repairing.problems} label="Problems being repaired" />
        </section>
      )}
      <div className="dialog-actions">
        <span className="muted small">Cancel stops the request to the model; nothing changes.</span>
        <button type="button" autoFocus onClick={() => useGenerate.getState().cancel()}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function CheckItem({ label, state }: { label: string; state: CheckState }) {
  const mark = state === 'passed' ? '✓' : state === 'failed' ? '✗' : '–';
  return (
    <li data-state={state}>
      <span className="check-mark" aria-hidden="true">
        {mark}
      </span>
      {label}: {state === 'skipped' ? 'not run' : state}
    </li>
  );
}

function ReviewStep({ onAccepted }: { onAccepted: () => void }) {
  const result = useGenerate((s) => s.result)!;
  const request = useGenerate((s) => s.request);
  const original = useGenerate((s) => s.original);
  const isNew = useGenerate((s) => s.isNew);
  const error = useGenerate((s) => s.error);
  const notice = useGenerate((s) => s.notice);
  const instruction = useGenerate((s) => s.instruction);
  const fieldErrors = useGenerate((s) => s.fieldErrors);
  const draft = useEditor((s) => s.draft);
  const secretValues = useEditor((s) => s.test.secretValues);
  const diffRef = useRef<DiffViewHandle>(null);
  const { refine, discard, accept, setInstruction } = useGenerate.getState();

  const changes = useMemo(
    () =>
      proposedChanges(draft, result, {
        isNew,
        choices: { workflowType: request?.workflow_type ?? null, indicatorTypes: request?.indicator_types ?? [] },
        secretValues,
      }),
    [draft, result, isNew, request, secretValues],
  );
  const errors = result.warnings.filter((w) => w.severity === 'error').length;
  const allPassed = result.checks.lint === 'passed' && result.checks.typecheck === 'passed' && result.checks.test === 'passed';

  return (
    <div className="generate-body generate-review">
      <section className="generate-main" aria-label="Proposed code">
        <div className="generate-diff-head" aria-hidden="true">
          <span>Current code in the editor</span>
          <span>Proposal</span>
        </div>
        <div className="generate-diff">
          <DiffView
            ref={diffRef}
            original={original}
            modified={result.generated_code}
            label="Proposal against the current code"
            originalLabel="Current code in the editor"
            modifiedLabel="Proposed code"
          />
        </div>
      </section>
      <aside className="generate-side" aria-label="About the proposal">
        <p className="muted small">
          Written by {result.model} ({result.provider === 'anthropic' ? 'Anthropic' : 'OpenAI-compatible server'}) in{' '}
          {plural(result.attempts, 'attempt')}.
        </p>
        <ul className="check-list" aria-label="Checks">
          <CheckItem label="Lint" state={result.checks.lint} />
          <CheckItem label="Type check" state={result.checks.typecheck} />
          <CheckItem label="Test run" state={result.checks.test} />
        </ul>
        <section className={`generate-warnings ${result.warnings.length ? 'has-warnings' : ''}`} aria-labelledby="warnings-title">
          <h3 id="warnings-title">
            {result.warnings.length === 0
              ? 'No problems'
              : `${plural(result.warnings.length, 'unresolved problem')}${errors ? ` (${plural(errors, 'error')})` : ''}`}
          </h3>
          {result.warnings.length > 0 ? (
            <>
              <p className="hint">
                The model could not fix {result.warnings.length === 1 ? 'this' : 'these'} in {plural(result.attempts, 'attempt')}. Refine, or
                accept and fix {result.warnings.length === 1 ? 'it' : 'them'} in the editor
                {result.warnings.some((w) => w.source === 'lint' && w.severity === 'error') ? ': the linter refuses to save it as it is.' : '.'}
              </p>
              <ProblemList
                problems={result.warnings}
                label="Warnings"
                onJump={(problem) => problem.line !== undefined && diffRef.current?.revealModified(problem.line, problem.column ?? 1)}
              />
            </>
          ) : (
            <p className="ok-text">
              {allPassed
                ? 'It passed the linter, the type check and a test run against its own mocks.'
                : 'Nothing was found, but not every check ran (see above).'}
            </p>
          )}
        </section>
        <section className="generate-apply" aria-labelledby="apply-title">
          <h3 id="apply-title">When you accept</h3>
          <ul>
            {describeChanges(changes, draft).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </section>
        <FailureView error={error} />
        <Notice>{notice}</Notice>
        <form
          className="refine-form"
          onSubmit={(event) => {
            event.preventDefault();
            void refine();
          }}
        >
          <Field label="What to change" error={fieldErrors.instruction} hint={`Refine sends the proposal back with this instruction. ${MOD}+Enter refines.`}>
            {(props) => (
              <textarea
                {...props}
                rows={3}
                value={instruction}
                maxLength={20_000}
                placeholder="Also log the rule id; fail when the IP is private."
                onChange={(e) => setInstruction(e.target.value)}
                onKeyDown={submitOnModEnter(() => void refine())}
              />
            )}
          </Field>
          <button type="submit">Refine</button>
        </form>
      </aside>
      <div className="dialog-actions generate-actions">
        <span className="muted small spacer">Accept puts the code in the editor, unsaved; its settings follow. Discard changes nothing.</span>
        <button type="button" onClick={discard}>
          Discard
        </button>
        <button
          type="button"
          className="primary"
          onClick={() => {
            if (accept()) onAccepted();
          }}
        >
          Accept
        </button>
      </div>
    </div>
  );
}

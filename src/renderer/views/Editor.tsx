// The workflow editor: code (Monaco) with live lint and a problems list, settings, a test panel,
// version history with side-by-side diffs and restore, and a guard against losing unsaved edits.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { LintProblemView } from '../api/types.ts';
import { RunButton } from '../components/RunButton.tsx';
import { ActivateDialog } from '../components/ActivateDialog.tsx';
import { Badge, ErrorText, Notice, Progress } from '../components/ui.tsx';
import { CodeEditor, type CodeEditorHandle } from '../monaco/CodeEditor.tsx';
import { DiffView } from '../monaco/DiffView.tsx';
import { runBlocker } from '../lib/run-form.ts';
import { isDirty, useEditor } from '../stores/editor.ts';
import { useGenerate } from '../stores/generate.ts';
import { setLeaveGuard, useRouter } from '../stores/router.ts';
import { useRun } from '../stores/run.ts';
import { EndpointForm, KindSwitch } from './editor/EndpointForm.tsx';
import { GenerateDialog } from './editor/GenerateDialog.tsx';
import { HistoryPanel } from './editor/HistoryPanel.tsx';
import { ProblemsPanel } from './editor/ProblemsPanel.tsx';
import { mergeProblems } from '../lib/problems.ts';
import { SettingsPanel } from './editor/SettingsPanel.tsx';
import { TestPanel } from './editor/TestPanel.tsx';
import { TestResultPane } from './editor/TestResult.tsx';

type Tab = 'settings' | 'test' | 'history';
const TABS: Array<{ id: Tab; label: string }> = [
  { id: 'settings', label: 'Settings' },
  { id: 'test', label: 'Test' },
  { id: 'history', label: 'History' },
];

interface DiffState {
  left: number;
  right: number;
}

export default function EditorView({ uuid, version }: { uuid: string | null; version?: number }) {
  const s = useEditor(
    useShallow((state) => ({
      storeUuid: state.uuid,
      workflow: state.workflow,
      draft: state.draft,
      baseline: state.baseline,
      loading: state.loading,
      loadError: state.loadError,
      lintProblems: state.lintProblems,
      lintError: state.lintError,
      typeProblems: state.typeProblems,
      saveProblems: state.saveProblems,
      saveWarnings: state.saveWarnings,
      saving: state.saving,
      saveError: state.saveError,
      fieldErrors: state.fieldErrors,
      notice: state.notice,
      remoteChanged: state.remoteChanged,
      versionCode: state.versionCode,
      activation: state.activation,
    })),
  );
  const navigate = useRouter((r) => r.navigate);
  const codeRef = useRef<CodeEditorHandle>(null);
  const [tab, setTab] = useState<Tab>(version ? 'history' : 'settings');
  const [diff, setDiff] = useState<DiffState | null>(null);
  const dirty = isDirty(s);
  const isSystem = s.workflow?.is_system ?? false;
  // A new workflow that was just saved has its id before the URL catches up; it stays mounted.
  const ready = !s.loading && !s.loadError && (s.storeUuid === uuid || uuid === null);

  useEffect(() => {
    void useEditor.getState().open(uuid);
    setDiff(null);
  }, [uuid]);

  useEffect(() => {
    document.title = `${s.draft.name || 'New workflow'}${dirty ? ' •' : ''} · Vigil`;
  }, [s.draft.name, dirty]);

  // A link to one version (from a run, an approval): show it against the current one.
  const currentVersion = s.workflow?.code_version;
  useEffect(() => {
    if (!version || !currentVersion || s.storeUuid !== uuid) return;
    setTab('history');
    if (version === currentVersion) {
      if (version > 1) setDiff({ left: version - 1, right: version });
    } else {
      setDiff({ left: version, right: currentVersion });
    }
  }, [version, currentVersion, s.storeUuid, uuid]);

  useEffect(() => {
    if (!diff) return;
    void useEditor.getState().loadVersionCode(diff.left);
    void useEditor.getState().loadVersionCode(diff.right);
  }, [diff]);

  // Unsaved edits: ask before leaving (another view, another workflow, closing the tab).
  useEffect(() => {
    if (!dirty) {
      setLeaveGuard(null);
      return;
    }
    const current = s.storeUuid;
    setLeaveGuard((next) => !(next.view === 'editor' && next.uuid === current && current !== null));
    const beforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', beforeUnload);
    return () => {
      setLeaveGuard(null);
      window.removeEventListener('beforeunload', beforeUnload);
    };
  }, [dirty, s.storeUuid]);

  const save = useCallback(async () => {
    const saved = await useEditor.getState().save();
    if (saved && uuid === null) navigate({ view: 'editor', uuid: saved }, { replace: true });
  }, [uuid, navigate]);

  const setState = useCallback(
    async (state: 'active' | 'inactive') => {
      const before = useEditor.getState().uuid;
      const ok = await useEditor.getState().setState(state);
      const after = useEditor.getState().uuid;
      if (ok && before === null && after) navigate({ view: 'editor', uuid: after }, { replace: true });
    },
    [navigate],
  );

  // Activating with type errors, or secrets its runs would need but that have no value, is asked first.
  const requestActivate = async () => {
    if (await useEditor.getState().checkActivation()) void setState('active');
  };

  const runTest = useCallback(() => {
    setTab('test');
    void useEditor.getState().runTest();
  }, []);

  // Shortcuts anywhere in the editor view (Monaco handles them itself when it has focus).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || !(event.ctrlKey || event.metaKey) || event.altKey) return;
      // The Generate and Run dialogs are modal: the editor behind them neither saves nor runs tests meanwhile.
      if (useGenerate.getState().open || useRun.getState().target !== null) return;
      if (event.key === 's' || event.key === 'S') {
        event.preventDefault();
        void save();
      } else if (event.key === 'Enter') {
        event.preventDefault();
        runTest();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [save, runTest]);

  const openGenerate = () => {
    const { uuid: storeUuid, draft } = useEditor.getState();
    setDiff(null);
    useGenerate.getState().openFor({
      key: storeUuid ?? 'new',
      isNew: storeUuid === null,
      code: draft.code,
      workflowType: draft.workflow_type,
      indicatorTypes: draft.indicator_types,
    });
  };

  // Monaco marks type errors itself; the linter's markers are ours to set. The list shows both.
  const lintMarkers = useMemo(() => mergeProblems(s.lintProblems, s.saveProblems), [s.lintProblems, s.saveProblems]);
  const problems = useMemo(() => mergeProblems(lintMarkers, s.typeProblems), [lintMarkers, s.typeProblems]);

  const closeDiff = () => {
    setDiff(null);
    if (version && s.storeUuid) navigate({ view: 'editor', uuid: s.storeUuid }, { replace: true });
  };

  const restore = async (v: number) => {
    if (await useEditor.getState().restoreVersion(v)) {
      closeDiff();
      codeRef.current?.focus();
    }
  };

  if (s.loadError) {
    return (
      <section className="view">
        <header className="view-header">
          <a href="#/workflows">Back to the workflow list</a>
        </header>
        <ErrorText>{s.loadError}</ErrorText>
      </section>
    );
  }

  const state = s.workflow?.state ?? 'draft';
  // An http_endpoint workflow has no code: a form edits its configuration.
  const endpoint = s.draft.kind === 'http_endpoint';
  const active = state === 'active';
  // A run uses the saved, active version: unsaved edits would not be part of it.
  const runBlocked = !s.workflow
    ? 'Save and activate the workflow to run it.'
    : dirty
      ? 'Save your changes first: a run uses the saved version.'
      : runBlocker(s.workflow);

  return (
    <section className="view editor-view" aria-labelledby="editor-title">
      <header className="view-header editor-header">
        {/* Not named "Workflows": that name belongs to the navigation link. */}
        <a href="#/workflows" className="crumb" aria-label="Back to the workflow list">
          ‹ Workflow list
        </a>
        <h1 id="editor-title">{s.draft.name || (uuid ? s.workflow?.name : 'New workflow') || 'Untitled'}</h1>
        {s.workflow ? <Badge value={state} /> : <Badge value="draft">not saved</Badge>}
        {s.workflow && <span className="mono muted">v{s.workflow.code_version}</span>}
        {isSystem && <span className="tag">built-in</span>}
        {!s.workflow && ready && <KindSwitch kind={s.draft.kind} />}
        {s.workflow?.kind === 'http_endpoint' && <span className="tag">HTTP endpoint</span>}
        {s.workflow?.integration && !s.workflow.integration.configured && (
          <a href="#/settings" className="plain" title="Set up the integration under Settings → Integrations">
            <Badge value="none">not configured</Badge>
          </a>
        )}
        {dirty && (
          <span className="dirty" title="Unsaved changes">
            ● unsaved
          </span>
        )}
        <div className="spacer" />
        <button
          type="button"
          onClick={openGenerate}
          disabled={s.saving || !ready || isSystem || endpoint}
          title={
            isSystem
              ? 'Built-in workflows cannot be rewritten; duplicate it first.'
              : endpoint
                ? 'HTTP-endpoint workflows have no code to generate.'
                : 'Describe a change or a new workflow and let the configured LLM write it'
          }
        >
          Generate
        </button>
        <button type="button" className="primary" onClick={() => void save()} disabled={s.saving || !ready} aria-keyshortcuts="Control+S Meta+S">
          {s.saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={() => void (active ? setState('inactive') : requestActivate())} disabled={s.saving || !ready}>
          {active ? 'Deactivate' : 'Activate'}
        </button>
        <RunButton
          blocker={s.saving || !ready ? 'Wait for the workflow to load or save.' : runBlocked}
          onRun={() => s.workflow && useRun.getState().open(s.workflow)}
        />
      </header>
      <Progress active={s.loading || s.saving} label={s.loading ? 'Loading the workflow' : 'Saving'} />
      {s.saveError && (
        <ErrorText>
          {s.saveError}
          {s.saveProblems.length > 0 && ' The problems are listed under the code.'}
        </ErrorText>
      )}
      <Notice onDismiss={() => useEditor.getState().dismissNotice()}>{s.notice}</Notice>
      {s.saveWarnings.length > 0 && !dirty && (
        <p className="warn-text">Saved with {s.saveWarnings.length} warning(s); see Problems.</p>
      )}
      {s.remoteChanged && (
        <div className="notice warn" role="alert">
          <span>This workflow was changed elsewhere (another window, the API or an agent) while you were editing.</span>
          <button type="button" onClick={() => void useEditor.getState().reload()}>
            Load their version
          </button>
          <button type="button" className="quiet" onClick={() => useEditor.setState({ remoteChanged: false })}>
            Keep mine
          </button>
        </div>
      )}
      {isSystem && (
        <p className="hint pad-s">Built-in workflow: its code is read-only. Duplicate it from the workflow list to change the code.</p>
      )}

      <div className={`editor-body ${diff ? 'diffing' : ''}`}>
        <div className="code-column">
          {diff && (
            <div className="diff-pane">
              <div className="diff-bar">
                <label>
                  Compare{' '}
                  <VersionSelect value={diff.left} max={currentVersion ?? 1} onChange={(left) => setDiff({ ...diff, left })} label="Older version" />
                </label>
                <span aria-hidden="true">↔</span>
                <VersionSelect value={diff.right} max={currentVersion ?? 1} onChange={(right) => setDiff({ ...diff, right })} label="Newer version" />
                <div className="spacer" />
                {diff.left !== currentVersion && (
                  <button type="button" onClick={() => void restore(diff.left)}>
                    Restore v{diff.left}
                  </button>
                )}
                <button type="button" className="quiet" onClick={closeDiff}>
                  Close diff
                </button>
              </div>
              {s.versionCode[diff.left] !== undefined && s.versionCode[diff.right] !== undefined ? (
                <DiffView original={s.versionCode[diff.left]!} modified={s.versionCode[diff.right]!} label={`Diff of v${diff.left} and v${diff.right}`} />
              ) : (
                <p className="muted pad-s" role="status">
                  Loading versions…
                </p>
              )}
            </div>
          )}
          {endpoint ? (
            <section className={`code-region ${diff ? 'hidden' : ''}`} aria-label="Endpoint configuration">
              {ready && <EndpointForm draft={s.draft} error={s.fieldErrors.endpoint ?? s.fieldErrors.code} readOnly={isSystem} />}
            </section>
          ) : (
          <section className={`code-region ${diff ? 'hidden' : ''}`} aria-label="Workflow code">
            {ready && (
              <CodeEditor
                ref={codeRef}
                value={s.draft.code}
                onChange={(code) => useEditor.getState().setField('code', code)}
                problems={lintMarkers}
                declaredSecrets={s.draft.secrets}
                readOnly={isSystem}
                onLint={(p) => useEditor.getState().setLint(p)}
                onLintError={(message) => useEditor.getState().setLintError(message)}
                onTypeProblems={(p) => useEditor.getState().setTypeProblems(p)}
                onSave={() => void save()}
                onRunTest={runTest}
              />
            )}
          </section>
          )}
          {!endpoint && (
            <ProblemsPanel
              problems={problems}
              lintError={s.lintError}
              onJump={(p: LintProblemView) => {
                setDiff(null);
                requestAnimationFrame(() => codeRef.current?.reveal(p.line, p.column));
              }}
            />
          )}
          {ready && !diff && <TestResultPane />}
        </div>
        <aside className="side-panel" aria-label="Workflow panels">
          <div role="tablist" aria-label="Workflow panels" className="tabs">
            {TABS.map((t) => (
              <button
                key={t.id}
                type="button"
                role="tab"
                id={`tab-${t.id}`}
                aria-selected={tab === t.id}
                aria-controls={`panel-${t.id}`}
                tabIndex={tab === t.id ? 0 : -1}
                onClick={() => setTab(t.id)}
                onKeyDown={(event) => {
                  const index = TABS.findIndex((x) => x.id === tab);
                  const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
                  if (!step) return;
                  const next = TABS[(index + step + TABS.length) % TABS.length]!;
                  setTab(next.id);
                  document.getElementById(`tab-${next.id}`)?.focus();
                }}
              >
                {t.label}
              </button>
            ))}
          </div>
          {ready && (
            <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tab-panel">
              {tab === 'settings' && <SettingsPanel draft={s.draft} fieldErrors={s.fieldErrors} isSystem={isSystem} nextRunAt={s.workflow?.next_run_at} />}
              {tab === 'test' && <TestPanel declaredSecrets={s.draft.secrets} />}
              {tab === 'history' && <HistoryPanel onCompare={(left, right) => setDiff({ left, right })} onRestore={(v) => void restore(v)} />}
            </div>
          )}
        </aside>
      </div>
      {ready && <GenerateDialog onAccepted={() => requestAnimationFrame(() => codeRef.current?.focus())} />}
      <ActivateDialog
        name={s.draft.name || 'this workflow'}
        issues={s.activation}
        onCancel={() => useEditor.getState().dismissActivation()}
        onConfirm={() => {
          useEditor.getState().dismissActivation();
          void setState('active');
        }}
      />
    </section>
  );
}

function VersionSelect({ value, max, onChange, label }: { value: number; max: number; onChange: (v: number) => void; label: string }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(Number(e.target.value))}>
      {Array.from({ length: max }, (_, i) => max - i).map((v) => (
        <option key={v} value={v}>
          v{v}
          {v === max ? ' (current)' : ''}
        </option>
      ))}
    </select>
  );
}

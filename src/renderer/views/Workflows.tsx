// The workflow library: search, filter, sort (by the server), create, import, duplicate,
// activate/deactivate, delete. The table fits 1280 px without horizontal scrolling: fixed column
// widths, the name takes the rest and wraps, and the row actions other than Run are in a menu.
import { useEffect, useRef, useState } from 'react';
import { INDICATOR_TYPES, RISK_LEVELS, WORKFLOW_STATES, WORKFLOW_TYPES } from '../../shared/domain.ts';
import type { WorkflowListItem } from '../api/types.ts';
import { ActivateDialog } from '../components/ActivateDialog.tsx';
import { MenuButton } from '../components/Menu.tsx';
import { RunButton } from '../components/RunButton.tsx';
import { ActionsHeader, Badge, ConfirmItemDialog, EmptyState, ErrorText, Progress, useNow } from '../components/ui.tsx';
import { hasIssues, savedWorkflowIssues, type ActivationIssues } from '../lib/activation.ts';
import { indicatorLabel, label, plural, relativeDay, relativeTime, shortDate } from '../lib/format.ts';
import { runBlocker } from '../lib/run-form.ts';
import { debounce, nameFromFile } from '../lib/util.ts';
import { NEW_WORKFLOW_FIELDS, useEditor } from '../stores/editor.ts';
import { useGenerate } from '../stores/generate.ts';
import { href, useRouter } from '../stores/router.ts';
import { useImport } from '../stores/import.ts';
import { useRun } from '../stores/run.ts';
import { ImportDialog } from './ImportDialog.tsx';
import { DEFAULT_WORKFLOW_QUERY, useWorkflows, WORKFLOW_PAGE_SIZE } from '../stores/workflows.ts';
import { nextRunLabel } from '../lib/schedule-form.ts';

const MAX_IMPORT_BYTES = 1024 * 1024;

export function WorkflowsView() {
  const { items, total, loaded, loading, error, query } = useWorkflows();
  const fileInput = useRef<HTMLInputElement>(null);
  const [importError, setImportError] = useState<string | null>(null);
  const [search, setSearch] = useState(query.q);
  const [deleting, setDeleting] = useState<WorkflowListItem | null>(null);
  const debouncedSearch = useRef(debounce((q: string) => useWorkflows.getState().setQuery({ q }), 250)).current;
  const navigate = useRouter((s) => s.navigate);
  const now = useNow();

  const searchInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Workflows · Vigil';
    void useWorkflows.getState().load();
    return () => debouncedSearch.cancel();
  }, [debouncedSearch]);

  // "/" jumps to the search box, as in most consoles, unless the analyst is typing somewhere.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
      event.preventDefault();
      searchInput.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const filtered = query.q || query.state || query.risk_level || query.workflow_type || query.tag;

  const newWorkflow = () => {
    useEditor.getState().prepareNew({});
    navigate({ view: 'editor', uuid: null });
  };

  // A new workflow written by the model: the editor opens on the template with the Generate
  // dialog over it, so the proposal is reviewed against what a new workflow starts from.
  const generateNew = () => {
    useEditor.getState().prepareNew({});
    navigate({ view: 'editor', uuid: null });
    useGenerate.getState().openFor({
      key: 'new',
      isNew: true,
      code: NEW_WORKFLOW_FIELDS.code,
      workflowType: NEW_WORKFLOW_FIELDS.workflow_type,
      indicatorTypes: NEW_WORKFLOW_FIELDS.indicator_types,
    });
  };

  const importFile = async (file: File) => {
    setImportError(null);
    if (file.size > MAX_IMPORT_BYTES) {
      setImportError(`${file.name} is larger than 1 MB, the most a workflow may be.`);
      return;
    }
    const code = await file.text();
    if (!code.trim()) {
      setImportError(`${file.name} is empty.`);
      return;
    }
    // The import opens as an unsaved workflow, so lint problems can be fixed before the first save.
    useEditor.getState().prepareNew({ name: nameFromFile(file.name), code });
    navigate({ view: 'editor', uuid: null });
  };

  const sortBy = (field: string) => {
    const next = query.sort === field ? `-${field}` : field;
    useWorkflows.getState().setQuery({ sort: next });
  };

  return (
    <section className="view" aria-labelledby="workflows-title">
      <header className="view-header">
        <h1 id="workflows-title">Workflows</h1>
        <span className="muted">{loaded && plural(total, 'workflow')}</span>
        <div className="spacer" />
        <input
          ref={fileInput}
          type="file"
          accept=".ts,.mts,text/typescript"
          hidden
          onChange={(event) => {
            const file = event.target.files?.[0];
            event.target.value = '';
            if (file) void importFile(file);
          }}
        />
        <button type="button" onClick={() => fileInput.current?.click()}>
          Import .ts
        </button>
        <button type="button" onClick={() => useImport.getState().start()} title="Import an export's files or a .zip of it (vigil export)">
          Import export…
        </button>
        <button type="button" onClick={generateNew} title="Describe a workflow and let the configured LLM write it">
          New with AI
        </button>
        <button type="button" className="primary" onClick={newWorkflow}>
          New workflow
        </button>
      </header>
      <ErrorText>{importError}</ErrorText>
      <ImportDialog />

      <div className="toolbar" role="search">
        <input
          ref={searchInput}
          type="search"
          aria-keyshortcuts="/"
          aria-label="Search workflows"
          placeholder="Search name, documentation, tags  ( / )"
          value={search}
          onChange={(event) => {
            setSearch(event.target.value);
            debouncedSearch(event.target.value);
          }}
        />
        <select
          aria-label="State"
          value={query.state}
          onChange={(e) => useWorkflows.getState().setQuery({ state: e.target.value as typeof query.state })}
        >
          <option value="">Any state</option>
          {WORKFLOW_STATES.map((s) => (
            <option key={s} value={s}>
              {label(s)}
            </option>
          ))}
        </select>
        <select aria-label="Risk" value={query.risk_level} onChange={(e) => useWorkflows.getState().setQuery({ risk_level: e.target.value })}>
          <option value="">Any risk</option>
          {RISK_LEVELS.map((r) => (
            <option key={r} value={r}>
              {label(r)}
            </option>
          ))}
        </select>
        <select aria-label="Type" value={query.workflow_type} onChange={(e) => useWorkflows.getState().setQuery({ workflow_type: e.target.value })}>
          <option value="">Any type</option>
          {WORKFLOW_TYPES.map((t) => (
            <option key={t} value={t}>
              {label(t)}
            </option>
          ))}
        </select>
        <input
          type="text"
          aria-label="Tag"
          placeholder="Tag"
          className="narrow"
          value={query.tag}
          onChange={(e) => useWorkflows.getState().setQuery({ tag: e.target.value })}
        />
        {filtered && (
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setSearch('');
              useWorkflows.getState().setQuery({ ...DEFAULT_WORKFLOW_QUERY, sort: query.sort });
            }}
          >
            Clear filters
          </button>
        )}
      </div>
      <Progress active={loading} label="Loading workflows" />
      <ErrorText>{error}</ErrorText>

      {loaded && items.length === 0 && !error ? (
        filtered ? (
          <EmptyState title="No workflow matches these filters">
            <p>Change the search or clear the filters.</p>
          </EmptyState>
        ) : (
          <EmptyState title="No workflows yet">
            <p>
              <strong>New workflow</strong> starts from a template you can test with mock responses;{' '}
              <strong>New with AI</strong> has the configured LLM write one from a description, linted and tested;{' '}
              <strong>Import .ts</strong> opens a workflow file you already have. Agents can execute a workflow once you
              activate it.
            </p>
          </EmptyState>
        )
      ) : (
        <div className="table-wrap">
          <table className="grid workflow-table" aria-label="Workflows">
            <colgroup>
              <col />
              <col className="w-state" />
              <col className="w-risk" />
              <col className="w-approval" />
              <col className="w-indicators" />
              <col className="w-tags" />
              <col className="w-last-run" />
              <col className="w-updated" />
              <col className="w-actions" />
            </colgroup>
            <thead>
              <tr>
                <SortHeader field="name" label="Name" sort={query.sort} onSort={sortBy} />
                <SortHeader field="state" label="State" sort={query.sort} onSort={sortBy} />
                <SortHeader field="risk_level" label="Risk" sort={query.sort} onSort={sortBy} />
                <th scope="col">Approval</th>
                <th scope="col" title="The indicator types the workflow accepts">
                  Indicators
                </th>
                <th scope="col">Tags</th>
                <th scope="col">Last run</th>
                <SortHeader field="updated_at" label="Updated" sort={query.sort} onSort={sortBy} />
                <ActionsHeader />
              </tr>
            </thead>
            <tbody>
              {items.map((workflow) => (
                <WorkflowRow key={workflow.uuid} workflow={workflow} now={now} onDelete={() => setDeleting(workflow)} />
              ))}
            </tbody>
          </table>
          {total > items.length && (
            <p className="muted pad-s">
              Showing the first {WORKFLOW_PAGE_SIZE} of {total}. Search or filter to find the others.
            </p>
          )}
        </div>
      )}
      <ConfirmItemDialog
        item={deleting}
        title={(workflow) => `Delete ${workflow.name}?`}
        confirmLabel="Delete workflow"
        onClose={() => setDeleting(null)}
        onConfirm={(workflow) => void useWorkflows.getState().remove(workflow.uuid)}
      >
        {() => <p>Agents can no longer execute it. Its runs, approvals and versions stay browsable under Runs.</p>}
      </ConfirmItemDialog>
    </section>
  );
}

function SortHeader({ field, label: text, sort, onSort }: { field: string; label: string; sort: string; onSort: (field: string) => void }) {
  const direction = sort === field ? 'ascending' : sort === `-${field}` ? 'descending' : 'none';
  return (
    <th scope="col" aria-sort={direction}>
      <button type="button" className="sort" onClick={() => onSort(field)}>
        {text}
        <span aria-hidden="true" className="sort-mark">
          {direction === 'ascending' ? '▲' : direction === 'descending' ? '▼' : ''}
        </span>
      </button>
    </th>
  );
}

/** The indicator types a workflow accepts, as analysts name them; none listed means any. */
function indicatorTypesText(types: readonly string[]): string {
  if (types.length === 0 || types.length === INDICATOR_TYPES.length) return 'any';
  return types.map(indicatorLabel).join(', ');
}

function WorkflowRow({ workflow, now, onDelete }: { workflow: WorkflowListItem; now: number; onDelete: () => void }) {
  const busy = useWorkflows((s) => s.busy[workflow.uuid] ?? false);
  const rowError = useWorkflows((s) => s.rowErrors[workflow.uuid]);
  const navigate = useRouter((s) => s.navigate);
  const active = workflow.state === 'active';
  const types = indicatorTypesText(workflow.indicator_types);
  const nextRun = nextRunLabel(workflow, (at) => relativeTime(at, now));
  const blocker = runBlocker(workflow);
  const [checking, setChecking] = useState(false);
  const [issues, setIssues] = useState<ActivationIssues | null>(null);

  // Type errors and secrets without a value do not stop an activation, but the analyst is asked first.
  const activate = async () => {
    setChecking(true);
    const found = await savedWorkflowIssues(workflow);
    setChecking(false);
    if (hasIssues(found)) setIssues(found);
    else void useWorkflows.getState().setState(workflow.uuid, 'active');
  };
  return (
    <>
      <tr aria-busy={busy}>
        <td className="name-cell">
          <a href={href({ view: 'editor', uuid: workflow.uuid })} className="strong">
            {workflow.name}
          </a>{' '}
          <span className="muted mono small" title="Current version">
            v{workflow.code_version}
          </span>
          {workflow.is_system && (
            <span className="tag" title="Built in: duplicate it to change the code">
              built-in
            </span>
          )}
          {workflow.kind === 'http_endpoint' && (
            <span className="tag" title="Sends the run's context to a URL instead of running code">
              HTTP endpoint
            </span>
          )}
          {workflow.integration && !workflow.integration.configured && (
            <>
              {' '}
              <a href="#/settings" className="plain" title={`Set up ${workflow.integration.name === 'okta' ? 'Okta' : 'Entra ID'} under Settings → Integrations`}>
                <Badge value="none">not configured</Badge>
              </a>
            </>
          )}
          {workflow.warnings?.map((warning) => (
            <p key={warning.message} className="warn-text row-warning">
              {warning.code === 'SECRET_NOT_SET' ? <a href={href({ view: 'secrets' })}>{warning.message}</a> : warning.message}
            </p>
          ))}
        </td>
        <td>
          <Badge value={workflow.state} />
        </td>
        <td>
          <Badge value={workflow.risk_level} />
        </td>
        <td className="clip">{label(workflow.approval_mode)}</td>
        <td className={`clip ${types === 'any' ? 'muted' : ''}`} title={types === 'any' ? 'Accepts any indicator type' : types}>
          {types}
        </td>
        <td className="tags-cell">
          {workflow.tags.map((tag) => (
            <button
              type="button"
              key={tag}
              className="tag"
              title={`Show workflows tagged ${tag}`}
              onClick={() => useWorkflows.getState().setQuery({ tag })}
            >
              {tag}
            </button>
          ))}
        </td>
        <td className="clip">
          {workflow.last_run ? (
            <a
              href={href({ view: 'runs', uuid: workflow.last_run.uuid })}
              className="plain"
              title={shortDate(workflow.last_run.finished_at ?? workflow.last_run.queued_at)}
            >
              <Badge value={workflow.last_run.status} />{' '}
              <span className="muted">{relativeTime(workflow.last_run.finished_at ?? workflow.last_run.queued_at, now)}</span>
            </a>
          ) : (
            <span className="muted">never</span>
          )}
          {nextRun && (
            <div className="muted next-run" title={workflow.next_run_at ? shortDate(workflow.next_run_at) : undefined}>
              {nextRun}
            </div>
          )}
        </td>
        <td className="muted clip" title={shortDate(workflow.updated_at)}>
          {relativeDay(workflow.updated_at, now)}
        </td>
        <td className="actions">
          <RunButton blocker={blocker} onRun={() => useRun.getState().open(workflow)} />
          <MenuButton
            label={`Actions for ${workflow.name}`}
            disabled={busy || checking}
            items={[
              {
                label: active ? 'Deactivate' : 'Activate',
                onSelect: () => void (active ? useWorkflows.getState().setState(workflow.uuid, 'inactive') : activate()),
              },
              {
                label: 'Duplicate',
                onSelect: async () => {
                  const copy = await useWorkflows.getState().duplicate(workflow.uuid);
                  if (copy) navigate({ view: 'editor', uuid: copy });
                },
              },
              ...(workflow.is_system ? [] : [{ label: 'Delete', danger: true, onSelect: onDelete }]),
            ]}
          />
          <ActivateDialog
            name={workflow.name}
            issues={issues}
            onCancel={() => setIssues(null)}
            onConfirm={() => {
              setIssues(null);
              void useWorkflows.getState().setState(workflow.uuid, 'active');
            }}
          />
        </td>
      </tr>
      {rowError && (
        <tr className="row-error">
          <td colSpan={9}>
            <ErrorText>
              {workflow.name}: {rowError}{' '}
              <button type="button" className="link-button" onClick={() => useWorkflows.getState().clearRowError(workflow.uuid)}>
                Dismiss
              </button>
            </ErrorText>
          </td>
        </tr>
      )}
    </>
  );
}

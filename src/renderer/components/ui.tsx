// Small shared building blocks: badges, fields with their errors, empty states, dialogs, time.
import { useEffect, useId, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { INDICATOR_TYPES, type IndicatorType } from '../../shared/domain.ts';
import { indicatorLabel, label } from '../lib/format.ts';

/** A status, state or risk as a coloured pill; the colour comes from `data-tone` in CSS. */
export function Badge({ value, title, children }: { value: string | null | undefined; title?: string; children?: ReactNode }) {
  return (
    <span className="badge" data-tone={value ?? 'none'} title={title}>
      {children ?? label(value)}
    </span>
  );
}

/** A readable error next to what caused it; announced by screen readers as it appears. */
export function ErrorText({ children, id }: { children: ReactNode; id?: string }) {
  if (!children) return null;
  return (
    <p className="error-text" role="alert" id={id}>
      {children}
    </p>
  );
}

export function Notice({ children, onDismiss }: { children: ReactNode; onDismiss?: () => void }) {
  if (!children) return null;
  return (
    <div className="notice" role="status">
      <span>{children}</span>
      {onDismiss && (
        <button type="button" className="link-button" onClick={onDismiss} aria-label="Dismiss message">
          ×
        </button>
      )}
    </div>
  );
}

/** The header of a table's row-actions column: named for screen readers, blank on screen. */
export function ActionsHeader() {
  return (
    <th scope="col">
      <span className="sr-only">Actions</span>
    </th>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <p className="empty-title">{title}</p>
      {children && <div className="empty-body">{children}</div>}
    </div>
  );
}

/** A thin indeterminate bar for work in progress (loading pages, saving, running a test). */
export function Progress({ active, label: text }: { active: boolean; label: string }) {
  if (!active) return null;
  return <div className="progress" role="progressbar" aria-label={text} aria-busy="true" />;
}

/** What a Field hands its control: its id and how its hint and error describe it. */
export interface FieldControlProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby'?: string;
}

/**
 * A labelled form control with its hint and error wired up for assistive tech. The child gets
 * `id`, `aria-invalid` and `aria-describedby` through the render function.
 */
export function Field({
  label: text,
  hint,
  error,
  className,
  children,
}: {
  label: string;
  hint?: ReactNode;
  error?: string | null;
  className?: string;
  children: (props: FieldControlProps) => ReactNode;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{text}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': describedBy })}
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="error-text" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * A modal confirmation built on <dialog>: the browser traps focus, Escape cancels, and the
 * confirm button is focused first so Enter confirms.
 */
/** A native <dialog> shown modally while `open` (focus trap, Escape and backdrop from the browser). */
export function useModal(open: boolean) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return ref;
}

export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  cancelLabel = 'Cancel',
  danger,
  busy,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useModal(open);
  const titleId = useId();
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      {open && (
        <form
          method="dialog"
          onSubmit={(event) => {
            event.preventDefault();
            onConfirm();
          }}
        >
          <h2 id={titleId}>{title}</h2>
          <div className="dialog-body">{children}</div>
          <div className="dialog-actions">
            <button type="button" onClick={onCancel}>
              {cancelLabel}
            </button>
            <button type="submit" className={danger ? 'danger' : 'primary'} disabled={busy} autoFocus>
              {confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}

/**
 * A confirmation about one item (a row to delete or revoke), open while `item` is set. Confirming
 * closes it first and then acts on that item, so the dialog never waits on the request.
 */
export function ConfirmItemDialog<T>({
  item,
  title,
  confirmLabel,
  onClose,
  onConfirm,
  children,
}: {
  item: T | null;
  title: (item: T) => string;
  confirmLabel: string;
  onClose: () => void;
  onConfirm: (item: T) => void;
  children: (item: T) => ReactNode;
}) {
  return (
    <ConfirmDialog
      open={item !== null}
      title={item === null ? '' : title(item)}
      confirmLabel={confirmLabel}
      danger
      onCancel={onClose}
      onConfirm={() => {
        if (item === null) return;
        onClose();
        onConfirm(item);
      }}
    >
      {item !== null && children(item)}
    </ConfirmDialog>
  );
}

// One shared clock for every countdown and "3 min ago" on screen: a single timer, not one each.
const clockListeners = new Set<() => void>();
let clockNow = Date.now();
let clockTimer: ReturnType<typeof setInterval> | undefined;

function subscribeClock(listener: () => void) {
  clockListeners.add(listener);
  if (!clockTimer) {
    clockTimer = setInterval(() => {
      clockNow = Date.now();
      for (const l of clockListeners) l();
    }, 1000);
  }
  return () => {
    clockListeners.delete(listener);
    if (clockListeners.size === 0) {
      clearInterval(clockTimer);
      clockTimer = undefined;
    }
  };
}

/** The current time, updated every second while a component uses it. */
export function useNow(): number {
  return useSyncExternalStore(subscribeClock, () => clockNow);
}

/** Copies text to the clipboard and says so for a moment. */
export function CopyButton({ text, label: idleLabel = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <button
      type="button"
      onClick={() => {
        navigator.clipboard.writeText(text).then(
          () => setState('copied'),
          () => setState('failed'),
        );
      }}
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select and copy' : idleLabel}
    </button>
  );
}

/** Pretty-printed JSON in a scrollable block. */
export function JsonBlock({ value, label: text }: { value: unknown; label: string }) {
  return (
    <pre className="json" aria-label={text} tabIndex={0}>
      {value === undefined ? '—' : JSON.stringify(value, null, 2)}
    </pre>
  );
}

/** The indicator-type checkboxes of a workflow's settings and of the Generate dialog. */
export function IndicatorTypeChecks({
  value,
  onChange,
  error,
  emptyHint,
  disabled,
}: {
  value: IndicatorType[];
  onChange: (next: IndicatorType[]) => void;
  error?: string;
  emptyHint: string;
  disabled?: boolean;
}) {
  return (
    <fieldset className="field" disabled={disabled}>
      <legend>Indicator types</legend>
      <div className="checks compact">
        {INDICATOR_TYPES.map((type) => (
          <label key={type}>
            <input
              type="checkbox"
              checked={value.includes(type)}
              onChange={(e) => onChange(e.target.checked ? [...value, type] : value.filter((t) => t !== type))}
            />
            {indicatorLabel(type)}
          </label>
        ))}
      </div>
      <p className={error ? 'error-text' : 'hint'}>{error ?? emptyHint}</p>
    </fieldset>
  );
}

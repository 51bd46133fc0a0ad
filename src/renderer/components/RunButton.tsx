// The Run button of the workflow list and the editor.

/**
 * Run, or why not: a workflow that cannot run keeps its button focusable (aria-disabled), so the
 * reason in its title is read out and shown on hover.
 */
export function RunButton({ blocker, onRun }: { blocker: string | null; onRun: () => void }) {
  return (
    <button
      type="button"
      aria-disabled={blocker !== null}
      title={blocker ?? 'Run it with an indicator you choose'}
      onClick={() => {
        if (blocker === null) onRun();
      }}
    >
      Run
    </button>
  );
}

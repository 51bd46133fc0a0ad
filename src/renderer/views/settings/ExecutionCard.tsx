// Execution: pause agent executions, the per-key rate limit and how many runs go at once.
import { useEffect, useState } from 'react';
import { Field } from '../../components/ui.tsx';
import { useSettings } from '../../stores/settings.ts';
import { SaveActions } from './SaveActions.tsx';

export function ExecutionCard() {
  const settings = useSettings((s) => s.settings)!;
  const state = useSettings((s) => s.sections.execution);
  const [paused, setPaused] = useState(settings.execution_paused);
  const [rate, setRate] = useState(String(settings.execute_rate_limit_per_minute));
  const [concurrency, setConcurrency] = useState(String(settings.run_concurrency));
  const [local, setLocal] = useState<Record<string, string>>({});

  useEffect(() => {
    setPaused(settings.execution_paused);
    setRate(String(settings.execute_rate_limit_per_minute));
    setConcurrency(String(settings.run_concurrency));
  }, [settings]);

  const save = () => {
    const errors: Record<string, string> = {};
    const rateValue = Number(rate);
    const concurrencyValue = Number(concurrency);
    if (!Number.isInteger(rateValue) || rateValue < 0 || rateValue > 100_000) {
      errors.execute_rate_limit_per_minute = 'A whole number from 0 (no limit) to 100,000.';
    }
    if (!Number.isInteger(concurrencyValue) || concurrencyValue < 1 || concurrencyValue > 1000) {
      errors.run_concurrency = 'A whole number from 1 to 1,000.';
    }
    setLocal(errors);
    if (Object.keys(errors).length > 0) return;
    void useSettings.getState().saveExecution({
      execution_paused: paused,
      execute_rate_limit_per_minute: rateValue,
      run_concurrency: concurrencyValue,
    });
  };
  const errorFor = (field: string) => local[field] ?? state.fieldErrors[field];

  return (
    <form
      className="card form-grid"
      aria-label="Execution"
      onSubmit={(event) => {
        event.preventDefault();
        save();
      }}
    >
      <h2>Execution</h2>
      <label className="toggle">
        <input type="checkbox" checked={paused} onChange={(e) => setPaused(e.target.checked)} />
        <span>
          <strong>Pause agent executions</strong>
          <span className="hint block">Agents then get 503 EXECUTION_PAUSED and scheduled occurrences are skipped (recorded in the run history); analysts can still run workflows and decide approvals.</span>
        </span>
      </label>
      <Field label="Executions per key per minute" error={errorFor('execute_rate_limit_per_minute')} hint="0 turns the limit off. Callers over it get 429.">
        {(props) => <input {...props} type="number" min={0} max={100000} value={rate} onChange={(e) => setRate(e.target.value)} />}
      </Field>
      <Field label="Runs at once" error={errorFor('run_concurrency')} hint="More runs wait in the queue, in order.">
        {(props) => <input {...props} type="number" min={1} max={1000} value={concurrency} onChange={(e) => setConcurrency(e.target.value)} />}
      </Field>
      <SaveActions state={state} label="Save execution settings" />
    </form>
  );
}

import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  allowedTypes,
  checkRunForm,
  emptyRunForm,
  explainRunError,
  isGated,
  needsConfirmation,
  runBlocker,
  type RunTarget,
} from '../../src/renderer/lib/run-form.ts';
import { useRouter } from '../../src/renderer/stores/router.ts';
import { useRun } from '../../src/renderer/stores/run.ts';
import { apiError, fakeApi, ok } from './helpers.ts';
import { workflow } from './fixtures.ts';

const target = (overrides: Partial<RunTarget> = {}): RunTarget => ({ ...workflow({ state: 'active', indicator_types: ['ip', 'domain'] }), ...overrides });

describe('the Run form', () => {
  it('runs a scheduled workflow without an indicator, and still checks one that is given', () => {
    const scheduled = target({ workflow_type: 'scheduled', indicator_types: [] });
    const form = emptyRunForm(scheduled);
    expect(checkRunForm(scheduled, { ...form, contextJson: '{"days": 1}' })).toEqual({ body: { context: { days: 1 } } });
    expect(checkRunForm(scheduled, { ...form, indicatorType: 'ip', indicatorValue: 'not an ip' })).toHaveProperty('fieldErrors.indicator_value');
    expect(checkRunForm(target(), form)).toHaveProperty('fieldErrors.indicator_value', 'Type the indicator to run the workflow with.');
  });

  it('says why a workflow cannot run', () => {
    expect(runBlocker(target())).toBeNull();
    expect(runBlocker(target({ state: 'draft' }))).toBe('A draft cannot run: activate it first.');
    expect(runBlocker(target({ state: 'inactive' }))).toBe('Inactive: activate it to run it.');
    expect(runBlocker(target({ integration: { name: 'entra', configured: false } }))).toBe(
      'Needs the Microsoft Entra ID integration: set it up under Settings → Integrations.',
    );
    expect(runBlocker(target({ integration: { name: 'okta', configured: true } }))).toBeNull();
  });

  it("offers the workflow's indicator types, or all of them when it names none", () => {
    expect(allowedTypes(target())).toEqual(['ip', 'domain']);
    expect(allowedTypes(target({ indicator_types: [] }))).toHaveLength(8);
    expect(emptyRunForm(target({ indicator_types: ['email'] })).indicatorType).toBe('email');
  });

  it('gates and confirms as the engine would: Always asks for approval; a high-risk run that starts at once is confirmed', () => {
    expect(isGated(target({ approval_mode: 'always' }))).toBe(true);
    // agent_only gates agents, not the analyst.
    expect(isGated(target({ approval_mode: 'agent_only' }))).toBe(false);
    expect(needsConfirmation(target({ approval_mode: 'never', risk_level: 'high' }))).toBe(true);
    expect(needsConfirmation(target({ approval_mode: 'agent_only', risk_level: 'critical' }))).toBe(true);
    expect(needsConfirmation(target({ approval_mode: 'never', risk_level: 'medium' }))).toBe(false);
    // The approval is the confirmation (with its own for high risk).
    expect(needsConfirmation(target({ approval_mode: 'always', risk_level: 'critical' }))).toBe(false);
  });

  it('checks the type, the value and the context JSON before sending, and trims what it sends', () => {
    const form = { indicatorType: 'email' as const, indicatorValue: '  ', contextJson: '{"a":', note: '' };
    const refused = checkRunForm(target(), form);
    expect(refused).toEqual({
      fieldErrors: {
        indicator_type: 'This workflow takes IP, Domain.',
        indicator_value: 'Type the indicator to run the workflow with.',
        context: expect.stringMatching(/^Not valid JSON: /),
      },
    });
    expect(checkRunForm(target(), { indicatorType: 'ip', indicatorValue: ' 192.0.2.1\n', contextJson: ' {"ticket":"INC-1"} ', note: ' why ' })).toEqual({
      body: { indicator_type: 'ip', indicator_value: '192.0.2.1', context: { ticket: 'INC-1' }, reason: 'why' },
    });
    expect(checkRunForm(target(), { indicatorType: 'ip', indicatorValue: '192.0.2.1', contextJson: '', note: '' })).toEqual({
      body: { indicator_type: 'ip', indicator_value: '192.0.2.1' },
    });
    const notAnIp = checkRunForm(target(), { indicatorType: 'ip', indicatorValue: 'hello world', contextJson: '', note: '' });
    expect(notAnIp).toEqual({ fieldErrors: { indicator_value: expect.stringContaining('is not a valid ip indicator (rule ip-address)') } });
  });

  it('puts the API refusals where they belong, in words', () => {
    const t = target({ name: 'Suspend user' });
    expect(
      explainRunError(
        apiError(422, 'VALIDATION_ERROR', 'The request is not valid: 1 problem(s).', {
          problems: [{ field: 'body.indicator_value', message: '"not-an-ip" is not an IPv4 or IPv6 address' }],
        }),
        t,
      ),
    ).toEqual({ message: null, fieldErrors: { indicator_value: '"not-an-ip" is not an IPv4 or IPv6 address' }, settingsLink: false });
    expect(explainRunError(apiError(422, 'VALIDATION_ERROR', 'Too deep.', { problems: [{ field: 'body.context', message: 'nested deeper than 64 levels' }] }), t).fieldErrors).toEqual({
      context: 'nested deeper than 64 levels',
    });
    expect(explainRunError(apiError(400, 'INDICATOR_TYPE_NOT_SUPPORTED', 'accepts ip, not url'), t).fieldErrors).toEqual({ indicator_type: 'accepts ip, not url' });
    expect(explainRunError(apiError(400, 'WORKFLOW_NOT_EXECUTABLE', 'The workflow "Suspend user" is draft; only active workflows can be executed.'), t).message).toBe(
      'The workflow "Suspend user" is draft; only active workflows can be executed. Activate it, then run it.',
    );
    expect(explainRunError(apiError(400, 'INTEGRATION_NOT_CONFIGURED', 'PUT /v1/integrations/okta', { integration: 'okta' }), t)).toEqual({
      message: '“Suspend user” needs the Okta integration, which is not configured yet. Nothing was run.',
      fieldErrors: {},
      settingsLink: true,
    });
    expect(
      explainRunError(
        apiError(503, 'QUEUE_FULL', 'Vigil has 2000 runs waiting, its limit (2000); nothing was queued. Retry later.', { retry_after_seconds: 12 }),
        t,
      ).message,
    ).toBe('Vigil has 2000 runs waiting, its limit (2000); nothing was queued. Try again in 12 s.');
    expect(explainRunError(apiError(0, 'NETWORK_ERROR', 'Vigil is not reachable.'), t).message).toBe(
      'Vigil is not reachable. Sending again is safe: the same request is never queued twice.',
    );
  });
});

describe('running from the console', () => {
  const navigate = vi.fn();
  beforeEach(() => {
    navigate.mockReset();
    useRouter.setState({ navigate, route: { view: 'workflows' } });
    useRun.setState({ followApproval: null });
  });

  it('opens a queued run in the Runs view', async () => {
    const { calls } = fakeApi({ 'workflows.execute': () => ok({ status: 'queued', run_uuid: 'r-1' }) });
    const t = target({ approval_mode: 'never' });
    useRun.getState().open(t);
    useRun.getState().setForm({ indicatorValue: '192.0.2.1', note: 'checked' });
    await useRun.getState().submit();
    expect(calls[0]).toEqual(['workflows.execute', [t.uuid, { indicator_type: 'ip', indicator_value: '192.0.2.1', reason: 'checked' }, expect.stringMatching(/^console-[0-9a-f]{32}$/)]]);
    expect(useRun.getState().target).toBeNull();
    expect(navigate).toHaveBeenCalledWith({ view: 'runs', uuid: 'r-1' });
  });

  it('takes a request that waits for approval to the Approvals view and follows it', async () => {
    fakeApi({ 'workflows.execute': () => ok({ status: 'pending_approval', approval_request_uuid: 'a-1', expires_at: '2026-11-22T13:00:00Z' }) });
    useRun.getState().open(target({ approval_mode: 'always', risk_level: 'critical' }));
    useRun.getState().setForm({ indicatorValue: '192.0.2.1' });
    await useRun.getState().submit();
    expect(useRun.getState().confirming).toBeNull();
    expect(useRun.getState().followApproval).toBe('a-1');
    expect(navigate).toHaveBeenCalledWith({ view: 'approvals', uuid: 'a-1' });
  });

  it('asks before starting a high-risk run, and retries with the same idempotency key', async () => {
    let attempt = 0;
    const { calls } = fakeApi({
      'workflows.execute': () => {
        if (++attempt === 1) throw apiError(0, 'NETWORK_ERROR', 'Vigil is not reachable.');
        return ok({ status: 'queued', run_uuid: 'r-2' });
      },
    });
    useRun.getState().open(target({ approval_mode: 'never', risk_level: 'high' }));
    useRun.getState().setForm({ indicatorValue: '192.0.2.1' });
    await useRun.getState().submit();
    expect(calls).toHaveLength(0);
    expect(useRun.getState().confirming).toEqual({ indicator_type: 'ip', indicator_value: '192.0.2.1' });
    await useRun.getState().confirm();
    expect(useRun.getState().error).toMatch(/Sending again is safe/);
    await useRun.getState().submit();
    await useRun.getState().confirm();
    expect(calls).toHaveLength(2);
    expect(calls[1]![1][2]).toBe(calls[0]![1][2]);
    expect(navigate).toHaveBeenCalledWith({ view: 'runs', uuid: 'r-2' });
  });

  it('stops following the approval once the analyst goes elsewhere', () => {
    useRun.setState({ followApproval: 'a-9' });
    useRouter.setState({ route: { view: 'approvals', uuid: 'a-9' } });
    expect(useRun.getState().followApproval).toBe('a-9');
    useRouter.setState({ route: { view: 'runs' } });
    expect(useRun.getState().followApproval).toBeNull();
  });
});

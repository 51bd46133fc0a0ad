import { beforeEach, describe, expect, it } from 'vitest';
import { placeApproval, sortPending, useApprovals } from '../../src/renderer/stores/approvals.ts';
import { apiError, fakeApi, ok } from './helpers.ts';
import { approval } from './fixtures.ts';

describe('approvals', () => {
  beforeEach(() => {
    useApprovals.setState({ pending: [], history: [], historyTotal: 0, loaded: false, deciding: {}, decideErrors: {} });
  });

  it('queues pending requests soonest expiry first and moves decided ones to the history once', () => {
    const late = approval({ expires_at: '2026-11-22T14:00:00.000Z' });
    const soon = approval({ expires_at: '2026-11-22T12:30:00.000Z' });
    expect(sortPending([late, soon]).map((a) => a.uuid)).toEqual([soon.uuid, late.uuid]);
    const placed = placeApproval([soon, late], [], { ...soon, status: 'approved', decided_at: '2026-11-22T12:10:00.000Z' });
    expect(placed.pending.map((a) => a.uuid)).toEqual([late.uuid]);
    expect(placed.history.map((a) => a.uuid)).toEqual([soon.uuid]);
    expect(placed.historyDelta).toBe(1);
    const again = placeApproval(placed.pending, placed.history, { ...soon, status: 'approved' });
    expect(again.history).toHaveLength(1);
    expect(again.historyDelta).toBe(0);
  });

  it('approves with the reason given and shows the result', async () => {
    const pending = approval();
    const { calls } = fakeApi({
      'approvals.list': (q: { status: string }) => ok(q.status === 'pending' ? [pending] : [], { total: q.status === 'pending' ? 1 : 0 }),
      'approvals.decide': () => ok({ ...pending, status: 'approved', responder: 'me', decided_at: '2026-11-22T12:01:00.000Z' }),
    });
    await useApprovals.getState().load();
    expect(await useApprovals.getState().decide(pending.uuid, 'approve', '  looks right  ')).toBe(true);
    expect(calls.find(([name]) => name === 'approvals.decide')![1]).toEqual([pending.uuid, 'approve', 'looks right']);
    expect(useApprovals.getState().pending).toEqual([]);
    expect(useApprovals.getState().history[0]!.status).toBe('approved');
    expect(useApprovals.getState().historyTotal).toBe(1);
  });

  it('says who decided first when the decision lost a race', async () => {
    const pending = approval();
    fakeApi({
      'approvals.list': (q: { status: string }) => ok(q.status === 'pending' ? [pending] : [], { total: 0 }),
      'approvals.decide': () => {
        throw apiError(409, 'APPROVAL_ALREADY_DECIDED', 'This request was already decided.');
      },
      'approvals.get': () => ok({ ...pending, status: 'rejected', responder: 'slack:U123' }),
    });
    await useApprovals.getState().load();
    expect(await useApprovals.getState().decide(pending.uuid, 'approve')).toBe(false);
    expect(useApprovals.getState().decideErrors[pending.uuid]).toBe('This request was already decided. It was rejected by slack:U123.');
    expect(useApprovals.getState().pending).toEqual([]);
  });
});

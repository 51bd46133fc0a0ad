// Approval requests: listing them, reading one, deciding (src/main/engine/api/routes/approvals.ts;
// the view is src/main/engine/approvals/views.ts). The decide page and Slack's callback are not JSON.
import { Type, type Static } from 'typebox';
import { APPROVAL_STATUSES, RISK_LEVELS, RUN_STATUSES } from '../domain.ts';
import { AnyJson, Closed, DateTime, Enum, Nullable, PageQuery, StatusList, Uuid } from './common.ts';
import { requestFields } from './runs.ts';
import { WorkflowWarning } from './workflows.ts';

export const ApprovalListQuery = Closed({
  ...PageQuery,
  status: Type.Optional(StatusList(APPROVAL_STATUSES)),
  workflow_uuid: Type.Optional(Uuid),
});
export type ApprovalListQuery = Static<typeof ApprovalListQuery>;

export const DecisionBody = Type.Union([Closed({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }), Type.Null()]);
export type DecisionBody = Static<typeof DecisionBody>;

export const Approval = Type.Object({
  uuid: Uuid,
  workflow_uuid: Uuid,
  workflow_name: Type.String(),
  workflow_version: Type.Integer({ description: 'The version the request pins: an approved run runs exactly this.' }),
  risk_level: Enum(RISK_LEVELS),
  ...requestFields,
  status: Enum(APPROVAL_STATUSES),
  responder: Nullable(Type.String(), { description: 'Who decided.' }),
  decision_reason: Nullable(Type.String()),
  decided_at: Nullable(DateTime()),
  created_at: DateTime(),
  expires_at: DateTime(),
  notifier_info: Type.Array(AnyJson(), { description: 'Where the request was announced (Slack, Teams, desktop) and how that went.' }),
  scheduled_for: Nullable(DateTime(), { description: 'A scheduled request\'s occurrence.' }),
  run: Nullable(Type.Object({ uuid: Uuid, status: Nullable(Enum(RUN_STATUSES)) }), { description: 'The run an approval queued.' }),
  warnings: Type.Array(WorkflowWarning, { description: 'Pending requests: why the run would fail if approved now.' }),
});
export type Approval = Static<typeof Approval>;

// The shapes the console reads from and sends to REST v1: the Static<> types of the API's own
// schemas (src/shared/api), so the console and the engine cannot disagree. Only what is the
// console's own (the editor's draft, the events it follows) is declared here.
import type { Static } from 'typebox';
import type {
  ExecuteAccepted,
  ExecuteBody,
  LintProblem,
  NotifierSettingsUpdate,
  NotifierTestResult as NotifierTestResultSchema,
  NotifierView as NotifierViewSchema,
  Problem,
  Run,
  TestBody,
  TestReport,
  Workflow,
  WorkflowWarning as WorkflowWarningSchema,
} from '../../shared/api/index.ts';
import type { EventType, WorkflowDefaults } from '../../shared/domain.ts';

export type {
  ApprovalMode,
  ApprovalStatus,
  EventType,
  IndicatorType,
  KeyType,
  RiskLevel,
  RunStatus,
  Scope,
  TriggerType,
  WorkflowKind,
  WorkflowState,
  WorkflowType,
} from '../../shared/domain.ts';
export type { IntegrationName } from '../../shared/integrations.ts';
export type {
  CheckState,
  GenerateProgress,
  GenerateRequest,
  GenerateResult,
  GenerationProblem,
  LlmProviderName,
  LlmSettingsUpdate,
  LlmSettingsView,
  ProgressStage,
  SuggestedTestInput,
} from '../../shared/llm.ts';
export { PROGRESS_STAGES } from '../../shared/llm.ts';
export type {
  ApiKey,
  Approval,
  ConnectionTest,
  CreatedApiKey,
  EntraUpdate,
  EntraView,
  Envelope,
  ImportPlan,
  ImportPlanItem,
  ImportProblem,
  IntegrationView,
  KeychainStatus,
  LastRun,
  ListMeta,
  OktaUpdate,
  OktaView,
  Run,
  RunDetail,
  RunLogEntry,
  RunStep,
  Secret,
  Settings,
  SettingsPatch,
  TestHttpCall,
  Workflow,
  WorkflowListItem,
  WorkflowMocks,
  WorkflowVersion,
  WorkflowVersionSummary,
} from '../../shared/api/index.ts';

export type WorkflowWarning = Static<typeof WorkflowWarningSchema>;
export type RunInput = Run['input'];
export type WorkflowResult = NonNullable<Run['result']>;
export type KeyRef = NonNullable<Run['trigger_key']>;

/** The fields an analyst edits; what the editor's draft holds (its state is changed on its own). */
export type WorkflowFields = Omit<WorkflowDefaults, 'state'> & Pick<Workflow, 'name' | 'code'>;

/** A test run's report (POST /v1/workflows/test, /v1/workflows/{uuid}/test). */
export type TestResult = TestReport;
export type TestRequest = TestBody;
/** POST /v1/workflows/{uuid}/execute (the trigger is the key's type). */
export type ExecuteRequest = ExecuteBody;
/** The 202 answer: queued at once, or waiting behind the approval gate. */
export type ExecuteAnswer = ExecuteAccepted;
/** A lint or type problem (type errors carry `source: 'typescript'`). */
export type LintProblemView = LintProblem;
/** A 422 problem: which request field, and what is wrong with it. */
export type FieldProblem = Problem;

export type NotifierView = Static<typeof NotifierViewSchema>;
/** PUT /v1/settings/notifiers: fields left out keep their value; a secret set to null is removed. */
export type NotifierUpdate = NotifierSettingsUpdate;
export type NotifierTestResult = Static<typeof NotifierTestResultSchema>;


/** One event of GET /v1/events (text/event-stream): its id, its type and what it says. */
export interface VigilEvent {
  id: number;
  type: EventType | string;
  data: Record<string, unknown> & { at?: string };
}

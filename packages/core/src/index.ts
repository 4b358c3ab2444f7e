export type { ContentFilter, FilterCondition, FilterOperator } from './content-filter.js';
export {
  contentFilterSchema,
  FILTER_OPERATORS,
  filterInWords,
  MAX_FILTER_CONDITIONS,
  passesFilter,
} from './content-filter.js';
export type { ValidationIssue } from './errors.js';
export { HeraldError, issuesFromZod, ValidationError } from './errors.js';
export type { EventData, EventType, EventTypeInfo } from './events/catalogue.js';
export {
  categoryOf,
  DIRECT_EVENT_TYPES,
  describeEventTypes,
  EVENT_CATALOGUE,
  EVENT_TYPES,
  isAlertType,
  isDirectEventType,
  isEventType,
  isTeamWideType,
  TEAM_WIDE_CATEGORIES,
} from './events/catalogue.js';
export type { HeraldEvent, InvalidEventReason } from './events/envelope.js';
export {
  decodeEvent,
  InvalidEventError,
  MAX_EVENT_BYTES,
  parseEvent,
  TEAM_SCOPE,
} from './events/envelope.js';
export { exampleEvent, exampleEvents } from './events/examples.js';
export type { EventSummary, Severity, SummaryField } from './events/summary.js';
export { describeEventPatterns, describeProjects, summarize } from './events/summary.js';
export { deliveryIdFor, isSafeToken, newId, SAFE_TOKEN } from './ids.js';
export type { Integration, IntegrationState, Mismatch } from './integration.js';
export {
  eventPatternSchema,
  INTEGRATION_STATES,
  integrationSchema,
  matches,
  mismatchOf,
  patternMatches,
} from './integration.js';
export type {
  DisableCause,
  HealthPolicy,
  HealthTransition,
  IntegrationMachineContext,
  IntegrationMachineEmitted,
  IntegrationMachineEvent,
  IntegrationMachineInput,
  IntegrationMachineSnapshot,
} from './machine/integration-machine.js';
export {
  allowedInFlight,
  DEFAULT_HEALTH_POLICY,
  integrationMachine,
  MAX_HISTORY_ENTRIES,
  stateOf,
} from './machine/integration-machine.js';
export { isOrderedAt, mayBeOrdered, ORDERED_SWITCH_GRACE_MS, switchOrdering } from './ordering.js';
export type { DeliveryPolicy } from './policy.js';
export {
  DEFAULT_DELIVERY_POLICY,
  DEFAULT_RATE_LIMIT_WAIT_MS,
  DEFAULT_RETRY_SCHEDULE_MS,
  parseDuration,
  parseRetryAfter,
  parseRetrySchedule,
  rateLimitDelayMs,
  retryDelayMs,
} from './policy.js';
export type {
  AuthorizeInput,
  ConnectFlow,
  ConnectionRow,
  ConnectionView,
  ConnectPresentation,
  ConnectSettings,
  DisconnectInput,
  ExchangeInput,
  ExchangeResult,
  SetupHttp,
  SetupHttpResult,
} from './provider/connect.js';
export { CONNECT_ENV_NAME, defineConnectFlow } from './provider/connect.js';
export type {
  AnyProvider,
  DeliverContext,
  DeliveringProvider,
  HttpProvider,
  HttpRequestSpec,
  HttpResponseInfo,
  Notification,
  Outcome,
  Provider,
  RateLimit,
} from './provider/contract.js';
export {
  assertProvider,
  defineProvider,
  isHttpProvider,
  ProviderContractError,
} from './provider/contract.js';
export type { HttpReading, ReasonSuffixes, StatusClass } from './provider/http-outcome.js';
export {
  classifyStatus,
  DEFAULT_REASON_SUFFIXES,
  interpretHttp,
  retryAfterOf,
  retryOutcome,
} from './provider/http-outcome.js';
export type { NotificationInput } from './provider/notification.js';
export { buildNotification, DEFAULT_HEADER_PREFIX, truncate } from './provider/notification.js';
export { maskSecretUrl, SECRET_MASK, secretWebhookUrl } from './provider/secret-url.js';
export { eventMsgId, publishEvent } from './publish.js';
export type { ParsedEventSubject } from './subjects.js';
export {
  DELIVERIES_PREFIX,
  DELIVERIES_STREAM,
  DELIVERY_LOG_STREAM,
  DLQ_ERROR_HEADER,
  DLQ_PREFIX,
  DLQ_SOURCE_SUBJECT_HEADER,
  DLQ_STREAM,
  deliverySubject,
  dlqSubject,
  EVENTS_PREFIX,
  EVENTS_STREAM,
  eventSubject,
  eventTypeToTokens,
  PARKED_PREFIX,
  PARKED_STREAM,
  parkedSubject,
  parseEventSubject,
  partitionOf,
  SubjectError,
} from './subjects.js';
export { MAX_CACHED_TEMPLATES, TemplateCache } from './template/cache.js';
export type { CompiledTemplate, TemplatePosition, TemplateStage } from './template/engine.js';
export {
  compileTemplate,
  MAX_TEMPLATE_CHARS,
  TEMPLATE_MEMORY_LIMIT_UNITS,
  TEMPLATE_RENDER_LIMIT_MS,
  TemplateError,
} from './template/engine.js';
export type {
  CompiledMessage,
  MessageTemplate,
  RenderedMessage,
  TemplateData,
  TemplateField,
  TemplateIntegration,
} from './template/message-template.js';
export {
  compileMessage,
  MAX_RENDERED_BODY_BYTES,
  messageTemplateSchema,
  renderMessage,
  renderMessageFor,
  TEMPLATE_FIELDS,
  templateData,
} from './template/message-template.js';
export { controlCharacterProblem } from './text.js';

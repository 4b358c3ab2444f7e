export type { ConformanceOptions, ExpectedOutcome } from './conformance.js';
export {
  conformanceNotification,
  DEFAULT_STATUS_TABLE,
  GOLDEN_EVENT_TYPES,
  inflateEvent,
  runProviderConformance,
} from './conformance.js';
export type { ConnectConformanceOptions } from './connect-conformance.js';
export { runConnectConformance } from './connect-conformance.js';
export type { ClusterNode, TestNatsCluster } from './nats-cluster.js';
export { startNatsCluster } from './nats-cluster.js';
export type { StartNatsOptions, TestNats } from './nats-server.js';
export { freePort, startNats } from './nats-server.js';
export type { TemplateConformanceOptions } from './template-conformance.js';
export { CONFORMANCE_TEMPLATES, TEMPLATE_MARK } from './template-conformance.js';

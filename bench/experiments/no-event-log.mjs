// Experiment (--runner-node-arg=--import=./bench/experiments/no-event-log.mjs): the runner
// without events-log writes (KvEventLog.record stores nothing). Not a proposal: it tells
// the record's write path (batch, KV write, index) from the router's own work for it
// (matching with reasons, building the record, the ack waiting for it).
const { KvEventLog } = await import('../../packages/runner/dist/store/event-log.js');

const stored = Promise.resolve({ listed: Promise.resolve() });
KvEventLog.prototype.record = function recordSkipped() {
  return stored;
};

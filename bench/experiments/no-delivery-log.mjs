// Experiment (--runner-node-arg=--import=./bench/experiments/no-delivery-log.mjs): the runner
// without delivery-log writes (KvDeliveryLog.save does nothing). Not a proposal: it prices
// what the log's writes per delivery cost, an upper bound of what merging or batching them
// (packages/runner/src/store/delivery-log.ts) can save.
const { KvDeliveryLog } = await import('../../packages/runner/dist/store/delivery-log.js');

KvDeliveryLog.prototype.save = async function saveSkipped() {
  return { indexed: Promise.resolve() };
};

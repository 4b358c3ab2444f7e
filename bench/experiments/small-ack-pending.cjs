// Experiment (--runner-node-arg=--require=./bench/experiments/small-ack-pending.cjs): the delivery
// consumers created with a small max_ack_pending (BENCH_MAX_ACK_PENDING, default 512) instead of
// packages/runner/src/delivery/worker.ts MAX_ACK_PENDING = 20 000 per partition, so a backlog stays
// in JetStream instead of the runner's heap (and lanes stop nak-ing what they cannot hold).
const { createRequire } = require('node:module');
const path = require('node:path');

const fromRunner = createRequire(path.join(__dirname, '../../packages/runner/package.json'));
const jsmconsumer = createRequire(fromRunner.resolve('@nats-io/jetstream'))('./jsmconsumer_api.js');
const limit = Number(process.env.BENCH_MAX_ACK_PENDING ?? 512);
const add = jsmconsumer.ConsumerAPIImpl.prototype.add;
jsmconsumer.ConsumerAPIImpl.prototype.add = function addWithSmallAckPending(stream, cfg, opts) {
  if (cfg?.durable_name?.startsWith('herald-deliveries-')) cfg = { ...cfg, max_ack_pending: limit };
  return add.call(this, stream, cfg, opts);
};

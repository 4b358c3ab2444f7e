// Experiment (preload into the runner with --runner-node-arg=--require=./bench/experiments/nats-no-async-traces.cjs):
// what the runner gains from connecting with `noAsyncTraces: true` (packages/runner/src/service.ts,
// `connect({...})`). With async traces on (the default) nats.js builds a RequestError and a
// TimeoutError, each capturing a stack, for every request — every JetStream publish and KV write.
const { createRequire } = require('node:module');
const path = require('node:path');

const fromRunner = createRequire(path.join(__dirname, '../../packages/runner/package.json'));
const fromTransport = createRequire(fromRunner.resolve('@nats-io/transport-node'));
const { NatsConnectionImpl } = fromTransport('@nats-io/nats-core/internal');
const connect = NatsConnectionImpl.connect;
NatsConnectionImpl.connect = function connectWithoutAsyncTraces(opts = {}) {
  return connect.call(this, { ...opts, noAsyncTraces: true });
};

// Experiment (--runner-node-arg=--require=./bench/experiments/undici-connections.cjs): the runner's
// HttpSender with more connections per origin than its default 64
// (packages/runner/src/delivery/http-sender.ts, `new Agent({ connections: options.connections ?? 64 })`).
// Hanging endpoints hold connections until the timeout; when they share an origin with
// healthy ones (in the bench every integration posts to the same sink), the healthy ones
// queue behind them. BENCH_UNDICI_CONNECTIONS sets the number (default 256 = HERALD_MAX_IN_FLIGHT).
const { createRequire } = require('node:module');
const path = require('node:path');

const undici = createRequire(path.join(__dirname, '../../packages/runner/package.json'))('undici');
const connections = Number(process.env.BENCH_UNDICI_CONNECTIONS ?? 256);
const Agent = undici.Agent;
undici.Agent = class MoreConnectionsAgent extends Agent {
  constructor(options = {}) {
    super({ ...options, connections });
  }
};

// Experiment (--runner-node-arg=--require=./bench/experiments/nats-cork.cjs): nats.js writes
// its outbound buffer to the socket on a microtask, so at high rates nearly every publish
// and ack is its own write(2) — on both sides of the socket. This corks the socket on
// the first write of an event-loop turn and uncorks it in setImmediate: one writev per turn.
const { createRequire } = require('node:module');
const path = require('node:path');

const fromRunner = createRequire(path.join(__dirname, '../../packages/runner/package.json'));
const transportMain = fromRunner.resolve('@nats-io/transport-node');
const { NodeTransport } = require(path.join(path.dirname(transportMain), 'lib', 'node_transport.js'));
const send = NodeTransport.prototype.send;
NodeTransport.prototype.send = function corkedSend(frame) {
  const socket = this.socket;
  if (socket && !this.isClosed && !this.heraldCorked) {
    this.heraldCorked = true;
    socket.cork();
    setImmediate(() => {
      this.heraldCorked = false;
      socket.uncork();
    });
  }
  return send.call(this, frame);
};

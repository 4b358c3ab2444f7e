// The HTTP sink: a separate process (forked by the harness, controlled over IPC) that
// answers 200 at once and records, per request, the arrival time, the event id and the
// integration id from Herald's identity headers. Paths told to hang get no answer until
// the client gives up (the runner's timeout) or the harness releases them.
import http from 'node:http';

const EVENT_ID = 'x-herald-notification-integration-event-id';
const INTEGRATION_ID = 'x-herald-notification-integration-id';
const now = () => performance.timeOrigin + performance.now();

let times = [];
let eventIds = [];
let integrationIds = [];
let seen = new Set();
let duplicates = 0;
let hangPaths = new Set();
const hanging = new Set();
let hungTotal = 0;
let hungAborted = 0;

const server = http.createServer((req, res) => {
  const t = now();
  if (hangPaths.size > 0 && hangPaths.has(req.url)) {
    hungTotal++;
    hanging.add(res);
    req.resume();
    res.once('close', () => {
      if (hanging.delete(res)) hungAborted++;
    });
    return;
  }
  const eventId = req.headers[EVENT_ID] ?? '';
  const integrationId = req.headers[INTEGRATION_ID] ?? req.url;
  const key = `${eventId}|${integrationId}`;
  if (seen.has(key)) duplicates++;
  else {
    seen.add(key);
    times.push(t);
    eventIds.push(eventId);
    integrationIds.push(integrationId);
  }
  req.resume();
  res.writeHead(200, { 'content-length': '0' });
  res.end();
});
// Keep connections open longer than the runner's keep-alive (30 s), so the sink never
// closes one under a client that is about to reuse it.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.requestTimeout = 0;
server.maxRequestsPerSocket = 0;

function release() {
  for (const res of hanging) res.destroy();
  hanging.clear();
}

const handlers = {
  reset() {
    times = [];
    eventIds = [];
    integrationIds = [];
    seen = new Set();
    duplicates = 0;
    hungTotal = 0;
    hungAborted = 0;
    return {};
  },
  hang({ paths }) {
    hangPaths = new Set(paths);
    if (hangPaths.size === 0) release();
    return {};
  },
  count() {
    return { unique: times.length, duplicates, hungTotal, hungAborted, hangingNow: hanging.size };
  },
  // First arrivals in order, from index `from` on.
  dump({ from = 0 }) {
    return {
      times: times.slice(from),
      eventIds: eventIds.slice(from),
      integrationIds: integrationIds.slice(from),
    };
  },
  stop() {
    release();
    server.close();
    setTimeout(() => process.exit(0), 50).unref();
    return {};
  },
};

process.on('message', (msg) => {
  const handler = handlers[msg.cmd];
  const reply = handler ? handler(msg) : { error: `unknown command ${msg.cmd}` };
  process.send({ id: msg.id, ...reply });
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => process.send({ ready: true, port: server.address().port }));

// The HTTP sink: a separate process (forked by the harness, controlled over IPC) that
// answers 200 at once and records, per request, the arrival time, the event id and the
// integration id from Herald's identity headers. Paths told to hang get no answer until
// the client gives up (the runner's timeout) or the harness releases them. Paths given a
// behaviour (`behave`) answer as a broken or hostile endpoint would, and only their request
// count is recorded. `listen(n)` opens n more ports served the same way, so endpoints can
// have origins of their own (the runner's HTTP pool is per origin).
import http from 'node:http';

const EVENT_ID = 'x-herald-notification-integration-event-id';
const INTEGRATION_ID = 'x-herald-notification-integration-id';
const now = () => performance.timeOrigin + performance.now();
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

let times = [];
let eventIds = [];
let integrationIds = [];
let seen = new Set();
let duplicates = 0;
let hangPaths = new Set();
const hanging = new Set();
let hungTotal = 0;
let hungAborted = 0;
/** path → behaviour (see `answer`); requests to those paths are counted per path, not recorded. */
let behaviours = new Map();
/** path → { requests, firstAt, lastAt, at: [arrival times] } */
let pathStats = new Map();
/** Responses a behaviour keeps open (hang, slow or large body, late answer): ended on `behave`/`reset`. */
const held = new Set();
const extraServers = [];

/** How a path with a behaviour answers. Every kind ends (or is destroyed) when the client goes. */
function answer(b, req, res) {
  const hold = (cleanup) => {
    held.add(res);
    res.once('close', () => {
      held.delete(res);
      cleanup?.();
    });
  };
  switch (b.kind) {
    case 'status': {
      const body = Buffer.from(b.body ?? '');
      res.writeHead(b.status, { ...b.headers, 'content-length': String(body.length) });
      res.end(body);
      return;
    }
    case 'hang': // accepts the request, never sends a byte back
      hold();
      return;
    case 'delay': {
      // answers `status` (200) after `ms`
      const timer = setTimeout(() => {
        res.writeHead(b.status ?? 200, { 'content-length': '0' });
        res.end();
      }, b.ms);
      hold(() => clearTimeout(timer));
      return;
    }
    case 'slowBody': {
      // 200 and headers at once, then one byte every `everyMs`, never ending
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
      const timer = setInterval(() => res.write(' '), b.everyMs ?? 1_000);
      hold(() => clearInterval(timer));
      return;
    }
    case 'largeBody': {
      // 200 with a body of `bytes`, written as fast as the client reads it
      let left = b.bytes;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(left) });
      const pump = () => {
        while (left > 0 && !res.destroyed) {
          const n = Math.min(left, CHUNK.length);
          left -= n;
          if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) return;
        }
        if (left === 0) res.end();
      };
      res.on('drain', pump);
      hold();
      pump();
      return;
    }
    case 'reset': // TCP RST instead of an answer
      req.socket.resetAndDestroy();
      return;
    case 'garbage': // bytes that are not HTTP, then the connection closes
      req.socket.end('SSH-2.0-OpenSSH_9.2\r\n\u0000\u0001\u0002 not http at all\r\n\r\n');
      return;
    default:
      res.writeHead(500, { 'content-length': '0' });
      res.end();
  }
}

function onRequest(req, res) {
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
  const behaviour = behaviours.size > 0 ? behaviours.get(req.url) : undefined;
  if (behaviour) {
    let s = pathStats.get(req.url);
    if (!s) {
      s = { requests: 0, firstAt: t, lastAt: t, at: [] };
      pathStats.set(req.url, s);
    }
    s.requests++;
    s.lastAt = t;
    s.at.push(t);
    req.resume();
    answer(behaviour, req, res);
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
}

function createSinkServer() {
  const s = http.createServer(onRequest);
  // Keep connections open longer than the runner's keep-alive (30 s), so the sink never
  // closes one under a client that is about to reuse it.
  s.keepAliveTimeout = 65_000;
  s.headersTimeout = 66_000;
  s.requestTimeout = 0;
  s.maxRequestsPerSocket = 0;
  // A reset or garbage answer leaves the socket in a state node:http complains about.
  s.on('clientError', (_err, socket) => socket.destroy());
  return s;
}

const server = createSinkServer();

function release() {
  for (const res of hanging) res.destroy();
  hanging.clear();
}

function releaseHeld() {
  for (const res of held) res.destroy();
  held.clear();
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
    behaviours = new Map();
    pathStats = new Map();
    releaseHeld();
    for (const s of extraServers.splice(0)) {
      s.close();
      s.closeAllConnections();
    }
    return {};
  },
  hang({ paths }) {
    hangPaths = new Set(paths);
    if (hangPaths.size === 0) release();
    return {};
  },
  /** Sets the behaviour of each path (replacing all); `{}` ends what the previous ones hold open. */
  behave({ paths }) {
    behaviours = new Map(Object.entries(paths));
    if (behaviours.size === 0) releaseHeld();
    return {};
  },
  /** Requests per behaviour path so far; with `times`, their arrival times too. */
  pathStats({ times: withTimes = false }) {
    const out = {};
    for (const [path, s] of pathStats)
      out[path] = {
        requests: s.requests,
        firstAt: s.firstAt,
        lastAt: s.lastAt,
        ...(withTimes ? { at: s.at } : {}),
      };
    return { paths: out, heldNow: held.size };
  },
  async listen({ count }) {
    const ports = [];
    for (let i = 0; i < count; i++) {
      const s = createSinkServer();
      await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
      extraServers.push(s);
      ports.push(s.address().port);
    }
    return { ports };
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
    releaseHeld();
    server.close();
    setTimeout(() => process.exit(0), 50).unref();
    return {};
  },
};

process.on('message', async (msg) => {
  const handler = handlers[msg.cmd];
  const reply = handler ? await handler(msg) : { error: `unknown command ${msg.cmd}` };
  process.send({ id: msg.id, ...reply });
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => process.send({ ready: true, port: server.address().port }));

// Everything the harness imports from the workspace: built dist files by relative path,
// third-party packages resolved from the runner package (bench/ is not a workspace package).
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RUNNER_CLI = fileURLToPath(new URL('../../packages/runner/dist/cli.js', import.meta.url));

const require = createRequire(new URL('../../packages/runner/package.json', import.meta.url));
const load = (specifier) => import(pathToFileURL(require.resolve(specifier)).href);

export const natsTransport = await load('@nats-io/transport-node');
export const natsJetStream = await load('@nats-io/jetstream');
export const natsKv = await load('@nats-io/kv');
export const undici = await load('undici');

export const core = await import('../../packages/core/dist/index.js');
export const { provision } = await import('../../packages/runner/dist/nats/provision.js');
export const { loadConfig } = await import('../../packages/runner/dist/config/config.js');
export const { KvDeliveryLog } = await import('../../packages/runner/dist/store/delivery-log.js');
export const { AckedPublisher } = await import('../../packages/runner/dist/nats/acked-publisher.js');

/** A monotonic wall-clock time in ms with sub-ms resolution, comparable across processes. */
export const now = () => performance.timeOrigin + performance.now();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const { KvEventLog } = await import('../../packages/runner/dist/store/event-log.js');

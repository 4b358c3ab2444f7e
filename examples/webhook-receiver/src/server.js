// Runs the example receiver: `PORT=3000 HERALD_WEBHOOK_PUBLIC_KEYS=whpk_… node src/server.js`.
import { createReceiver, WEBHOOK_PATH } from './receiver.js';

const DEFAULT_PORT = 3000;

const port = Number(process.env.PORT ?? DEFAULT_PORT);
// Loopback by default: set HOST=0.0.0.0 to accept requests from other machines or containers.
const host = process.env.HOST ?? '127.0.0.1';
const token = process.env.HERALD_WEBHOOK_TOKEN || undefined;
/** A comma-separated environment variable as a list. */
const listOf = (value) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
const secrets = listOf(process.env.HERALD_WEBHOOK_SECRETS);
const publicKeys = listOf(process.env.HERALD_WEBHOOK_PUBLIC_KEYS);

let receiver;
try {
  receiver = createReceiver({
    token,
    secrets,
    publicKeys,
    headerPrefix: process.env.HERALD_HEADER_PREFIX || undefined,
    log: (line) => console.log(`${new Date().toISOString()} ${line}`),
  });
} catch (err) {
  // The message never contains a secret (the provider's errors are written that way).
  console.error(`webhook-receiver: ${err.message}`);
  process.exit(1);
}

const url = await receiver.listen(port, host);
const checks = [
  token ? 'token' : null,
  secrets.length > 0 ? `${secrets.length} signing secret(s)` : null,
  publicKeys.length > 0 ? `${publicKeys.length} public key(s)` : null,
];
console.log(
  `Receiving Herald webhooks at ${url}${WEBHOOK_PATH} (verifying ${checks.filter(Boolean).join(' and ')})`,
);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    receiver.close().then(() => process.exit(0));
  });
}

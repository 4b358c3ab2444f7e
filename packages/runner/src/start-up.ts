import type { Logger } from 'pino';
import { type ComposedHerald, wire } from './composition.js';
import type { HeraldConfig } from './config/config.js';
import { hostConnectFlows } from './connect/flows.js';
import { Metrics } from './metrics.js';
import { connectNats, logConnectionChanges, openJetStream } from './nats/connect.js';
import { deliveriesRetentionWarning } from './nats/provision.js';
import { installWriteCoalescing } from './nats/write-coalescing.js';
import { loadProviders } from './providers/registry.js';
import { StartupError, shownNatsUrl } from './startup-error.js';
import { Tracing } from './tracing.js';

// What start-up makes before anything is wired: the providers loaded, NATS connected,
// streams and buckets provisioned. A failure is one readable `StartupError`, and a
// connection already made is closed.

/** Loads the providers, connects, provisions and wires everything; does not start consuming yet. */
export async function composeHerald(
  config: HeraldConfig,
  logger: Logger,
  metrics = new Metrics(),
  tracing?: Tracing,
): Promise<ComposedHerald> {
  const providers = await loadProviders(config.providers).catch((err: unknown) => {
    throw new StartupError((err as Error).message.split('\n')[0]!, err);
  });
  // Before NATS: a connect flow's half-set variables stop start-up here (a ConfigError
  // listing each problem, like the environment's own).
  const connectFlows = hostConnectFlows(providers, config);
  const coalescing = installWriteCoalescing();
  const traced = tracing ?? (await Tracing.fromEnv());
  const nats = await connectNats(config);
  try {
    const opened = await openJetStream(nats, config);
    logger.info(
      {
        nats: shownNatsUrl(config.natsUrl),
        server: nats.getServer(),
        version: opened.version,
        providers: providers.types(),
        writeCoalescing: coalescing,
      },
      'connected to NATS',
    );
    logConnectionChanges(nats, logger);
    const retention = await deliveriesRetentionWarning(opened.jsm).catch(() => null);
    if (retention) logger.warn(retention);
    return wire({ ...opened, config, logger, metrics, nats, providers, connectFlows, tracing: traced });
  } catch (err) {
    await nats.close();
    if (err instanceof StartupError) throw err;
    const message = (err as Error).message.split('\n')[0];
    throw new StartupError(`cannot set up JetStream on ${shownNatsUrl(config.natsUrl)}: ${message}`, err);
  }
}

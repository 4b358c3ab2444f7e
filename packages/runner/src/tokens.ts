/** Injection tokens of the composition root. */
export const TOKENS = {
  config: Symbol('config'),
  logger: Symbol('logger'),
  metrics: Symbol('metrics'),
  nats: Symbol('nats'),
  js: Symbol('js'),
  jsm: Symbol('jsm'),
  buckets: Symbol('buckets'),
  providers: Symbol('providers'),
  integrations: Symbol('integrations'),
  health: Symbol('health'),
  deliveryLog: Symbol('deliveryLog'),
  throttle: Symbol('throttle'),
  sender: Symbol('sender'),
  actors: Symbol('actors'),
  worker: Symbol('worker'),
  router: Symbol('router'),
} as const;

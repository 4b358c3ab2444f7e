// Hash routes: the page works from any static path and a reload keeps the view.

export type Route =
  | { name: 'integrations' }
  | { name: 'new' }
  | { name: 'integration'; id: string }
  | { name: 'edit'; id: string }
  | { name: 'delivery'; id: string; deliveryId: string }
  | { name: 'events' }
  | { name: 'not-found' };

const ID = '([A-Za-z0-9_-]{1,64})';
const PATTERNS: Array<[RegExp, (m: string[]) => Route]> = [
  [/^#?\/?$/, () => ({ name: 'integrations' })],
  [/^#\/integrations\/?$/, () => ({ name: 'integrations' })],
  [/^#\/integrations\/new$/, () => ({ name: 'new' })],
  [/^#\/events\/?$/, () => ({ name: 'events' })],
  [new RegExp(`^#/integrations/${ID}$`), (m) => ({ name: 'integration', id: m[1]! })],
  [new RegExp(`^#/integrations/${ID}/edit$`), (m) => ({ name: 'edit', id: m[1]! })],
  [
    new RegExp(`^#/integrations/${ID}/deliveries/${ID}$`),
    (m) => ({ name: 'delivery', id: m[1]!, deliveryId: m[2]! }),
  ],
];

/** The route of a location hash. */
export function parseRoute(hash: string): Route {
  for (const [pattern, build] of PATTERNS) {
    const m = pattern.exec(hash);
    if (m) return build([...m]);
  }
  return { name: 'not-found' };
}

/** Links, so views never spell paths by hand. */
export const links = {
  integrations: () => '#/integrations',
  events: () => '#/events',
  newIntegration: () => '#/integrations/new',
  integration: (id: string) => `#/integrations/${encodeURIComponent(id)}`,
  edit: (id: string) => `#/integrations/${encodeURIComponent(id)}/edit`,
  delivery: (id: string, deliveryId: string) =>
    `#/integrations/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(deliveryId)}`,
};

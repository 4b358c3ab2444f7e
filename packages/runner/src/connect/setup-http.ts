import type { SetupHttp } from '@herald/core';
import type { HttpSender } from '../delivery/http-sender.js';

// A connect flow's token exchange is an HTTP call a provider needs made, once, while a
// user waits on the callback: a setup step, not a delivery. It still goes through the
// runner's sender rather than a fetch of the provider's own, because
// - the provider package depends on @herald/core only and holds no HTTP client;
// - the call gets what every request Herald makes gets: the SSRF guard
//   (HERALD_EGRESS_ALLOW_CIDRS), the timeout, the response cap, no redirects — also for
//   a third party's flow whose URLs come from settings;
// - a provider's test passes a plain function instead of a server.
// Render and interpret stay pure; only the runner sends.

/** The setup client a flow gets: the service's sender, its errors as words. */
export function setupHttp(sender: Pick<HttpSender, 'send'>): SetupHttp {
  return async (request) => {
    const result = await sender.send(request);
    return result.ok
      ? { ok: true, response: result.response, truncated: result.truncated }
      : { ok: false, error: result.error.kind };
  };
}

import type { HealthTransition } from '@herald/core';
import slack from '@herald/provider-slack';
import webhook from '@herald/provider-webhook';
import { describe, expect, it } from 'vitest';
import { disabledView, spanWords } from '../src/http/disabled-view.js';
import { HEALTHY, type HealthView } from '../src/store/health.js';

const AT = '2026-11-30T12:00:00.000Z';

function disabledBy(
  transition: Omit<HealthTransition, 'from' | 'to' | 'at'>,
  patch: Partial<HealthView> = {},
) {
  return {
    ...HEALTHY,
    state: 'disabled' as const,
    since: AT,
    transitions: [{ from: 'failing' as const, to: 'disabled' as const, at: AT, ...transition }],
    ...patch,
  };
}

describe('disabled view — each disabling reason in its own words', () => {
  it('is null while the integration receives events', () => {
    expect(disabledView({ enabled: true }, webhook, HEALTHY)).toBeNull();
  });

  it('a user: by user, whatever the machine says', () => {
    expect(disabledView({ enabled: false }, webhook, HEALTHY)).toMatchObject({
      by: 'user',
      cause: 'user',
      message: 'Disabled by a user.',
    });
  });

  it('a 410: disabled at once because the destination is gone, not "failing too long"', () => {
    const view = disabledView(
      { enabled: true },
      webhook,
      disabledBy(
        { reason: 'HTTP 410 Gone', cause: 'gone' },
        { lastError: 'HTTP 410 Gone', failedDeliveries: 1 },
      ),
    );
    expect(view).toMatchObject({ by: 'health', cause: 'gone', at: AT, lastError: 'HTTP 410 Gone' });
    expect(view!.message).toBe('Disabled at once: the destination answered that it no longer exists (gone).');
  });

  it('Slack: an answer its connect flow recognises reads as the app removed', () => {
    const reason = 'Slack: no_service: the webhook was removed, disabled or is invalid';
    const view = disabledView(
      { enabled: true },
      slack,
      disabledBy({ reason, cause: 'gone' }, { lastError: reason }),
    );
    expect(view).toMatchObject({ by: 'health', cause: 'cut_off' });
    expect(view!.message).toContain('The app was removed from the channel');
  });

  it('kept failing: N failed deliveries over the time it failed', () => {
    const view = disabledView(
      { enabled: true },
      webhook,
      disabledBy(
        { reason: 'HTTP 503', cause: 'kept_failing' },
        { failedDeliveries: 7, failingSince: '2026-11-30T07:00:00.000Z' },
      ),
    );
    expect(view).toMatchObject({ cause: 'kept_failing' });
    expect(view!.message).toBe('Disabled after 7 failed deliveries over 5 hours of failing.');
  });

  it('history from before causes were kept: its recorded reason', () => {
    const view = disabledView({ enabled: true }, webhook, disabledBy({ reason: 'failing for too long' }));
    expect(view).toMatchObject({ by: 'health', cause: 'other', message: 'Disabled: failing for too long.' });
  });

  it('spans read in days, hours, minutes or seconds', () => {
    expect(spanWords(72 * 3_600_000)).toBe('3 days');
    expect(spanWords(5 * 3_600_000)).toBe('5 hours');
    expect(spanWords(10 * 60_000)).toBe('10 minutes');
    expect(spanWords(1_400)).toBe('1 second');
  });
});

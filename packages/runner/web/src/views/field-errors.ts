import { h } from '../dom.js';
import type { ApiIssue } from '../types.js';

// A form's field messages: each field has a slot named by the path the API reports
// (`config.url`, `events`, `projects`), filled from a 400's details or the form's own checks.

/** Where the API's (or the form's) message for `path` appears. */
export function errorSlot(path: string): HTMLElement {
  return h('p', { class: 'field-error', 'data-error-for': path, role: 'alert', hidden: true });
}

/** Shows each issue at its field (`events.2` at `events`), the rest at the form's own slot. */
export function showIssues(form: HTMLElement, issues: ApiIssue[]): void {
  for (const slot of form.querySelectorAll<HTMLElement>('[data-error-for]')) {
    slot.hidden = true;
    slot.textContent = '';
  }
  for (const issue of issues) {
    // `events.2` shows at `events`; `config.signingSecrets.0` at `config.signingSecrets`.
    const parts = issue.path.split('.');
    let slot: HTMLElement | null = null;
    while (parts.length && !slot) {
      slot = form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(parts.join('.'))}"]`);
      parts.pop();
    }
    slot ??= form.querySelector<HTMLElement>('[data-error-for="form"]');
    if (!slot) continue;
    slot.hidden = false;
    slot.textContent = slot.textContent ? `${slot.textContent}; ${issue.message}` : issue.message;
  }
  form.querySelector<HTMLElement>('[data-error-for]:not([hidden])')?.scrollIntoView({ block: 'center' });
}

/** A field's message goes away as soon as the user changes that field. */
export function clearIssuesOnInput(form: HTMLElement): void {
  form.addEventListener('input', (e) => {
    const scope = (e.target as Element).closest('.field, .card');
    for (const slot of scope?.querySelectorAll<HTMLElement>('[data-error-for]') ?? []) {
      slot.hidden = true;
      slot.textContent = '';
    }
  });
}

import { ApiError, type ConfigInput, unwrap } from '../api.js';
import type { Context, View } from '../context.js';
import { fill, h, ICONS } from '../dom.js';
import { links } from '../router.js';
import type { ApiIssue, IntegrationCreated } from '../types.js';
import { busy, button, card, errorCallout, linkButton, loading, pageHead, typeMark } from '../ui.js';
import { configSlot } from './config-slot.js';
import { type Connectable, goConnect } from './connect.js';
import { eventPicker } from './event-picker.js';
import { clearIssuesOnInput, errorSlot, showIssues } from './field-errors.js';
import { orderedOption } from './ordered-option.js';
import { testResultPanel } from './test-result.js';
import { typePicker } from './type-picker.js';

/** What the integration page shows once after a create or edit (secret, test result). */
export const FLASH_KEY = 'integration-saved';
export type Flash = Pick<
  IntegrationCreated,
  'generatedSecret' | 'generatedSigningSecret' | 'confirmation'
> & {
  id: string;
};

const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** `#/integrations/new` and `#/integrations/:id/edit`: the form, driven by the provider's schema. */
export function integrationFormView(ctx: Context, id: string | null): View {
  const editing = id !== null;
  ctx.setTitle(editing ? 'Edit integration' : 'New integration');
  const el = h('div', { class: 'page page-narrow' }, loading());

  const build = async () => {
    const [providers, catalogue, existing] = await Promise.all([
      ctx.providers(),
      ctx.eventTypes(),
      id ? unwrap(ctx.api.GET('/v1/integrations/{id}', { params: { path: { id } } })) : Promise.resolve(null),
    ]);
    let type =
      existing?.type ?? providers.find((p) => p.type === 'webhook')?.type ?? providers[0]?.type ?? '';
    const providerOf = (t: string) => providers.find((p) => p.type === t);

    const name = h('input', {
      class: 'input',
      id: 'name',
      name: 'name',
      required: true,
      maxlength: 200,
      autocomplete: 'off',
      value: existing?.name ?? '',
    });
    const config = await configSlot(ctx, {
      providers,
      existing,
      onMode: (flow) => {
        submit.replaceChildren(
          flow ? flow.connect.installLabel : editing ? 'Save changes' : 'Create integration',
        );
        // The install always sends a confirmation: no choice to offer.
        fill(confirmSlot, flow ? null : confirmLabel);
      },
    });
    const events = eventPicker(catalogue, existing?.events ?? ['*']);
    const ordered = orderedOption(existing);

    const someProjects = Array.isArray(existing?.projects);
    const projectIds = h('input', {
      class: 'input mono',
      id: 'projects',
      name: 'projects',
      placeholder: 'personal-blog, api-gateway',
      value: existing?.projects?.join(', ') ?? '',
      disabled: !someProjects,
      'aria-describedby': 'projects-hint',
    });
    const scope = (value: 'all' | 'some', label: string) =>
      h(
        'label',
        { class: 'check', for: `projects-${value}` },
        h('input', {
          type: 'radio',
          name: 'project-scope',
          id: `projects-${value}`,
          value,
          checked: (value === 'some') === someProjects,
          onchange: () => {
            projectIds.disabled = value === 'all';
            if (value === 'some') projectIds.focus();
          },
        }),
        label,
      );

    const confirm = h('input', { type: 'checkbox', id: 'confirm', checked: true });
    const submit = button(editing ? 'Save changes' : 'Create integration', null, {
      kind: 'primary',
      type: 'submit',
      id: 'save',
    });
    const confirmLabel = h(
      'label',
      { class: 'check', for: 'confirm' },
      confirm,
      'Send a confirmation when created (what it receives, where to change it)',
    );
    const confirmSlot = h('span', null, confirmLabel);
    const testOut = h('div', { class: 'test-out', 'aria-live': 'polite' });

    const form = h(
      'form',
      {
        class: 'form',
        novalidate: true,
        id: 'integration-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          void save();
        },
      },
      h('p', { class: 'field-error form-error', 'data-error-for': 'form', role: 'alert', hidden: true }),
      card(
        'Destination',
        null,
        editing
          ? h(
              'div',
              { class: 'field' },
              h('span', { class: 'label' }, 'Type'),
              typeMark(type, providerOf(type)?.displayName),
            )
          : h(
              'div',
              { class: 'field' },
              h('span', { class: 'label', id: 'type-label' }, 'Type'),
              typePicker(providers, type, (t) => {
                type = t;
                config.show(t);
              }),
              errorSlot('type'),
            ),
        h(
          'div',
          { class: 'field' },
          h('label', { class: 'label', for: 'name' }, 'Name'),
          name,
          h('p', { class: 'hint' }, 'Shown here and sent with each request, e.g. “Deploys to #ops”.'),
          errorSlot('name'),
        ),
        config.el,
      ),
      card(
        'Events',
        null,
        h('p', { class: 'hint' }, 'Herald sends only the events you pick.'),
        events.el,
        errorSlot('events'),
      ),
      card(
        'Projects',
        null,
        h('div', { class: 'radio-row' }, scope('all', 'All projects'), scope('some', 'Only these projects')),
        projectIds,
        h('p', { class: 'hint', id: 'projects-hint' }, 'Project ids, separated by commas or spaces.'),
        errorSlot('projects'),
      ),
      ordered.el,
      h(
        'div',
        { class: 'form-footer' },
        editing ? null : confirmSlot,
        h(
          'div',
          { class: 'form-buttons' },
          linkButton(editing ? links.integration(id) : links.integrations(), 'Cancel', 'ghost'),
          editing
            ? button(
                'Send test notification',
                async (e) => {
                  const btn = e.currentTarget as HTMLButtonElement;
                  try {
                    const result = await busy(btn, () =>
                      unwrap(ctx.api.POST('/v1/integrations/{id}/test', { params: { path: { id: id! } } })),
                    );
                    fill(testOut, testResultPanel(result!, 'Uses the saved settings.'));
                  } catch (err) {
                    fill(testOut, errorCallout(err, 'Test not sent'));
                  }
                },
                { icon: ICONS.send, id: 'send-test' },
              )
            : null,
          submit,
        ),
      ),
      testOut,
    );

    async function save(): Promise<void> {
      const flow = config.installing();
      const { config: cfg, problems } = config.read();
      const issues: ApiIssue[] = [...problems];
      if (!name.value.trim()) issues.push({ path: 'name', message: 'Give it a name' });
      const picked = events.value();
      if (picked.length === 0) issues.push({ path: 'events', message: 'Pick at least one event type' });
      let projects: string[] | null = null;
      if (!projectIds.disabled) {
        projects = projectIds.value.split(/[\s,]+/).filter(Boolean);
        if (projects.length === 0)
          issues.push({ path: 'projects', message: 'List at least one project id, or pick all projects' });
        const bad = projects.find((p) => !PROJECT_ID.test(p));
        if (bad)
          issues.push({
            path: 'projects',
            message: `“${bad}” is not a project id (letters, digits, - and _)`,
          });
      }
      if (issues.length) return showIssues(form, issues);
      if (flow) return connect(flow, { name: name.value.trim(), events: picked, projects });
      const body = {
        name: name.value.trim(),
        config: cfg,
        events: picked,
        projects,
        ordered: ordered.value(),
      };
      try {
        const saved: IntegrationCreated = await busy(submit, () =>
          editing
            ? unwrap(ctx.api.PATCH('/v1/integrations/{id}', { params: { path: { id: id! } }, body }))
            : unwrap(
                ctx.api.POST('/v1/integrations', {
                  // Built from the provider's JSON Schema by the form; the API checks it.
                  body: { ...body, config: cfg as ConfigInput, type, confirm: confirm.checked },
                }),
              ),
        );
        ctx.flash.set(FLASH_KEY, {
          id: saved.id,
          generatedSecret: saved.generatedSecret,
          generatedSigningSecret: saved.generatedSigningSecret,
          confirmation: saved.confirmation,
        } satisfies Flash);
        ctx.toast(editing ? 'Changes saved' : `${saved.name} created`, 'success');
        ctx.navigate(links.integration(saved.id));
      } catch (err) {
        if (err instanceof ApiError && err.issues.length) showIssues(form, err.issues);
        else
          showIssues(form, [
            { path: 'form', message: err instanceof ApiError ? err.message : 'Could not save; try again.' },
          ]);
      }
    }

    /** Asks for the destination's authorize page and leaves for it; the integration is created when the user is sent back. */
    async function connect(flow: Connectable, body: Record<string, unknown>): Promise<void> {
      try {
        await busy(submit, () => goConnect(ctx, flow.type, body));
      } catch (err) {
        if (err instanceof ApiError && err.issues.length) showIssues(form, err.issues);
        else
          showIssues(form, [
            {
              path: 'form',
              message:
                err instanceof ApiError ? err.message : `Could not reach ${flow.displayName}; try again.`,
            },
          ]);
      }
    }

    config.show(type);
    fill(
      el,
      pageHead(editing ? `Edit ${existing!.name}` : 'New integration', {
        crumbs: editing
          ? [
              ['Integrations', links.integrations()],
              [existing!.name, links.integration(id)],
            ]
          : [['Integrations', links.integrations()]],
        here: editing ? 'Edit' : 'New',
        subtitle: editing ? null : 'Send your team’s events to a chat channel or your own endpoint.',
      }),
      form,
    );
    clearIssuesOnInput(form);
    if (!editing) name.focus();
  };

  build().catch((err: unknown) => fill(el, errorCallout(err, 'Could not load the form')));
  return { el };
}

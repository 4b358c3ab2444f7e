export type { HeraldClient, HeraldClientOptions } from './client.js';
export { createHeraldClient, unwrap } from './client.js';
export type { FieldIssue } from './errors.js';
export { HeraldApiError } from './errors.js';
export type { components, operations, paths } from './openapi-types.js';

import type { components } from './openapi-types.js';

type Schemas = components['schemas'];
/** An integration as reads show it (secrets masked). */
export type Integration = Schemas['Integration'];
/** One event to one integration, with every attempt. */
export type Delivery = Schemas['Delivery'];
/** A delivery as listings show it. */
export type DeliverySummary = Schemas['DeliverySummary'];
/** One HTTP try of a delivery: request, response, outcome. */
export type Attempt = Schemas['Attempt'];
/** A loaded provider: its type, config schema and connect flow. */
export type Provider = Schemas['Provider'];
/** What `POST …/test` answers. */
export type TestResult = Schemas['TestResult'];
/** The body of every error answer. */
export type ErrorBody = Schemas['Error'];

// src/webhooks/routes.ts
// Endpoint routing: each endpoint's stable outbox id, the event types it takes, and a fair turn between endpoints.

import { sha256 } from '../core/sha256';
import type { OutboxRoute } from '../ports/store';
import type { WebhookEndpoint } from './options';

/** The outbox's id of an endpoint: stable across restarts and instances, from its URL. */
export function endpointId(url: string): string {
  return `ep_${sha256(url, 'hex').slice(0, 16)}`;
}

/** The endpoints of one delivery worker, by outbox id, and the routes it claims for, in turn. */
export class EndpointRoutes {
  private readonly endpoints: Map<string, Required<WebhookEndpoint>>;
  private order: OutboxRoute[];

  constructor(endpoints: ReadonlyArray<Required<WebhookEndpoint>>) {
    this.endpoints = new Map(endpoints.map((endpoint) => [endpointId(endpoint.url), endpoint]));
    this.order = [...this.endpoints].map(([id, endpoint]) => ({ id, events: endpoint.events }));
  }

  /** The routes, the endpoint whose turn it is first. */
  get routes(): OutboxRoute[] {
    return this.order;
  }

  /** The endpoint a delivery is for; undefined when it is not one of ours. */
  endpoint(id: string): Required<WebhookEndpoint> | undefined {
    return this.endpoints.get(id);
  }

  /** The routes for the next claim: rotated one place, so one endpoint's backlog does not starve the others. */
  nextTurn(): OutboxRoute[] {
    if (this.order.length > 1) this.order = [...this.order.slice(1), this.order[0]!];
    return this.order;
  }
}

// src/state/incidents.ts
// The order incidents are listed in, shared by both stores: by exposure in one currency, or by pending count.

import type { Incident, IncidentQuery } from '../ports/store';

/** An incident's id, compared by code units (the same order as Redis's for the ASCII ids of real incidents). */
function byId(a: Pick<Incident, 'id'>, b: Pick<Incident, 'id'>): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Orders `incidents` (in place) and returns the top `query.limit`. By exposure (the default, when a currency is
 * given): the incidents with pending holds in `query.currency` first, by their exposure in it, largest first, then
 * the others by pending count; by count: by pending count, largest first. Ties by id.
 */
export function rankIncidents<T extends Pick<Incident, 'id' | 'count' | 'exposure'>>(
  incidents: T[],
  query: IncidentQuery,
): T[] {
  const currency = (query.by ?? 'exposure') === 'exposure' ? query.currency : undefined;
  const exposure = (incident: T) =>
    currency === undefined ? undefined : incident.exposure[currency]?.exposure;
  incidents.sort((a, b) => {
    const left = exposure(a);
    const right = exposure(b);
    if (left !== undefined || right !== undefined) {
      if (left === undefined) return 1;
      if (right === undefined) return -1;
      return right - left || byId(a, b);
    }
    return b.count - a.count || byId(a, b);
  });
  return incidents.slice(0, Math.max(0, Math.floor(query.limit)));
}

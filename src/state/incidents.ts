// src/state/incidents.ts
// The order incidents are listed in, shared by both stores: by exposure in one currency, or by pending count.

import type { Incident, IncidentQuery } from '../ports/store';

/** The exposure an incident has in `currency` (0 when it has no pending hold in it). */
function exposureIn(incident: Pick<Incident, 'exposure'>, currency: string | undefined): number {
  return currency === undefined ? 0 : (incident.exposure[currency]?.exposure ?? 0);
}

/**
 * Orders `incidents` (in place) and returns the top `query.limit`: by exposure in `query.currency`, largest first
 * (by default, when a currency is given), else by pending count; ties by count, then by id (code unit order).
 */
export function rankIncidents<T extends Pick<Incident, 'id' | 'count' | 'exposure'>>(
  incidents: T[],
  query: IncidentQuery,
): T[] {
  const byExposure = (query.by ?? 'exposure') === 'exposure' && query.currency !== undefined;
  incidents.sort(
    (a, b) =>
      (byExposure ? exposureIn(b, query.currency) - exposureIn(a, query.currency) : 0) ||
      b.count - a.count ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return incidents.slice(0, Math.max(0, Math.floor(query.limit)));
}

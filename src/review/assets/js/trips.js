// src/review/assets/js/trips.js
// The tripped vouchers panel (from /api/vouchers?state=tripped): every tripped code, with or without pending holds,
// and clearing it or keeping it held (admins, each asked twice).

/** Pending holds of a code's incident, from the incidents loaded. */
function pendingOf(code) {
  return state.incidents.find((incident) => incident.id === `voucher:${code}`)?.count ?? 0;
}

function renderTrips() {
  const body = $('trip-rows');
  clear(body);
  state.trips.forEach((trip, index) => {
    const row = el('tr', index === state.tripSelected ? 'selected' : '');
    row.dataset.code = trip.code;
    const code = el('td', 'code');
    code.appendChild(el('span', 'mono key', trip.code));
    // A trip scoped to the surge holds only these uses; the code's normal use goes on.
    if (trip.segment) code.appendChild(el('div', 'segment', `holds only: ${trip.segment}`));
    if (trip.widenedAt) {
      const widened = el('div', 'hint', 'holds every use since ');
      widened.appendChild(timeEl(trip.widenedAt));
      code.appendChild(widened);
    }
    row.appendChild(code);
    const tripped = el('td', 'when');
    tripped.appendChild(timeEl(trip.trippedAt));
    tripped.appendChild(el('div', 'hint', `${age(trip.trippedAt)} ago`));
    row.appendChild(tripped);
    const ends = el('td', 'ends');
    if (trip.until === null) ends.appendChild(el('span', null, 'when an admin clears it'));
    else if (!trip.sticky && trip.until <= Date.now()) {
      ends.appendChild(el('span', null, 'at its next use (calm enough since '));
      ends.appendChild(timeEl(trip.until));
      ends.appendChild(el('span', null, ')'));
    } else {
      ends.appendChild(el('span', null, trip.sticky ? 'not before ' : 'once calm, about '));
      ends.appendChild(timeEl(trip.until));
    }
    if (trip.sticky) ends.appendChild(el('div', 'badge-sticky', 'sticky'));
    row.appendChild(ends);
    row.appendChild(
      labelledCell('num uses', 'Uses', `${trip.uses} in ${Math.round(trip.usesWindowSeconds / 60)} min`),
    );
    row.appendChild(labelledCell('num pending', 'Pending', pendingOf(trip.code)));
    row.appendChild(el('td', 'reason', trip.reason || 'tripped by an earlier version: no reason kept'));
    const actions = el('td', 'trip-actions');
    const clearing = state.clearing === trip.code;
    actions.appendChild(
      button(
        clearing ? `Confirm: clear ${trip.code}` : 'Clear',
        `admin-only clear-voucher${clearing ? ' reject' : ''}`,
        () => clearVoucher(trip.code),
      ),
    );
    const extending = state.extending === trip.code;
    actions.appendChild(
      button(
        extending ? `Confirm: keep ${trip.code} held 24 h` : 'Keep held 24 h',
        `admin-only keep-held${extending ? ' reject' : ''}`,
        () => keepHeld(trip.code),
      ),
    );
    row.appendChild(actions);
    row.addEventListener('click', (event) => {
      if (event.target && event.target.tagName === 'BUTTON') return;
      state.tripSelected = index;
      setPane('trips');
    });
    body.appendChild(row);
  });
  if (state.trips.length === 0)
    emptyRow(body, 7, state.me ? 'No voucher code is tripped.' : 'Sign in to see tripped vouchers.');
}

function selectTrip(index) {
  if (state.trips.length === 0) return;
  state.tripSelected = Math.max(0, Math.min(state.trips.length - 1, index));
  setPane('trips');
}

function currentTrip() {
  return state.trips[state.tripSelected];
}

/** Clears a tripped voucher (admin): the first press asks, the second one clears. */
async function clearVoucher(code) {
  if (state.me?.role !== 'admin') {
    say('Clearing a voucher needs the admin role.', true, 'trips');
    return;
  }
  if (state.clearing !== code) {
    state.clearing = code;
    state.extending = null;
    renderTrips();
    say(
      `Press again to clear the velocity trip of voucher ${code}: its new orders flow again.`,
      false,
      'trips',
    );
    return;
  }
  state.clearing = null;
  try {
    await api('POST', `vouchers/${encodeURIComponent(code)}/clear`);
    say(`Voucher ${code} cleared: its velocity counters restart.`, false, 'trips');
  } catch (error) {
    say(`Voucher ${code}: ${error.message}`, error.status !== 404, 'trips');
  }
  renderTrips();
  await refresh();
}

/** Keeps a tripped voucher held for 24 hours more (admin): the first press asks, the second one extends. */
async function keepHeld(code) {
  if (state.me?.role !== 'admin') {
    say('Keeping a voucher held needs the admin role.', true, 'trips');
    return;
  }
  if (state.extending !== code) {
    state.extending = code;
    state.clearing = null;
    renderTrips();
    say(
      `Press again to keep voucher ${code} held for 24 h, even if its rate goes back to normal.`,
      false,
      'trips',
    );
    return;
  }
  state.extending = null;
  try {
    const result = await api('POST', `vouchers/${encodeURIComponent(code)}/extend`, { hours: 24 });
    say(`Voucher ${code} kept held until ${when(Date.parse(result.until))} (${ZONE}).`, false, 'trips');
  } catch (error) {
    say(`Voucher ${code}: ${error.message}`, error.status !== 404, 'trips');
  }
  renderTrips();
  await refresh();
}

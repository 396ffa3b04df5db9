// src/review/assets/js/panes.js
// The three places keys act on (incidents, tripped vouchers, held orders): which one is active, always shown, and
// moving to one by name.

const PANES = {
  incidents: { section: 'incidents', table: 'i-table', name: 'Incidents', key: 'i' },
  trips: { section: 'trips', table: 't-table', name: 'Tripped vouchers', key: 't' },
  list: { section: 'queue', table: 'l-table', name: 'Held orders', key: 'l' },
};

/** Shows which pane the keys act on: its outline and mark, and the line under the header. */
function renderPane() {
  for (const [name, pane] of Object.entries(PANES)) {
    $(pane.section).classList.toggle('active', state.pane === name);
  }
  const here = PANES[state.pane];
  const others = Object.entries(PANES)
    .filter(([name]) => name !== state.pane)
    .map(([, pane]) => `${pane.key} ${pane.name.toLowerCase()}`)
    .join(' · ');
  $('keys-at').textContent = state.me ? `Keys act on: ${here.name}. Go to: ${others} · ? help` : '';
}

/**
 * Makes `pane` the one keys act on and moves the focus into it (its table), so Enter and Space never reach a button
 * elsewhere on the page.
 */
function setPane(pane, options = {}) {
  state.pane = pane;
  renderPane();
  renderIncidents();
  renderTrips();
  renderRows();
  if (options.focus !== false) {
    const table = $(PANES[pane].table);
    table.focus({ preventScroll: true });
    const selected = table.querySelector('tr.selected');
    if (selected?.scrollIntoView) selected.scrollIntoView({ block: 'nearest' });
    else if ($(PANES[pane].section).scrollIntoView)
      $(PANES[pane].section).scrollIntoView({ block: 'nearest' });
  }
}

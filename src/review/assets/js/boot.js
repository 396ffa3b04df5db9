// src/review/assets/js/boot.js
// Wires the forms and buttons on DOMContentLoaded, shows the shop's time zone, starts the timers and signs in with
// a kept token.

document.addEventListener('DOMContentLoaded', () => {
  $('zone').textContent = `Times in ${ZONE} (${offsetText(Date.now())})`;
  for (const id of ['f-from', 'f-to']) $(id).title = `A time in ${ZONE}, as 2026-12-07 08:00`;
  $('help').textContent = HELP;
  $('login').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token').value.trim();
    $('token').value = '';
    if (token) signIn(token);
  });
  $('logout').addEventListener('click', signOut);
  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    state.selected = 0;
    setPane('list');
    loadQueue(false).catch((error) => say(error.message, true, 'list'));
  });
  $('f-order').addEventListener('change', () => {
    state.selected = 0;
    loadQueue(false).catch((error) => say(error.message, true, 'list'));
  });
  $('bulk').addEventListener('submit', submitBulk);
  // A preview is for the form it showed: changing the action or narrowing previews again.
  for (const id of ['b-action', 'b-rule', 'b-method']) $(id).addEventListener('change', () => previewBulk());
  $('b-confirm').addEventListener('click', runBulk);
  $('b-cancel').addEventListener('click', () => closeBulk('Closed; nothing changed.'));
  $('b-orders').addEventListener('click', () => {
    const incident = bulkIncident();
    if (!incident) return;
    const narrow = { rule: $('b-rule').value, paymentMethod: $('b-method').value };
    resetBulk();
    showIncidentOrders(incident, narrow);
  });
  $('more').addEventListener('click', () =>
    loadQueue(true).catch((error) => say(error.message, true, 'list')),
  );
  $('reload').addEventListener('click', () => refresh());
  $('detail').tabIndex = -1;
  document.addEventListener('keydown', onKey);
  setInterval(poll, REFRESH_SECONDS * 1000);
  setInterval(renderUpdated, 1000);
  renderPane();
  renderRows();
  renderIncidents();
  renderTrips();
  renderDetail();
  if (state.token) signIn(state.token);
  else sayGlobal('Paste your review token to start.');
});

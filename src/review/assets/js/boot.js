// src/review/assets/js/boot.js
// Wires the forms and buttons on DOMContentLoaded, starts the timers and signs in with a kept token.

document.addEventListener('DOMContentLoaded', () => {
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
    loadQueue(false).catch((error) => say(error.message, true));
  });
  $('f-order').addEventListener('change', () => {
    state.selected = 0;
    loadQueue(false).catch((error) => say(error.message, true));
  });
  for (const id of ['g-kind', 'g-by']) {
    $(id).addEventListener('change', () => loadGroups().catch((error) => say(error.message, true)));
  }
  $('bulk').addEventListener('submit', previewBulk);
  // A preview is for the filter it showed: changing the form asks for a new preview.
  for (const id of ['b-action', 'b-voucher', 'b-sku', 'b-rule', 'b-from', 'b-to']) {
    $(id).addEventListener('input', cancelBulk);
  }
  $('b-confirm').addEventListener('click', runBulk);
  $('b-cancel').addEventListener('click', () => {
    cancelBulk();
    say('Bulk action cancelled; nothing changed.');
  });
  $('more').addEventListener('click', () => loadQueue(true).catch((error) => say(error.message, true)));
  $('reload').addEventListener('click', () => refresh());
  document.addEventListener('keydown', onKey);
  setInterval(poll, REFRESH_SECONDS * 1000);
  setInterval(renderUpdated, 1000);
  renderRows();
  renderGroups();
  if (state.token) signIn(state.token);
  else say('Paste your review token to start.');
});

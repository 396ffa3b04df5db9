// src/review/assets/js/keyboard.js
// The keyboard: each key goes to a named place or acts on the pane shown as active; none toggles. The help text.

function cycleOrder() {
  const field = $('f-order');
  field.value = ORDERS[(ORDERS.indexOf(field.value) + 1) % ORDERS.length];
  state.selected = 0;
  loadQueue(false)
    .then(() => say(`Order: ${field.options[field.selectedIndex].text}.`, false, 'list'))
    .catch((error) => say(error.message, true, 'list'));
}

const HELP =
  'Keys go to a place: i incidents, t tripped vouchers, l held orders, / the filters; u refreshes. ' +
  'In the incidents: j / k move, Enter lists the orders, r / a open the form to reject / approve the incident ' +
  '(narrow it by rule or payment method, preview, then confirm; Esc closes it). ' +
  'In the tripped vouchers: j / k move, v clears the code, e keeps it held 24 h (admins, pressed twice). ' +
  'In the held orders: j / k move, Enter opens the order (phones), c claim, a approve, r reject (with a note in ' +
  'the order’s own note field), p accept a new price (admins), o changes the order. Esc leaves a field.';

/** Keys per pane; the common ones go to a named place wherever the keys are. */
function keysFor(pane) {
  const common = {
    i: () => setPane('incidents'),
    t: () => setPane('trips'),
    l: () => setPane('list'),
    u: () => refresh(),
    '/': () => {
      setPane('list', { focus: false });
      $('f-incident').focus();
    },
    '?': () => say(HELP),
  };
  const incident = () => currentIncident();
  const trip = () => currentTrip();
  if (pane === 'incidents') {
    return {
      ...common,
      j: () => selectIncident(state.incidentSelected + 1),
      k: () => selectIncident(state.incidentSelected - 1),
      Enter: () => incident() && showIncidentOrders(incident()),
      r: () => incident() && openBulk(incident(), 'reject'),
      a: () => incident() && openBulk(incident(), 'approve'),
      Escape: () => state.bulkIncident !== null && closeBulk('Closed; nothing changed.'),
    };
  }
  if (pane === 'trips') {
    return {
      ...common,
      j: () => selectTrip(state.tripSelected + 1),
      k: () => selectTrip(state.tripSelected - 1),
      v: () => trip() && clearVoucher(trip().code),
      e: () => trip() && keepHeld(trip().code),
    };
  }
  return {
    ...common,
    j: () => select(state.selected + 1),
    k: () => select(state.selected - 1),
    Enter: openDetail,
    Escape: closeDetail,
    a: () => act('approve'),
    r: () => act('reject'),
    c: () => act('claim'),
    p: acceptPriceKey,
    o: cycleOrder,
  };
}

function onKey(event) {
  const target = event.target;
  const typing = target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  if (typing) {
    if (event.key !== 'Escape') return;
    if (target.closest('#bulk')) closeBulk('Closed; nothing changed.');
    else target.blur();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  // Enter and Space keep activating a focused button (the bulk confirm, an incident's action).
  if (target && target.tagName === 'BUTTON' && (event.key === 'Enter' || event.key === ' ')) return;
  // Esc on a button of the open form closes it, like Esc in its fields.
  if (event.key === 'Escape' && target?.closest?.('#bulk')) {
    event.preventDefault();
    closeBulk('Closed; nothing changed.');
    return;
  }
  if (!state.me) return;
  const keys = keysFor(state.pane);
  const handler = Object.hasOwn(keys, event.key) ? keys[event.key] : undefined;
  if (handler) {
    event.preventDefault();
    handler();
  }
}

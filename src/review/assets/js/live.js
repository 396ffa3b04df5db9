// src/review/assets/js/live.js
// Refresh and the live update every few seconds, the "updated" line, signing in and out.

async function refresh() {
  try {
    const [stats] = await Promise.all([loadStats(), loadGroups(), loadQueue(false, true), loadAudit()]);
    state.signature = JSON.stringify([stats.byStatus, stats.pendingValue]);
    state.updatedAt = Date.now();
    state.updateFailed = false;
    renderUpdated();
  } catch (error) {
    say(error.status === 401 ? 'The token was refused; paste a valid one.' : error.message, true);
    if (error.status === 401) signOut();
  }
}

/** Live update: the counts and incidents every few seconds; the list too unless more pages were loaded. */
async function poll() {
  if (!state.token || !state.me || state.polling) return;
  state.polling = true;
  try {
    const [stats] = await Promise.all([loadStats(), loadGroups()]);
    const signature = JSON.stringify([stats.byStatus, stats.pendingValue]);
    if (signature !== state.signature) {
      if (state.extended) $('changed').hidden = false;
      else await loadQueue(false, true);
      await loadAudit();
    }
    state.signature = signature;
    state.updatedAt = Date.now();
    state.updateFailed = false;
  } catch (error) {
    state.updateFailed = true;
    if (error.status === 401) signOut();
  } finally {
    state.polling = false;
    renderUpdated();
  }
}

function renderUpdated() {
  const node = $('updated');
  if (!state.me || !state.updatedAt) {
    node.textContent = '';
    return;
  }
  const seconds = Math.max(0, Math.round((Date.now() - state.updatedAt) / 1000));
  const ago = seconds < 120 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`;
  node.textContent = (state.updateFailed ? 'update failed; last updated ' : 'updated ') + ago;
  node.title = `Live: refreshed every ${REFRESH_SECONDS} s. Last update ${utc(state.updatedAt)}`;
  node.className = state.updateFailed ? 'updated error' : 'updated';
}

/** Adds the custom rules in force to the rule menus (the built-in ones come with the page). */
function fillRuleMenus(rules) {
  for (const id of ['f-rule', 'b-rule']) {
    const menu = $(id);
    for (const old of menu.querySelectorAll('option.custom')) old.remove();
    for (const rule of rules.custom) {
      const option = el('option', 'custom', `${rule.replaceAll('_', ' ')} (custom)`);
      option.value = rule;
      menu.appendChild(option);
    }
  }
}

async function signIn(token) {
  state.token = token;
  try {
    state.me = await api('GET', 'me');
    fillRuleMenus(await api('GET', 'rules'));
    sessionStorage.setItem(TOKEN_KEY, token);
    $('me').textContent = `${state.me.name} (${state.me.role})`;
    $('login').hidden = true;
    $('logout').hidden = false;
    say(
      'Signed in as ' +
        state.me.name +
        '. Keys: j/k move, c claim, a approve, r reject, i incidents, ? help.',
    );
    document.body.classList.toggle('can-act', state.me.role !== 'viewer');
    document.body.classList.toggle('is-admin', state.me.role === 'admin');
    await refresh();
  } catch (error) {
    say(error.status === 401 ? 'The token was refused.' : error.message, true);
    signOut();
  }
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = '';
  state.me = null;
  state.items = [];
  state.groups = [];
  state.groupsKey = '';
  state.updatedAt = 0;
  $('me').textContent = '';
  $('stats').textContent = '';
  $('at-stake').textContent = '';
  $('login').hidden = false;
  $('logout').hidden = true;
  document.body.classList.remove('can-act', 'is-admin');
  renderRows();
  renderGroups();
  renderDetail();
  renderUpdated();
}

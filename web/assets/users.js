// The users page and My account (web/pages_users.c): the actions of
// `sluice users` through the API (web/API.md: /api/v1/users...,
// /api/v1/account/password). A new password or API token is shown once,
// in #secret, and nowhere else; the server checks every rule (names,
// passwords, the last admin) and its message is what the page says.
// Uses app.js's helpers (window.sluice); loaded after it (both deferred).
'use strict';

(function () {
  const { ROOT, api, el, status, fmtTime, fmtSince, nameText } = window.sluice;
  const enc = encodeURIComponent;
  const $ = (id) => document.getElementById(id);

  // A password choice (password_choice in pages_users.c, id prefix p):
  // body() gives the API's fields, generate_password or the typed two.
  function pwChoice(p) {
    const typed = document.querySelector('#' + p + '-pw .pw-typed');
    const gen = $(p + '-pw-generate');
    const pw = $(p + '-password'), again = $(p + '-password-confirm');
    const sync = () => { typed.hidden = gen.checked; };
    for (const r of document.querySelectorAll('#' + p + '-pw input[type=radio]')) r.addEventListener('change', sync);
    sync();
    return {
      body: () => (gen.checked ? { generate_password: true } : { password: pw.value, password_confirm: again.value }),
      reset() { gen.checked = true; pw.value = ''; again.value = ''; sync(); },
    };
  }

  // --- the one-time display of a new password or token ---
  function showSecret(title, note, value, usage) {
    $('secret-title').textContent = title;
    $('secret-note').textContent = note;
    $('secret-value').textContent = value;
    $('secret-usage').hidden = !usage;
    $('secret-usage-value').textContent = usage || '';
    $('secret').hidden = false;
    $('secret').scrollIntoView({ block: 'nearest' });
  }
  function hideSecret() {
    // the value leaves the page, not only the view
    $('secret-value').textContent = '';
    $('secret-usage-value').textContent = '';
    $('secret').hidden = true;
  }

  // One user as a row (user_row in pages_users.c is its twin).
  function userRow(u, me, roles) {
    const isMe = u.name === me;
    const select = el('select', { class: 'user-role', 'aria-label': 'role of ' + u.name },
      ...roles.map((r) => el('option', { value: r.value, title: r.title, selected: r.value === u.role }, r.value)));
    return el('tr', { 'data-user': u.name, 'data-role': u.role, 'data-tokens': u.tokens },
      el('td', { class: 'user-name' }, ...nameText(u.name), isMe ? ' ' : null, isMe ? el('span', { class: 'note' }, '(you)') : null),
      el('td', {}, select),
      el('td', { class: 'user-created' }, fmtTime(u.created_at, '')),
      el('td', { class: 'user-last-login' }, fmtSince(u.last_login_at, 'never')),
      el('td', { class: 'user-sessions' }, u.sessions),
      el('td', { class: 'user-tokens' }, u.tokens),
      el('td', { class: 'user-token-used' }, fmtSince(u.last_token_used_at, 'never')),
      el('td', { class: 'user-actions' }, el('div', { class: 'user-buttons' },
        isMe ? el('a', { class: 'button', href: ROOT + '/account' }, 'Change my password')
          : el('button', { type: 'button', class: 'user-password' }, 'Reset password…'),
        el('button', { type: 'button', class: 'user-token' }, 'New API token'),
        el('button', { type: 'button', class: 'user-remove danger', disabled: isMe,
          title: isMe ? 'you cannot remove yourself: another admin can' : null }, 'Remove…'))));
  }

  function initUsers() {
    const table = $('users');
    if (!table) return;
    const me = table.dataset.me;
    const roles = [...$('add-role').options].map((o) => ({ value: o.value, title: o.title }));
    const addPw = pwChoice('add'), resetPw = pwChoice('reset');
    let target = null;            // the row a dialog is about

    async function refresh() {
      const { users } = await api('GET', '/users');
      table.tBodies[0].replaceChildren(...users.map((u) => userRow(u, me, roles)));
    }

    $('secret-done').addEventListener('click', hideSecret);
    $('secret-copy').addEventListener('click', async () => {
      const v = $('secret-value').textContent;
      try { await navigator.clipboard.writeText(v); status('copied'); } catch (e) {
        // no clipboard (an http page elsewhere than localhost): select it
        getSelection().selectAllChildren($('secret-value'));
        status('selected: copy it with Ctrl+C');
      }
    });

    $('user-add-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const name = $('add-name').value.trim();
      const role = $('add-role').value;
      try {
        const res = await api('POST', '/users', Object.assign({ name, role }, addPw.body()));
        status('added ' + res.name + ' (' + res.role + ')');
        if (res.password)
          showSecret('Password for ' + res.name,
            'Shown once: copy it now and give it to ' + res.name + '. Only a hash of it is kept, ' +
            'so it cannot be shown again (Reset password makes a new one).', res.password, null);
        $('add-name').value = '';
        addPw.reset();
        await refresh();
      } catch (e) { status(e.message, true); }
    });

    // a role: changed as it is chosen; a refusal puts the old one back
    table.addEventListener('change', async (ev) => {
      const sel = ev.target.closest('select.user-role');
      if (!sel) return;
      const tr = sel.closest('tr');
      try {
        const res = await api('POST', '/users/' + enc(tr.dataset.user) + '/role', { role: sel.value });
        tr.dataset.role = res.role;
        status(res.name + ' is now ' + (res.role === 'viewer' ? 'a ' : 'an ') + res.role);
      } catch (e) {
        sel.value = tr.dataset.role;
        status(e.message, true);
      }
    });

    table.addEventListener('click', async (ev) => {
      const b = ev.target.closest('button');
      if (!b || b.disabled) return;
      target = b.closest('tr');
      const name = target.dataset.user;
      if (b.classList.contains('user-password')) {
        $('password-user').textContent = name;
        $('password-error').textContent = '';
        resetPw.reset();
        $('password-dialog').hidden = false;
      } else if (b.classList.contains('user-remove')) {
        const n = Number(target.dataset.tokens);
        $('remove-user').textContent = name;
        $('remove-tokens').textContent = n ? String(n) : 'none now';
        $('remove-error').textContent = '';
        $('remove-dialog').hidden = false;
      } else if (b.classList.contains('user-token')) {
        try {
          const res = await api('POST', '/users/' + enc(name) + '/tokens', {});
          showSecret('API token for ' + res.name,
            'Shown once: copy it now. Only its SHA-256 is kept. It acts as ' + res.name +
            ', with their role, until they are removed.', res.token,
            'curl -H \'' + res.header + '\' ' + location.origin + ROOT + '/api/v1/dags');
          status('new API token for ' + res.name);
          await refresh();
        } catch (e) { status(e.message, true); }
      }
    });

    $('password-cancel').addEventListener('click', () => { $('password-dialog').hidden = true; });
    $('password-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const name = target.dataset.user;
      try {
        const res = await api('POST', '/users/' + enc(name) + '/password', resetPw.body());
        $('password-dialog').hidden = true;
        resetPw.reset();
        status('new password for ' + res.name + ' (their sessions ended)');
        if (res.password)
          showSecret('Password for ' + res.name,
            'Shown once: copy it now and give it to ' + res.name + '. Only a hash of it is kept.',
            res.password, null);
        await refresh();
      } catch (e) { $('password-error').textContent = e.message; }
    });

    $('remove-cancel').addEventListener('click', () => { $('remove-dialog').hidden = true; });
    $('remove-confirm').addEventListener('click', async () => {
      const name = target.dataset.user;
      try {
        await api('DELETE', '/users/' + enc(name));
        $('remove-dialog').hidden = true;
        status('removed ' + name + ': their sessions ended and their API tokens were revoked');
        await refresh();
      } catch (e) { $('remove-error').textContent = e.message; }
    });
  }

  function initAccount() {
    const form = $('account-password-form');
    if (!form) return;
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const fields = ['current-password', 'new-password', 'new-password-confirm'].map($);
      try {
        await api('POST', '/account/password', { current: fields[0].value, password: fields[1].value,
          password_confirm: fields[2].value });
        for (const f of fields) f.value = '';
        status('Password changed. Your other sessions ended; this one stays.');
      } catch (e) { status(e.message, true); }
    });
  }

  initUsers();
  initAccount();
})();

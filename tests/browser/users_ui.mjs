// User management in headless Chromium (run by tests/web_users_browser.sh:
// a home with users admin, ops and viewer; sets URL, ADMIN_PW and SHOTS).
// An admin adds dana with a generated password read off the page; dana
// logs in with it, meets the 403 of the Users page and changes her own
// password on My account; the admin changes her role, makes her an API
// token, sees when she last logged in and last used it, resets her
// password and removes her. Every wait is a bounded wait for a state; no
// secret is printed.
import { writeFileSync } from 'node:fs';
import { check, journey, midWordBreaks, overReach } from './lib.mjs';

const { URL, ADMIN_PW, SHOTS } = process.env;
const WAIT = 30000;

async function login(page, user, password, next) {
  await page.goto(URL + '/login' + (next ? '?next=' + encodeURIComponent(next) : ''));
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.click('#login');
  await page.waitForURL(URL + (next || '/'), { timeout: WAIT });
}

async function logout(page) {
  await page.click('header form.logout button[type="submit"]');
  await page.waitForURL(/\/login$/, { timeout: WAIT });
}

// The users as the API lists them (with the page's session).
const listUsers = (page) => page.evaluate(async () => (await (await fetch('/api/v1/users')).json()).users);
const row = (name) => '#users tr[data-user="' + name + '"]';
const statusSays = (page, text, bad) =>
  page.locator('#status' + (bad ? '.bad' : ':not(.bad)'), { hasText: text }).waitFor({ timeout: WAIT });
// A last login or token use as the page shows it: how long ago, then when
// (UTC, with its offset "+00:00", never "Z", as the CLI writes it); the
// journey is short, so a minute at most.
const RECENT = /^(just now|1 minute ago) \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/;
const cellText = async (page, name, cls) => (await page.textContent(row(name) + ' td.' + cls)).trim();

await journey(1280, 860, SHOTS, async (page, shot) => {
  // --- the admin finds Users in the nav ---
  await login(page, 'admin', ADMIN_PW);
  // (this home has no DAG: the list says where DAG files go)
  const noDags = await page.locator('#no-dags').textContent({ timeout: 2000 }).catch(() => '');
  check(noDags.startsWith('No DAGs yet') && noDags.includes('/dags') && noDags.includes('sluice dags validate'),
    'an empty DAG list says where DAG files go: ' + noDags);
  check(await page.isVisible('header nav a#nav-users'), 'an admin sees Users in the nav');
  await page.click('header nav a#nav-users');
  await page.waitForURL(URL + '/users', { timeout: WAIT });
  const names = await page.locator('#users tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.user));
  check(JSON.stringify(names) === '["admin","ops","viewer"]', 'the users are listed: ' + names.join(', '));
  check(await page.isDisabled(row('admin') + ' button.user-remove'), 'an admin cannot remove themselves');
  check((await page.textContent(row('ops') + ' td.user-tokens')) === '1', 'each user\'s API tokens are counted');
  check(RECENT.test(await cellText(page, 'admin', 'user-last-login')),
    'the admin\'s last login: just now, and when: ' + await cellText(page, 'admin', 'user-last-login'));
  // when each was made, and its tooltip: "+00:00", never "Z"
  const created = await page.$eval(row('ops') + ' td:nth-child(3) time', (t) => [t.textContent, t.title]);
  check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/.test(created[0]) && created[1] === created[0] + ' (UTC)',
    'a user\'s creation time is written with "+00:00": ' + created.join(' / '));
  check(await cellText(page, 'ops', 'user-last-login') === 'never', 'ops never logged in');
  check(await cellText(page, 'ops', 'user-token-used') === 'never', 'ops\' token was never used');
  await shot('u-01-users');

  // --- add dana with a generated password: shown once ---
  await page.click('#user-add summary');
  check(await page.isChecked('#add-pw-generate'), 'a generated password by default');
  check(await page.isHidden('#add-pw .pw-typed'), 'no password boxes for a generated one');
  await page.fill('#add-name', 'dana');
  await page.selectOption('#add-role', 'viewer');
  await page.click('#add-submit');
  await page.locator('#secret:not([hidden])').waitFor({ timeout: WAIT });
  const password = await page.textContent('#secret-value');
  check(/^[A-Za-z0-9]{20}$/.test(password), 'the generated password is on the page');
  check((await page.textContent('#secret-title')) === 'Password for dana', 'it says whose password it is');
  check((await page.textContent('#secret-note')).includes('Shown once'), 'it says it is shown once');
  await page.locator(row('dana')).waitFor({ timeout: WAIT });
  check(await page.inputValue(row('dana') + ' select.user-role') === 'viewer', 'dana is listed, a viewer');
  await statusSays(page, 'added dana (viewer)');
  await shot('u-02-added');
  await page.click('#secret-done');
  check(await page.isHidden('#secret'), 'Done hides the password');
  check((await page.textContent('#secret-value')) === '', 'and takes it off the page');

  // --- bad input: the server's message on the page, nobody added ---
  await page.fill('#add-name', 'bad name');
  await page.click('#add-submit');
  await statusSays(page, '\'bad name\' is not a user name (1-64 characters: letters, digits, . _ @ -, not starting with a dot)', true);
  await page.fill('#add-name', '<img src=x onerror="window.xss=1">');
  await page.click('#add-submit');
  await statusSays(page, '\'<img src=x onerror="window.xss=1">\' is not a user name', true);
  check(await page.evaluate(() => window.xss === undefined), 'a name is shown as text, never as markup');
  await page.fill('#add-name', 'erin');
  await page.check('#add-pw-type');
  check(await page.isVisible('#add-password') && await page.isVisible('#add-password-confirm'),
    'typing a password: two boxes');
  await page.fill('#add-password', 'erin-password-1');
  await page.fill('#add-password-confirm', 'erin-password-2');
  await page.click('#add-submit');
  await statusSays(page, 'the two new passwords differ', true);
  check(await page.isHidden('#secret'), 'no password shown for a refused add');
  await shot('u-03-bad-input');
  check((await listUsers(page)).map((u) => u.name).join(' ') === 'admin dana ops viewer', 'bad input added nobody');
  await page.fill('#add-name', '');
  await page.check('#add-pw-generate');
  await logout(page);

  // --- dana logs in with it: no Users page for a viewer ---
  await login(page, 'dana', password);
  check(!(await page.isVisible('header nav a#nav-users')), 'a viewer has no Users link');
  const forbidden = await page.goto(URL + '/users');
  check(forbidden.status() === 403, 'the Users page is a 403 for a viewer');
  check((await page.textContent('#forbidden')).includes('This page needs the admin role'), 'the 403 page says why');
  await shot('u-04-forbidden');
  // a viewer may not pause a DAG: its button is disabled and says why, on
  // the DAG list and the DAG's page (a click ended in a 403 in an alert);
  // a DAG file now (the scheduler reads the folder every 2s)
  writeFileSync(process.env.DAGS + '/tiny.yaml', 'dag: tiny\nschedule: none\ntasks:\n  t: {command: "true"}\n');
  for (const until = Date.now() + WAIT; (await page.goto(URL + '/dags/tiny')).status() !== 200;) {
    if (Date.now() > until) throw new Error('FAIL: the DAG tiny did not appear within ' + WAIT + 'ms');
    await page.waitForTimeout(200);
  }
  for (const path of ['/', '/dags/tiny']) {
    await page.goto(URL + path);
    const toggle = page.locator('button.pause-toggle[data-dag="tiny"]');
    check(await toggle.isDisabled() && (await toggle.getAttribute('title')).includes('operator role'),
      `on ${path} a viewer's pause button is disabled, saying it needs the operator role`);
    // it still says the DAG's state: legible, not faded as other disabled buttons
    check(await toggle.evaluate((b) => getComputedStyle(b).opacity) === '1',
      `on ${path} a viewer's pause button is not faded`);
  }

  // --- My account, from her name in the header: her own password ---
  await page.click('header a#nav-account');
  await page.waitForURL(URL + '/account', { timeout: WAIT });
  check((await page.textContent('#account-user')) === 'dana', 'My account: her name');
  check((await page.textContent('#account-role')) === 'viewer', 'My account: her role');
  await page.fill('#current-password', 'not-my-password');
  await page.fill('#new-password', 'dana-own-pass-1');
  await page.fill('#new-password-confirm', 'dana-own-pass-1');
  await page.click('#account-password-submit');
  await statusSays(page, 'the current password is wrong', true);
  await page.fill('#current-password', password);
  await page.fill('#new-password-confirm', 'dana-own-pass-2');
  await page.click('#account-password-submit');
  await statusSays(page, 'the two new passwords differ', true);
  await page.fill('#new-password-confirm', 'dana-own-pass-1');
  await page.click('#account-password-submit');
  await statusSays(page, 'Password changed. Your other sessions ended; this one stays.');
  check((await page.inputValue('#current-password')) === '' && (await page.inputValue('#new-password')) === '',
    'the boxes are emptied');
  await shot('u-05-account');
  check((await page.evaluate(async () => (await fetch('/api/v1/me')).status)) === 200, 'her session stays');
  await logout(page);
  await page.fill('#username', 'dana');
  await page.fill('#password', password);
  await page.click('#login');
  await page.locator('#login-error', { hasText: 'Wrong user name or password' }).waitFor({ timeout: WAIT });
  check(true, 'the old password no longer logs in');
  const loginFrom = Date.now();
  await login(page, 'dana', 'dana-own-pass-1');
  const loginTo = Date.now();
  check(true, 'the new one does');
  await logout(page);

  // --- the admin: a role, as it is chosen; the last admin keeps theirs ---
  await login(page, 'admin', ADMIN_PW, '/users');
  await page.selectOption(row('dana') + ' select.user-role', 'operator');
  await statusSays(page, 'dana is now an operator');
  check((await listUsers(page)).find((u) => u.name === 'dana').role === 'operator', 'dana is an operator');
  await page.selectOption(row('admin') + ' select.user-role', 'viewer');
  await statusSays(page, 'admin is the last admin: make another user an admin first', true);
  check(await page.inputValue(row('admin') + ' select.user-role') === 'admin', 'the refused role is put back');
  check((await listUsers(page)).find((u) => u.name === 'admin').role === 'admin', 'the admin is still an admin');
  await shot('u-06-role');

  // --- a new API token, shown once with how to use it; it works ---
  await page.click(row('dana') + ' button.user-token');
  await page.locator('#secret:not([hidden])', { hasText: 'API token for dana' }).waitFor({ timeout: WAIT });
  const token = await page.textContent('#secret-value');
  check(/^slk_[0-9a-f]{64}$/.test(token), 'the token is on the page');
  check((await page.textContent('#secret-usage-value')).includes('Authorization: Bearer ' + token),
    'with how to use it');
  const asToken = (t) => page.evaluate(async (tok) => {
    const res = await fetch('/api/v1/me', { credentials: 'omit', headers: { Authorization: 'Bearer ' + tok } });
    return { status: res.status, body: await res.json() };
  }, t);
  const me = await asToken(token);
  check(me.status === 200 && me.body.user === 'dana' && me.body.role === 'operator', 'the token acts as dana');
  await page.locator(row('dana') + ' td.user-tokens', { hasText: '1' }).waitFor({ timeout: WAIT });
  // the rows users.js drew after making the token: her last login, no use yet
  check(RECENT.test(await cellText(page, 'dana', 'user-last-login')),
    'users.js shows her last login: ' + await cellText(page, 'dana', 'user-last-login'));
  check(await cellText(page, 'dana', 'user-token-used') === 'never', 'the token drawn unused');
  await shot('u-07-token');
  await page.click('#secret-done');

  // --- when she last logged in and last used a token (the server's page) ---
  await page.reload();
  const dana = (await listUsers(page)).find((u) => u.name === 'dana');
  check(dana.last_login_at >= loginFrom - 1000 && dana.last_login_at <= loginTo + 1000,
    'her last login is her last successful one (the failed one before it did not count)');
  check(dana.last_token_used_at >= dana.last_login_at, 'her token\'s use is recorded');
  for (const cls of ['user-last-login', 'user-token-used']) {
    const text = await cellText(page, 'dana', cls);
    check(RECENT.test(text), cls + ': how long ago and when: ' + text);
  }
  const iso = new Date(dana.last_login_at).toISOString().replace(/\.\d{3}Z$/, 'Z');
  check(await page.getAttribute(row('dana') + ' td.user-last-login time', 'datetime') === iso,
    'the time is the recorded one (' + iso + ')');
  check(await cellText(page, 'viewer', 'user-last-login') === 'never', 'viewer never logged in');
  await shot('u-07b-last-used');

  // dana, an operator now, has the DAG list open in a browser of her own
  // (a page that does not poll); the reset below ends that session
  const danaCtx = await page.context().browser().newContext({ viewport: { width: 1280, height: 860 } });
  const danaPage = await danaCtx.newPage();
  await login(danaPage, 'dana', 'dana-own-pass-1');
  const tinyPaused = async () => (await page.evaluate(async () =>
    (await (await fetch('/api/v1/dags/tiny')).json()).paused));
  const pausedBefore = await tinyPaused();

  // --- reset her password: the dialog says what happens ---
  await page.click(row('dana') + ' button.user-password');
  await page.locator('#password-dialog:not([hidden])').waitFor({ timeout: WAIT });
  check((await page.textContent('#password-user')) === 'dana', 'the dialog names her');
  await page.check('#reset-pw-type');
  await page.fill('#reset-password', 'dana-reset-pass-1');
  await page.fill('#reset-password-confirm', 'dana-reset-pass-2');
  await page.click('#password-confirm');
  await page.locator('#password-error', { hasText: 'the two new passwords differ' }).waitFor({ timeout: WAIT });
  await shot('u-08-reset');
  await page.check('#reset-pw-generate');
  await page.click('#password-confirm');
  await page.locator('#password-dialog').waitFor({ state: 'hidden', timeout: WAIT });
  await page.locator('#secret:not([hidden])', { hasText: 'Password for dana' }).waitFor({ timeout: WAIT });
  const reset = await page.textContent('#secret-value');
  check(/^[A-Za-z0-9]{20}$/.test(reset) && reset !== password, 'a new generated password, shown once');
  await statusSays(page, 'new password for dana (their sessions ended)');
  await page.click('#secret-done');
  // her open page's next action finds the session ended: the login page
  // says so (not the API's "log in first ... Bearer TOKEN"), leads back
  // to her page, and nothing was done (a page that polls, the grid, goes
  // there at its next poll)
  await danaPage.click('button.pause-toggle[data-dag="tiny"]');
  await danaPage.waitForURL(URL + '/login?ended=1&next=%2F', { timeout: WAIT });
  const ended = await danaPage.textContent('#login-error');
  check(ended.startsWith('Your session has ended') && ended.includes('was not done'),
    'an action after her session ended leads to the login page, saying why: ' + ended);
  await danaPage.screenshot({ path: SHOTS + '/u-08b-session-ended.png' });
  check(await tinyPaused() === pausedBefore, 'the pause after her session ended did nothing');
  await danaCtx.close();

  // --- remove her, after a confirmation that says what it does ---
  await page.click(row('dana') + ' button.user-remove');
  await page.locator('#remove-dialog:not([hidden])').waitFor({ timeout: WAIT });
  const summary = await page.textContent('#remove-summary');
  check((await page.textContent('#remove-user')) === 'dana', 'the dialog names her');
  check(summary.includes('their sessions end at once') && summary.includes('their API tokens (1) are revoked'),
    'it says her sessions end and her token is revoked: ' + summary);
  await shot('u-09-remove-dialog');
  await page.click('#remove-confirm');
  await page.locator(row('dana')).waitFor({ state: 'detached', timeout: WAIT });
  await statusSays(page, 'removed dana');
  check((await asToken(token)).status === 401, 'her token is revoked');
  await shot('u-10-removed');

  // --- on a 1024px laptop a short name keeps its line (breaking anywhere
  // once let the table squeeze its column to "admi" over "n") ---
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.goto(URL + '/users');
  const brokenNames = await page.evaluate(() => [...document.querySelectorAll('#users td.user-name')]
    .map((td) => td.firstChild).filter((t) => {
      const r = document.createRange();
      r.selectNodeContents(t);
      return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size > 1;
    }).map((t) => t.textContent));
  check(brokenNames.length === 0, 'at 1024px every user name is on one line: ' + brokenNames.join(', '));
  await page.setViewportSize({ width: 1280, height: 860 });

  // --- a 64-character name on a 1024px laptop: the table fits, buttons keep their labels on one line ---
  const longName = 'a_user_with_a_remarkably_long_login_name_for_the_users_table_x64';
  const added = await page.evaluate(async (name) => (await fetch('/api/v1/users', {
    method: 'POST', headers: { 'Content-Type': 'application/json',
      'X-CSRF-Token': document.querySelector('meta[name="csrf-token"]').content },
    body: JSON.stringify({ name, role: 'viewer', generate_password: true }) })).status, longName);
  check(added === 201 && longName.length === 64, 'a user with a 64-character name is added');
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.goto(URL + '/users');
  const fit = await page.evaluate(() => ({
    over: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    wrapped: [...document.querySelectorAll('#users .user-buttons button, #users .user-buttons a.button')].filter((b) =>
      b.getClientRects()[0].height > 2 * parseFloat(getComputedStyle(b).lineHeight)).map((b) => b.textContent),
    // an inline element broken over two lines has two boxes
    brokenTimes: [...document.querySelectorAll('#users time')].filter((t) => t.getClientRects().length > 1).map((t) => t.textContent),
  }));
  check(fit.over <= 0, `the users table fits a 1024px window (${fit.over}px too wide)`);
  const box = await overReach(page, '#users');
  check(box <= 0, `the users table keeps inside the page's margins, as the form above it (${box}px past them)`);
  // (the long name wraps, between its words: "a_user_with_a_|remarkably_",
  // never "_remarkably_l|ong")
  const longLines = await midWordBreaks(page, `#users tr[data-user="${longName}"] td.user-name`);
  check(longLines.lines[0] > 1 && longLines.broken.length === 0, `the long name wraps between its words only (${longLines.lines[0]} lines): ` + longLines.broken.join(', '));
  check(fit.wrapped.length === 0, 'no button label wraps: ' + fit.wrapped.join(', '));
  check(fit.brokenTimes.length === 0, 'no time breaks at its hyphen: ' + fit.brokenTimes.join(', '));
  await shot('u-11-long-name');
  // --- at 640px (the table needed some 1100px) the list fits, each
  // count labelled: a bare "2" beside the name said nothing ---
  await page.setViewportSize({ width: 640, height: 700 });
  const narrow = await page.evaluate(() => ({
    over: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    labels: ['user-sessions', 'user-tokens'].map((c) =>
      getComputedStyle(document.querySelector('#users td.' + c), '::before').content),
  }));
  check(narrow.over <= 0, `at 640px the users list fits the window (${narrow.over}px too wide)`);
  check(narrow.labels[0] === '"sessions "' && narrow.labels[1] === '"API tokens "',
    'at 640px the sessions and API tokens counts are labelled: ' + narrow.labels.join(', '));
  await shot('u-12-users-640');
  // and at 1100px, where the table of three times (made, last login, a
  // token's last use: some 1120px) passed the window
  await page.setViewportSize({ width: 1100, height: 700 });
  const over1100 = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(over1100 <= 0, `at 1100px the users list fits the window (${over1100}px too wide)`);
  // the audit log's actions of users read as one word each at 1024px
  // ("user_pas|sword" once, its column squeezed by the details)
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.goto(URL + '/audit');
  const actions = await page.evaluate(() => [...document.querySelectorAll('#audit tbody td:nth-child(3)')].map((td) => {
    const r = document.createRange();
    r.selectNodeContents(td);
    return [td.textContent, new Set([...r.getClientRects()].map((c) => Math.round(c.top))).size];
  }));
  const split = actions.filter(([, n]) => n > 1).map(([a]) => a);
  check(actions.some(([a]) => a === 'user_password') && split.length === 0,
    'at 1024px each audited action keeps its line: ' + split.join(', '));
  await shot('u-13-audit-1024');
});
console.log('users_ui: ok');

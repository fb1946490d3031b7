// The browser steps of the journey tests (tests/journey_lib.sh), in
// headless Chromium (Debian's) driven by playwright-core, as a person
// clicks. Environment: URL, USER, PASSWORD, SHOTS (screenshots), MODE:
//   link   LINK (from a mail), WANT (a CSS selector), WANT_TEXT: the link
//          leads to the login, then to the linked page, which shows WANT
//          containing WANT_TEXT.
//   clear  DAG, TASK, FROM, TO, PREVIEW ("PARTITION TASK STATE" lines),
//          DOWNSTREAM (non-empty: tick "downstream"): in the DAG's grid,
//          click FROM's cell of TASK, shift-click TO's, Clear; the preview
//          lists exactly PREVIEW; confirm; every cleared cell turns green
//          (or skipped).
// Every wait is a bounded wait for a state, never a sleep.
import { check, openPage } from './lib.mjs';

const env = process.env;
const WAIT = 30000;

const { browser, page, errors, shot } = await openPage(1280, 860, env.SHOTS);

// Open TARGET without a session: the login page, then back to TARGET.
async function loginTo(target) {
  await page.goto(target);
  check(page.url().includes('/login'), 'without a session ' + target + ' leads to the login');
  await page.fill('#username', env.USER);
  await page.fill('#password', env.PASSWORD);
  const [resp] = await Promise.all([
    page.waitForNavigation({ url: target, timeout: WAIT }),
    page.click('#login'),
  ]);
  check(resp !== null && resp.status() === 200, 'after logging in, ' + target + ' opens (HTTP 200)');
}

try {
  if (env.MODE === 'link') {
    await loginTo(env.LINK);
    const el = page.locator(env.WANT).first();
    await el.waitFor({ state: 'attached', timeout: WAIT });
    await page.waitForFunction(([sel, text]) => {
      const e = document.querySelector(sel);
      return e && e.textContent.includes(text);
    }, [env.WANT, env.WANT_TEXT], { timeout: WAIT }).catch(() => {});
    const text = await el.textContent();
    await shot('1-email-link');
    check(text.includes(env.WANT_TEXT), `the linked page shows ${env.WANT} with "${env.WANT_TEXT}" (has: ${text.slice(0, 300)})`);
  } else if (env.MODE === 'clear') {
    const grid = env.URL + '/dags/' + encodeURIComponent(env.DAG);
    await loginTo(grid);
    const cell = (p) => page.locator(`#grid td.cell[data-partition="${p}"][data-task="${env.TASK}"]`);
    await cell(env.FROM).waitFor({ timeout: WAIT });
    await cell(env.TO).waitFor({ timeout: WAIT });
    await shot('2-grid-before');
    await cell(env.FROM).click();
    await cell(env.TO).click({ modifiers: ['Shift'] });
    const want = env.PREVIEW.trim().split('\n').map((l) => l.trim().split(/\s+/));
    const nsel = new Set(want.filter((r) => r[1] === env.TASK).map((r) => r[0])).size;
    check(await page.locator('#grid td.cell.sel').count() === nsel,
      `shift-click selects the ${nsel} partitions ${env.FROM} .. ${env.TO} of ${env.TASK}`);
    if (env.DOWNSTREAM) await page.check('#opt-downstream');
    await page.click('#clear-btn');
    await page.locator('#preview:not([hidden])').waitFor({ timeout: WAIT });
    const rows = await page.locator('#preview-table tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.children].map((td) => td.textContent.trim())));
    await shot('3-clear-preview');
    check(JSON.stringify(rows) === JSON.stringify(want),
      'the preview lists what will re-run: ' + JSON.stringify(rows) + ' (want ' + JSON.stringify(want) + ')');
    check((await page.textContent('#preview-title')).includes(want.length + ' task instance'),
      'the preview title counts ' + want.length);
    await page.click('#preview-confirm');
    await page.locator('#status', { hasText: 'cleared ' + want.length }).waitFor({ timeout: WAIT });
    for (const [p, t] of want)
      await page.locator(`#grid td.cell:is(.st-success,.st-skipped)[data-partition="${p}"][data-task="${t}"]`).waitFor({ timeout: WAIT });
    check(true, 'every cleared cell ran again: green (or skipped, as its trigger rule says)');
    check((await page.textContent('#status')).includes('cleared ' + want.length), 'the status line says what was cleared');
    await shot('4-cleared');
  } else {
    throw new Error('unknown MODE ' + env.MODE);
  }
  check(errors.length === 0, 'no script errors: ' + errors.join('; '));
} catch (e) {
  console.error(e.message);
  await shot('failure-' + env.MODE).catch(() => {});
  await browser.close();
  process.exit(1);
}
await browser.close();

// A backfill cut to its DAG's start: on the backfills page (run by
// tests/backfill_range_browser.sh: sets URL, OPS_PW and SHOTS). The row
// says the range it covers and, below it, the one asked; the same after
// app.js redraws the rows from GET /api/v1/backfills.
import { brokenKeys, check, journey, midWordBreaks, overReach } from './lib.mjs';

const { URL, OPS_PW, SHOTS } = process.env;
const WAIT = 30000;
const RANGE = 'tr.backfill td.bf-range';
// (the ellipsis keeps to the key before it: a no-break space)
const WANT = '2024-01-01T00:00:00-05:00\u00a0… 2024-01-01T01:00:00-05:00' +
  'asked 2023-12-31T22:00\u00a0… 2024-01-01T01:00: 2 partitions outside start:/end: left out';

await journey(1280, 480, SHOTS, async (page, shot) => {
  await page.goto(URL + '/login?next=' + encodeURIComponent('/backfills'));
  await page.fill('#username', 'ops');
  await page.fill('#password', OPS_PW);
  await page.click('#login');
  await page.waitForURL(URL + '/backfills', { timeout: WAIT });
  check((await page.textContent(RANGE)) === WANT, 'the server\'s row: covered, then asked: ' +
    await page.textContent(RANGE));
  check((await page.textContent('tr.backfill .bf-done')) === '0/2', 'its progress counts the 2 partitions it covers');
  const drawn = await page.$$eval('tr.backfill td.bf-by time', (ts) => ts.map((t) => t.textContent));
  // app.js redraws the rows every 2 s: mark the server's, wait for a new one
  await page.evaluate(() => { document.querySelector('tr.backfill').dataset.drawnBy = 'server'; });
  await page.waitForFunction(() => document.querySelector('tr.backfill') &&
    document.querySelector('tr.backfill').dataset.drawnBy === undefined, null, { timeout: WAIT });
  check((await page.textContent(RANGE)) === WANT, 'app.js\'s row says the same: ' + await page.textContent(RANGE));
  check(await page.isVisible(RANGE + ' .bf-asked'), 'the asked range is shown');
  // when it was made: in its DAG's zone (hny: New York's -05:00 in
  // winter; daily_rollup: UTC, "+00:00", never "Z"), as the server drew it
  for (const [i, off] of [[0, '-05:00'], [1, '+00:00']]) {
    const at = await page.textContent(`tr.backfill:nth-child(${i + 1}) td.bf-by time`);
    check(at === drawn[i], `app.js redraws when backfill ${i + 1} was made as the server drew it: ${at}, not ${drawn[i]}`);
    check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$/.test(at) && at.endsWith(off),
      `backfill ${i + 1} was made at a time in its DAG's zone (${off}): ${at}`);
  }
  await shot('bf-01-cut');
  // on a 1024px laptop a DAG's name breaks only when it is long (past 12
  // characters), and then between its words; the progress's detail breaks
  // only after its comma ("0 failed," over "0 running", never "0" over
  // "failed"), the page fits
  await page.setViewportSize({ width: 1024, height: 700 });
  const narrow = await page.evaluate(() => {
    const lines = (e) => {
      const r = document.createRange();
      r.selectNodeContents(e);
      return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size;
    };
    const names = [...document.querySelectorAll('tr.backfill td a')];
    return {
      broken: names.filter((a) => a.textContent.length <= 12 && lines(a) > 1).map((a) => a.textContent)
        .concat([...document.querySelectorAll('tr.backfill .bf-detail')].filter((e) => {
          const t = e.firstChild, top = (i) => {
            const r = document.createRange();
            r.setStart(t, i);
            r.setEnd(t, i + 1);
            return Math.round(r.getClientRects()[0].top);
          };
          for (let i = 1; i < t.length; i++)
            if (top(i) !== top(i - 1) && t.textContent.slice(i - 2, i) !== ', ') return true;
          return false;
        }).map((e) => e.textContent)),
      over: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    };
  });
  check(narrow.broken.length === 0, 'at 1024px no short name is split over two lines, nor a progress detail but after its comma: ' + narrow.broken.join(', '));
  check(narrow.over <= 0, `the backfills table fits a 1024px window (${narrow.over}px too wide)`);
  await shot('bf-02-narrow');
  // ... and its box, with each partition key on one line (never
  // "2024-01-" over "01T00:00:00-05:00"), as the server draws the rows
  // and as app.js draws them again
  await page.goto(URL + '/backfills');
  for (const by of ['the server', 'app.js']) {
    if (by === 'app.js') {
      await page.evaluate(() => { document.querySelector('tr.backfill').dataset.drawnBy = 'server'; });
      await page.waitForFunction(() => document.querySelector('tr.backfill') &&
        document.querySelector('tr.backfill').dataset.drawnBy === undefined, null, { timeout: WAIT });
    }
    const names = await midWordBreaks(page, 'tr.backfill td a');
    check(names.broken.length === 0, `at 1024px no DAG's name is split inside a word (rows by ${by}): ` + names.broken.join(', '));
    const broken = await brokenKeys(page, 'tr.backfill td'), over = await overReach(page, '#backfills');
    check(broken.length === 0, `at 1024px no partition key or time is split over two lines (rows by ${by}): ` + broken.join(', '));
    check(over <= 0, `at 1024px the backfills table fits its box (rows by ${by}; ${over}px too wide)`);
  }
  await shot('bf-03-narrow-keys');
  // at 640px each backfill reads as lines of its own (the table needed
  // some 830px), every key and time whole, nothing sideways
  await page.setViewportSize({ width: 640, height: 700 });
  const broken640 = await brokenKeys(page, 'tr.backfill td');
  const over640 = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(broken640.length === 0, 'at 640px no partition key or time is split over two lines: ' + broken640.join(', '));
  check(over640 <= 0 && await overReach(page, '#backfills') <= 0, `at 640px the backfills fit the window (${over640}px too wide)`);
  await shot('bf-04-640');

  // Cancel… shows what the cancel does in a dialog of the page (no
  // browser confirm, a kill only by shift-click): inventoryrollups' run is
  // queued (its DAG paused), so it is removed; the box says kill or not
  await page.setViewportSize({ width: 1280, height: 700 });
  await page.goto(URL + '/backfills');
  const row = page.locator('tr.backfill', { has: page.locator('a', { hasText: 'inventoryrollups' }) });
  await row.locator('button.bf-cancel').click();
  await page.locator('#bf-cancel-dialog:not([hidden])').waitFor({ timeout: WAIT });
  const runs = await page.locator('#bf-cancel-runs tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  check(JSON.stringify(runs) === JSON.stringify([['2024-01-01T00:00:00+00:00', 'queued', 'removed']]),
    'the dialog lists its queued run, to be removed: ' + JSON.stringify(runs));
  const summary = () => page.textContent('#bf-cancel-summary');
  check(await summary() === '1 queued run will be removed; 0 running runs will finish.', 'and says so: ' + await summary());
  check(!(await page.isChecked('#bf-cancel-kill')), 'running runs are not killed unless the box is ticked');
  await page.check('#bf-cancel-kill');
  check(await summary() === '1 queued run will be removed; 0 running runs will be killed.', 'ticked: ' + await summary());
  await shot('bf-05-cancel');
  await page.click('#bf-cancel-confirm');
  await page.locator('#status', { hasText: 'cancelled' }).waitFor({ timeout: WAIT });
  check(await page.textContent('#status') === 'backfill 1 cancelled: 1 queued run removed, 0 running runs killed',
    'the status says what was done: ' + await page.textContent('#status'));
  await row.locator('.bf-state', { hasText: 'cancelled' }).waitFor({ timeout: WAIT });
  check(await row.locator('button.bf-cancel').count() === 0, 'the row says cancelled, without Cancel…');
  // its progress says what became of the run it counts (it read "0/1, 0
  // failed, 0 running" for good), as app.js draws the row and the server
  const detail = '0\u00a0failed, 0\u00a0running, 1\u00a0removed';
  check(await row.locator('.bf-detail').textContent() === detail, 'app.js: the run the cancel removed is counted: ' +
    await row.locator('.bf-detail').textContent());
  await page.goto(URL + '/backfills');
  check(await row.locator('.bf-detail').textContent() === detail, 'the server: the same: ' +
    await row.locator('.bf-detail').textContent());
});
console.log('backfill_range: ok');

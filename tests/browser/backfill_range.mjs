// A backfill cut to its DAG's start: on the backfills page (run by
// tests/backfill_range_browser.sh: sets URL, OPS_PW and SHOTS). The row
// says the range it covers and, below it, the one asked; the same after
// app.js redraws the rows from GET /api/v1/backfills.
import { check, journey } from './lib.mjs';

const { URL, OPS_PW, SHOTS } = process.env;
const WAIT = 30000;
const RANGE = 'tr.backfill td.bf-range';
const WANT = '2024-01-01T00:00:00-05:00 … 2024-01-01T01:00:00-05:00' +
  'asked 2023-12-31T22:00 … 2024-01-01T01:00: 2 partitions outside start:/end: left out';

await journey(1280, 480, SHOTS, async (page, shot) => {
  await page.goto(URL + '/login?next=' + encodeURIComponent('/backfills'));
  await page.fill('#username', 'ops');
  await page.fill('#password', OPS_PW);
  await page.click('#login');
  await page.waitForURL(URL + '/backfills', { timeout: WAIT });
  check((await page.textContent(RANGE)) === WANT, 'the server\'s row: covered, then asked: ' +
    await page.textContent(RANGE));
  check((await page.textContent('tr.backfill .bf-done')) === '0/2', 'its progress counts the 2 partitions it covers');
  // app.js redraws the rows every 2 s: mark the server's, wait for a new one
  await page.evaluate(() => { document.querySelector('tr.backfill').dataset.drawnBy = 'server'; });
  await page.waitForFunction(() => document.querySelector('tr.backfill') &&
    document.querySelector('tr.backfill').dataset.drawnBy === undefined, null, { timeout: WAIT });
  check((await page.textContent(RANGE)) === WANT, 'app.js\'s row says the same: ' + await page.textContent(RANGE));
  check(await page.isVisible(RANGE + ' .bf-asked'), 'the asked range is shown');
  await shot('bf-01-cut');
});
console.log('backfill_range: ok');

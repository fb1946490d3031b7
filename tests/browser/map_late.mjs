// Late partitions without a run on the partition map and the grid, in
// headless Chromium. Run by tests/web_map_late_browser.sh, which starts
// `sluice standalone` with DAG fresh (hourly from 12 hours ago, paused,
// freshness: 30m, no run) and sets URL, OPS_PW, SHOTS, and FIRST and LAST,
// the keys of its cells 2 and 5, ZERO that of cell 0; DAG cal is daily through 2024-02, DAG
// ny hourly in America/New_York over 2024-11-03 (clocks go back at 02:00).
// Every wait is a bounded wait for a state, never a sleep.
import { check, firstFrameMatches, journey, mapFits } from './lib.mjs';

const { URL, OPS_PW, SHOTS, FIRST, LAST, ZERO } = process.env;
const WAIT = 30000;
await journey(1280, 860, SHOTS, async (page, shot) => {
  const count = (state) => page.evaluate((s) => window.sluiceMap.count(s), state);
  const center = (i) => page.evaluate((i) => window.sluiceMap.center(i), i);
  await page.goto(URL + '/dags/fresh/map');
  await page.fill('#username', 'ops');
  await page.fill('#password', OPS_PW);
  await page.click('#login');
  await page.waitForURL(URL + '/dags/fresh/map', { timeout: WAIT });
  await page.locator('#map[data-painted-ms]').waitFor({ timeout: WAIT });
  check(await count('late') >= 10, 'the hours past their deadline are late');
  check(await page.evaluate(() => window.sluiceMap.state(2)) === 'late', 'cell 2 is late');

  // --- drag over four late hours: they can be backfilled ---
  const a = await center(2), b = await center(5);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 4 });
  await page.mouse.up();
  check(await page.evaluate(() => window.sluiceMap.selected()) === 4, 'four hours selected');
  check((await page.locator('#map-selection').textContent()).includes('4 late'), 'the selection counts the late ones');
  check(await page.locator('#map-backfill').isEnabled(), 'Backfill is offered for late hours without a run');
  await page.click('#map-backfill');
  await page.locator('#map-preview:not([hidden])').waitFor({ timeout: WAIT });
  const keys = await page.locator('#map-preview-table tbody tr td:first-child').allTextContents();
  check(JSON.stringify(keys) === JSON.stringify([FIRST, keys[1], keys[2], LAST]) && keys.length === 4,
    'the preview lists the four hours: ' + keys.join(', '));
  await shot('01-late-preview');
  await page.click('#map-preview-confirm');
  await page.locator('#status', { hasText: /^backfill \d+: 4 run\(s\) created$/ }).waitFor({ timeout: WAIT });

  // --- the grid: the late hours without a run are never-run rows ---
  await page.goto(URL + '/dags/fresh');
  await page.locator('#grid tr[data-partition="' + LAST + '"] td.cell').first().waitFor({ timeout: WAIT });
  await page.locator('#grid tr.never-run[data-never-run]').first().waitFor({ timeout: WAIT });
  const never = await page.locator('#grid tr.never-run[data-never-run]').evaluateAll((trs) => trs.map((tr) => tr.dataset.partition));
  check(never.length >= 6 && never.every((k) => k > LAST), 'the late hours after the backfilled ones are never-run rows: ' + never.length);
  await shot('02-grid-never-run');

  // --- the grid opened at a late hour older than every run (what a late
  // alert links to): its never-run row is there, and stays at the polls ---
  const gridPoll = () => page.waitForResponse((r) => /\/api\/v1\/dags\/fresh\/grid\?/.test(r.url()) && !r.url().includes('at='), { timeout: WAIT });
  await page.goto(URL + '/dags/fresh?at=' + encodeURIComponent(ZERO));
  const target = page.locator('#grid tr.never-run.target[data-partition="' + ZERO + '"]');
  await target.waitFor({ timeout: WAIT });
  check(!(await page.textContent('#status')).includes('not shown'), 'the jump says it is shown: ' + await page.textContent('#status'));
  await gridPoll();
  await gridPoll();       // the poll before this one has been drawn
  check(await target.count() === 1, 'the row stays after a poll of the grid');
  await shot('02b-grid-at-oldest');
  // a DAG with no run at all
  await page.goto(URL + '/dags/cal?at=2024-02-10');
  await page.locator('#grid tr.never-run.target[data-partition="2024-02-10T00:00:00+00:00"]').waitFor({ timeout: WAIT });
  check(true, 'a DAG with no run: the partition named is a never-run row');

  // --- month labels: January is one week wide here, February's label
  // starts a column later; they must not be drawn over each other ---
  await page.goto(URL + '/dags/cal/map?from=2024-01-25&to=2024-02-29');
  await page.locator('#map[data-painted-ms]').waitFor({ timeout: WAIT });
  check(await page.locator('#map').getAttribute('data-layout') === 'daily', 'a daily DAG: a calendar');
  const labels = await page.evaluate(() => window.sluiceMap.labels());
  check(labels.some((l) => l.text === '2024-02'), 'February is labelled: ' + JSON.stringify(labels));
  check(labels.every((l, k) => k === 0 || labels[k - 1].x + labels[k - 1].w < l.x),
    'no month label runs into the next: ' + JSON.stringify(labels));
  await shot('03-month-labels');
  let diff = await firstFrameMatches(page, '/dags/days/map');
  check(diff.length === 0, 'a calendar: the first frame\'s picture shows each day as the canvas does' +
    (diff.length ? ': ' + diff.join('; ') : ''));

  // --- the day the clocks go back: 25 hours, each in a cell of its own
  // (01:00 twice: the second in the DST row), the rest in their rows ---
  await page.goto(URL + '/dags/ny/map?from=2024-11-03&to=2024-11-03');
  await page.locator('#map[data-painted-ms]').waitFor({ timeout: WAIT });
  const cells = await page.evaluate(() => {
    const out = [];
    for (let i = 0; i < 25; i++) out.push({ key: window.sluiceMap.key(i), at: JSON.stringify(window.sluiceMap.center(i)) });
    return out;
  });
  check(cells[2].key === '2024-11-03T01:00:00-05:00' && cells[24].key === '2024-11-03T23:00:00-05:00', 'the 25 hours of 2024-11-03');
  check(new Set(cells.map((c) => c.at)).size === 25, 'each hour has a cell of its own: ' +
    cells.filter((c, i) => cells.findIndex((d) => d.at === c.at) !== i).map((c) => c.key).join(', '));
  // 22:00, after the repeated hour, has no run: a click selects it
  const late = cells[23], p23 = JSON.parse(late.at);
  await page.mouse.click(p23.x, p23.y);
  await page.locator('#map-selection', { hasText: '1 selected: ' + late.key }).waitFor({ timeout: WAIT });
  check(true, 'a click on 22:00 selects ' + late.key);
  await shot('04-dst-day');
  diff = await firstFrameMatches(page, '/dags/ny/map?from=2024-11-02&to=2024-11-04');
  check(diff.length === 0, 'the days around the clocks going back: the first frame\'s picture shows each hour ' +
    'as the canvas does' + (diff.length ? ': ' + diff.join('; ') : ''));
  diff = await firstFrameMatches(page, '/dags/nyd/map');
  check(diff.length === 0, 'a calendar across a DST change (starts 23 and 25 hours apart): the first frame\'s ' +
    'picture shows each day as the canvas does' + (diff.length ? ': ' + diff.join('; ') : ''));
  check(await page.locator('#map').getAttribute('data-layout') === 'daily', 'daily across DST: a calendar');
  diff = await firstFrameMatches(page, '/dags/quarter/map');
  check(diff.length === 0, 'a strip (every 15 minutes): the first frame\'s picture shows each partition ' +
    'as the canvas does' + (diff.length ? ': ' + diff.join('; ') : ''));
  check(await page.locator('#map').getAttribute('data-layout') === 'strip', 'every 15 minutes: a strip');
  // at 1024 px a strip of 60 columns and a calendar fit the map's box, the
  // first frame's picture as well as the canvas
  await page.setViewportSize({ width: 1024, height: 860 });
  for (const dag of ['quarter', 'days']) {
    diff = await firstFrameMatches(page, '/dags/' + dag + '/map');
    const fit = await mapFits(page);
    check(diff.length === 0 && fit.over <= 0 && fit.labels.length === 0,
      `at 1024 px the map of ${dag} fits its box: ` + JSON.stringify(fit) + (diff.length ? ': ' + diff.join('; ') : ''));
  }
  // ... and its toolbar: a selection's line (the longest: a whole range)
  // moves nothing, each button's label keeps its line
  const bar = () => page.evaluate(() => {
    const lines = (e) => {
      const r = document.createRange();
      r.selectNodeContents(e);
      return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size;
    };
    return { mapTop: Math.round(document.getElementById('map-canvas').getBoundingClientRect().top),
      selection: lines(document.getElementById('map-selection')),
      split: [...document.querySelectorAll('#map-actions button')].filter((b) => lines(b) > 1).map((b) => b.textContent) };
  });
  const before = await bar();
  const first = await center(0), last = await center(await page.evaluate(() => window.sluiceMap.cells() - 1));
  await page.mouse.move(first.x, first.y);
  await page.mouse.down();
  await page.mouse.move(last.x, last.y, { steps: 4 });
  await page.mouse.up();
  check(await page.evaluate(() => window.sluiceMap.selected()) === 60, 'the whole calendar selected');
  const after = await bar();
  check(before.split.length === 0 && after.split.length === 0, 'at 1024 px no button\'s label is split: ' + before.split.concat(after.split).join(', '));
  check(after.selection === 1 && after.mapTop === before.mapTop,
    'the selection\'s line is one line, the map stays where it was: ' + JSON.stringify({ before, after }));
  await shot('05-narrow-toolbar');
});

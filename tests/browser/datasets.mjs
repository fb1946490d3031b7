// Datasets and the clear previews across DAGs in headless Chromium (run by
// tests/web_datasets_browser.sh: DAG lake, two days of hours, land
// produces s3://bucket/prefix/, load produces lake.trades and failed at
// two hours; DAG report needs lake.trades). Sets URL, OPS_PW, SHOTS and
// the keys K3, K5 (a range for the map's Clear range), K10 (a cell
// the grid clears) and K7, K30 (load's failed hours). Every wait is a
// bounded wait for a state.
import { check, journey } from './lib.mjs';

const { URL, OPS_PW, SHOTS, K3, K5, K10, K7, K30 } = process.env;
const WAIT = 30000;
await journey(1400, 900, SHOTS, async (page, shot) => {
  const consequences = (sel) => page.locator(sel + ' .consequence').evaluateAll((xs) =>
    xs.map((x) => x.dataset.dag + ' ' + x.dataset.partition));
  await page.goto(URL + '/');
  await page.fill('#username', 'ops');
  await page.fill('#password', OPS_PW);
  await page.click('#login');
  await page.waitForURL(URL + '/', { timeout: WAIT });

  // --- the Datasets page, from the nav ---
  await page.click('header nav a[href="/datasets"]');
  await page.waitForURL(URL + '/datasets', { timeout: WAIT });
  const names = await page.locator('#datasets tr.dataset').evaluateAll((trs) => trs.map((tr) => tr.dataset.name));
  check(JSON.stringify(names) === JSON.stringify(['lake.trades', 's3://bucket/prefix/']), 'two datasets: ' + names.join(', '));
  check((await page.locator('#datasets tr.dataset[data-name="lake.trades"] .ds-producers').textContent()) === 'lake.load',
    'lake.trades: produced by lake.load');
  check((await page.locator('#datasets tr.dataset[data-name="lake.trades"] .ds-consumers').textContent()).startsWith('report'),
    'lake.trades: needed by report');
  // each with its recent partitions: a strip of state cells, one row per day
  const strip = (name) => page.locator(`#datasets tr.dataset[data-name="${name}"] .ds-strip a.mc`).evaluateAll((as) =>
    as.map((a) => ({ state: a.className.replace(/^mc m-/, ''), href: a.getAttribute('href'),
      partition: new URLSearchParams(a.getAttribute('href').split('?')[1]).get('at') })));
  const trades = await strip('lake.trades');
  const failed = trades.filter((c) => c.state === 'failed').map((c) => c.partition);
  check(trades.length === 48 && trades.filter((c) => c.state === 'success').length === 46,
    'lake.trades: a strip of its 48 hours, 46 landed: ' + trades.length);
  check(JSON.stringify(failed) === JSON.stringify([K7, K30]), 'the two failed loads: ' + failed.join(', '));
  check(trades.every((c) => c.href.startsWith('/dags/lake?at=')), 'each cell links to the grid at it');
  check((await strip('s3://bucket/prefix/')).filter((c) => c.state === 'success').length === 48,
    's3://bucket/prefix/: 48 landed');
  const days = await page.locator('#datasets tr.dataset[data-name="lake.trades"] .ds-strip .ds-day').count();
  check(days >= 2 && days <= 3, 'a row per day: ' + days);
  check((await page.locator('#datasets tr.dataset[data-name="lake.trades"] .ds-count[data-state="failed"]').textContent()) === '2 failed',
    'the strip counts the failed');
  await shot('01-datasets');
  // a cell opens the producer's grid at that partition
  await page.locator(`#datasets tr.dataset[data-name="lake.trades"] .ds-strip a.mc[href="/dags/lake?at=${K7.replace('+', '%2B')}"]`).click();
  await page.locator('#grid tr.target').first().waitFor({ timeout: WAIT });
  check(await page.locator(`#grid tr.target[data-partition="${K7}"]`).count() === 1, 'a failed cell opens lake\'s grid at ' + K7);
  await shot('01b-datasets-cell-grid');
  await page.goto(URL + '/datasets');

  // --- a dataset's page: its map, the producing task's hours ---
  await page.click('#datasets tr.dataset[data-name="lake.trades"] a.ds-name');
  await page.waitForURL(/\/datasets\/lake\.trades$/, { timeout: WAIT });
  await page.locator('#map[data-painted-ms]').waitFor({ timeout: WAIT });
  const count = (state) => page.evaluate((s) => window.sluiceMap.count(s), state);
  check(await page.locator('#map').getAttribute('data-layout') === 'hourly', 'an hourly map: days x 24 hours');
  check(await count('failed') === 2 && await count('success') === 46, 'the two failed loads, 46 landed');
  // the poll reads the dataset's endpoint: wait for a second load
  await page.waitForFunction(() => Number(document.getElementById('map').dataset.loads) >= 2, null, { timeout: WAIT });
  check(await count('failed') === 2, 'still so after a poll of the dataset endpoint');
  await shot('02-dataset-map');
  check(!(await page.textContent('#map-note')).includes('drag'), 'a dataset\'s map, with no actions, does not offer a selection');
  // --- on a phone (390px) the datasets list and a dataset's page fit:
  // the list's four columns pushed it 180px sideways, the map's From, To
  // and Show on one line as much ---
  await page.setViewportSize({ width: 390, height: 844 });
  const phoneOver = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  const datasetOver = await phoneOver();
  const showBtn = await page.locator('#map-range button').boundingBox();
  const mapBox = await page.locator('#map-toolbar').boundingBox();
  check(datasetOver <= 0 && showBtn.x + showBtn.width <= mapBox.x + mapBox.width,
    `at 390px a dataset's page fits (${datasetOver}px too wide), Show inside its toolbar`);
  await shot('02b-dataset-390');
  await page.goto(URL + '/datasets');
  const listOver = await phoneOver();
  check(listOver <= 0, `at 390px the datasets list fits (${listOver}px too wide)`);
  await shot('01c-datasets-390');
  await page.setViewportSize({ width: 1400, height: 900 });

  // --- the partition map's Clear range: the preview names report's hours ---
  await page.goto(URL + '/dags/lake/map');
  await page.locator('#map[data-painted-ms]').waitFor({ timeout: WAIT });
  check((await page.textContent('#map-note')).includes('drag over cells to select a range'), 'an operator\'s DAG map says how to select');
  const center = (i) => page.evaluate((i) => window.sluiceMap.center(i), i);
  const keyAt = (i) => page.evaluate((i) => window.sluiceMap.key(i), i);
  let i3 = -1;
  for (let i = 0; i < 48 && i3 < 0; i++) if (await keyAt(i) === K3) i3 = i;
  check(i3 >= 0, 'hour 3 is on the map');
  const ca = await center(i3), cb = await center(i3 + 2);
  await page.mouse.move(ca.x, ca.y);
  await page.mouse.down();
  await page.mouse.move(cb.x, cb.y, { steps: 6 });
  await page.mouse.up();
  check(await page.evaluate(() => window.sluiceMap.selected()) === 3, 'three hours selected');
  await page.click('#map-clear-range');
  await page.locator('#map-preview:not([hidden])').waitFor({ timeout: WAIT });
  const mapCons = await consequences('#map-preview-extra');
  check(mapCons.length === 3 && mapCons[0] === 'report ' + K3 && mapCons[2] === 'report ' + K5,
    'the map preview lists report ' + K3 + ' … ' + K5 + ': ' + mapCons.join(', '));
  check((await page.locator('#map-preview-extra').textContent()).includes('Then, in other DAGs (needs:), 3 partitions re-run:'),
    'and says why');
  await shot('03-map-clear-preview');
  await page.click('#map-preview-cancel');

  // --- the grid's Clear…: the same, and confirmed ---
  await page.goto(URL + '/dags/lake?at=' + encodeURIComponent(K10));
  await page.locator('#grid tr.target').first().waitFor({ timeout: WAIT });
  // (a long list, a whole column, in a laptop's 700px: the list scrolls,
  // what it re-runs elsewhere keeps its height, up to 30vh, where it
  // scrolls too; it was squeezed to one line, its heading out of view)
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.locator('#grid thead th.task[data-task="load"]').click();
  await page.click('#clear-btn');
  await page.locator('#preview:not([hidden])').waitFor({ timeout: WAIT });
  await page.locator('#preview-extra .consequence').first().waitFor({ timeout: WAIT });
  const extra = await page.evaluate(() => {
    const e = document.getElementById('preview-extra');
    return { scroll: e.scrollHeight, client: e.clientHeight, room: Math.floor(innerHeight * 0.3),
      rows: document.querySelectorAll('#preview-table tbody tr').length };
  });
  check(extra.rows > 10 && extra.client >= Math.min(extra.scroll, extra.room) - 1,
    `with ${extra.rows} rows the preview shows what it re-runs elsewhere ${extra.client}px high (of ${extra.scroll}px, at most ${extra.room}px)`);
  await shot('04a-grid-clear-column-1024');
  await page.click('#preview-cancel');
  await page.click('#select-none');
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.locator(`#grid td.cell[data-partition="${K10}"][data-task="load"]`).click();
  await page.click('#clear-btn');
  await page.locator('#preview:not([hidden])').waitFor({ timeout: WAIT });
  const gridCons = await consequences('#preview-extra');
  check(JSON.stringify(gridCons) === JSON.stringify(['report ' + K10]), 'the grid preview lists report ' + K10 + ': ' + gridCons.join(', '));
  check(await page.locator('#preview-extra .consequence a').getAttribute('href') ===
    '/dags/report/runs/' + encodeURIComponent(K10), 'with a link to its run');
  await shot('04-grid-clear-preview');
  await page.click('#preview-confirm');
  await page.locator('#status', { hasText: 'cleared 1 task instance' }).waitFor({ timeout: WAIT });
});

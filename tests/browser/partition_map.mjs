// The partition map page in headless Chromium (Debian's), driven by
// playwright-core. Run by tests/web_partition_map_browser.sh, which
// starts `sluice standalone` with DAG year (a year of hourly partitions,
// eight missing from GAP_KEY, the cell GAP_INDEX, on) and sets URL,
// OPS_PW, SHOTS, GAP_KEY, GAP_INDEX, two more missing hours on the
// grid's first page (NEVER_KEYS, newest first), and HOUR_S, the start of
// the hour it was set up in (the map ends at the current hour).
// Every wait is a bounded wait for a state, never a sleep.
import { brokenKeys, check, faintSwatches, firstFrameMatches, journey, mapFits, placeholdersFit } from './lib.mjs';

const { URL, OPS_PW, VIEWER_PW, SHOTS, GAP_KEY, GAP_INDEX, NEVER_KEYS, HOUR_S } = process.env;
// hours begun since the set-up: each adds a partition to the map
const hoursSince = () => Math.floor(Date.now() / 3600000) - Number(HOUR_S) / 3600;
const WAIT = 30000;
await journey(1600, 900, SHOTS, async (page, shot) => {
  const count = (state) => page.evaluate((s) => window.sluiceMap.count(s), state);
  const stateOf = (i) => page.evaluate((i) => window.sluiceMap.state(i), i);
  const center = (i) => page.evaluate((i) => window.sluiceMap.center(i), i);
  await page.goto(URL + '/dags/year/map');
  await page.fill('#username', 'ops');
  await page.fill('#password', OPS_PW);
  await page.click('#login');
  await page.waitForURL(URL + '/dags/year/map', { timeout: WAIT });
  await page.locator('#map[data-painted-ms]').waitFor({ timeout: WAIT });

  // --- a year on one screen: first paint, measured on a fresh load ---
  const hoursBefore = hoursSince();
  await page.reload();
  await page.locator('#map[data-painted-ms]').waitFor({ timeout: WAIT });
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    const m = document.getElementById('map').dataset;
    return { map: Number(m.paintedMs), fetched: Number(m.fetchedMs), rendered: Number(m.renderedMs),
      fcp: fcp ? Math.round(fcp.startTime) : null, dcl: Math.round(nav.domContentLoadedEventEnd) };
  });
  console.log('# first paint: ' + JSON.stringify(timing) + ' ms (map = the year drawn, from navigation start)');
  check(await page.locator('#map').getAttribute('data-layout') === 'hourly', 'an hourly DAG: days x 24 hours');
  const cells = await page.evaluate(() => Object.values(JSON.parse(document.getElementById('map').dataset.counts)).reduce((a, b) => a + b, 0));
  // (the set-up took a while: an hour may have begun since, before or
  // during the load, each one more partition)
  const hoursAfter = hoursSince();
  check(cells === 365 * 24 + 1 + hoursBefore || cells === 365 * 24 + 1 + hoursAfter,
    'a year of hourly partitions and the current hour: ' + cells + ' cells (' + hoursAfter + ' hour(s) begun since the set-up)');
  const box = await page.locator('#map').boundingBox();
  check(box.width <= 1600 && box.height <= 900, 'the year fits one screen: ' + Math.round(box.width) + 'x' + Math.round(box.height));
  check(await count('missing') === 10, 'the ten missing hours are shown');
  check(await count('failed') > 0, 'failed hours are shown');
  check(await page.locator('.map-count[data-count="missing"]').textContent() === '10', 'the legend counts them');
  await shot('01-year');
  // the first frame's picture (before any script) is the map the canvas
  // then draws: every hour at its place in its colour, at two widths
  for (const width of [1600, 1024]) {
    await page.setViewportSize({ width, height: 900 });
    const diff = await firstFrameMatches(page, '/dags/year/map');
    check(diff.length === 0, `at ${width} px the first frame's picture shows each hour as the canvas does` +
      (diff.length ? ': ' + diff.join('; ') : ''));
    // the canvas fits the map's box, its last month's label inside it (at
    // 1024 px a year's cells are of the least size: the map scrolls)
    const fit = await mapFits(page);
    check((fit.over <= 0 || (width === 1024 && fit.least)) && fit.labels.length === 0,
      `at ${width} px the map fits its box: ` + JSON.stringify(fit));
  }
  await page.setViewportSize({ width: 1600, height: 900 });
  await page.goto(URL + '/dags/year/map');
  await page.locator('#map[data-painted-ms]').waitFor({ timeout: WAIT });
  // a window made narrower: the map takes the new width without a reload
  // (smaller cells); wider again, the cells it had (the map is measured
  // below at those)
  const wide = await page.evaluate(() => window.sluiceMap.cellBox(0).w);
  await page.setViewportSize({ width: 1500, height: 900 });
  await page.waitForFunction(() => { const w = document.querySelector('.map-wrap'); return w.scrollWidth <= w.clientWidth; },
    null, { timeout: WAIT });
  check(await page.evaluate(() => window.sluiceMap.cellBox(0).w) < wide, 'made narrower (1600 to 1500 px), the map fits its box again');
  await page.setViewportSize({ width: 1600, height: 900 });
  await page.waitForFunction((w) => window.sluiceMap.cellBox(0).w === w, wide, { timeout: WAIT });
  const cut = await placeholdersFit(page, ['map-from', 'map-to']);
  check(cut.length === 0, 'the range boxes show their whole placeholders' + (cut.length ? ': not ' + cut.join(', ') : ''));

  // --- the page's own script and styles came inline (allowed by their
  // hashes); the CSP still forbids any other inline script or style ---
  const foreign = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.foreignScriptRan = true';
    document.body.append(s);
    const st = document.createElement('style');
    st.textContent = 'body { outline: 7px solid rgb(1, 2, 3) }';
    document.head.append(st);
    return { ran: window.foreignScriptRan === true, outline: getComputedStyle(document.body).outlineWidth };
  });
  check(!foreign.ran, 'an inline script that is not the page\'s does not run');
  check(foreign.outline !== '7px', 'an inline style that is not the page\'s does not apply');

  // --- the missing ones: a tooltip names each ---
  const gap = Number(GAP_INDEX);
  check(await stateOf(gap) === 'missing', GAP_KEY + ' is missing');
  check(await page.evaluate((i) => window.sluiceMap.key(i), gap) === GAP_KEY, 'its key');
  // a missing hour is absent data, not an alarm: its cell (and its edge)
  // in neutral greys, hatched, nothing of the failed cells' red; the
  // legend's swatch the same
  const look = await page.evaluate((i) => {
    const c = document.getElementById('map-canvas'), r = c.getBoundingClientRect();
    const m = window.sluiceMap.center(i), dpr = window.devicePixelRatio || 1;
    const d = c.getContext('2d').getImageData(Math.floor((m.x - r.left - 1) * dpr),
      Math.floor((m.y - r.top - 5) * dpr), Math.round(2 * dpr), Math.round(10 * dpr)).data;
    const colours = new Set();
    let red = 0, coloured = 0;
    for (let k = 0; k < d.length; k += 4) {
      const [R, G, B] = [d[k], d[k + 1], d[k + 2]];
      colours.add(R + ',' + G + ',' + B);
      if (R > 150 && G < 110 && B < 110) red++;
      if (Math.max(R, G, B) - Math.min(R, G, B) > 40) coloured++;
    }
    const sw = getComputedStyle(document.querySelector('.map-key[data-state="missing"] .mc'));
    return { colours: colours.size, red, coloured, image: sw.backgroundImage, edge: sw.boxShadow };
  }, gap);
  check(look.red === 0 && look.coloured === 0, 'a missing cell is drawn in greys, no red: ' + JSON.stringify(look));
  check(look.colours >= 2, 'a missing cell is hatched, not flat: ' + look.colours + ' shades');
  check(look.image.includes('repeating-linear-gradient') && !look.edge.includes('217, 54, 62'),
    'the legend\'s missing swatch is hatched with a neutral edge: ' + look.image + ' / ' + look.edge);
  // the legend on the page's grey: its light swatches (future's fill is
  // 1.06:1 against it) have an edge that reads (3:1, WCAG 1.4.11); on the
  // map a future cell stays flat, a missing one hatched
  const faint = await faintSwatches(page, '#map-legend .mc');
  check(!faint.some((f) => /^(future|missing) /.test(f)), 'the legend\'s future and missing swatches stand out from the page: ' + faint.join(', '));
  const future = await page.evaluate(() => {
    const m = window.sluiceMap;
    let i = m.cells() - 1;
    while (i >= 0 && m.state(i) !== 'future') i--;
    if (i < 0) return null;
    const c = document.getElementById('map-canvas'), r = c.getBoundingClientRect(), b = m.cellBox(i);
    const dpr = window.devicePixelRatio || 1;
    const d = c.getContext('2d').getImageData(Math.floor((b.x + 2) * dpr), Math.floor((b.y + 2) * dpr),
      Math.max(1, Math.floor((b.w - 4) * dpr)), Math.max(1, Math.floor((b.h - 4) * dpr))).data;
    const colours = new Set();
    for (let k = 0; k < d.length; k += 4) colours.add(d[k] + ',' + d[k + 1] + ',' + d[k + 2]);
    return [...colours];
  });
  check(future !== null && future.length === 1, 'a future cell on the map is flat, unlike a missing one: ' + JSON.stringify(future));
  const c0 = await center(gap);
  await page.mouse.move(c0.x, c0.y);
  await page.locator('#map-tip:not([hidden])').waitFor({ timeout: WAIT });
  check((await page.locator('#map-tip').textContent()) === GAP_KEY + '\nmissing', 'the tooltip says which and why');
  await shot('02-missing-hover');
  // the newest partition's cell is at the right edge: its tooltip turns
  // to the pointer's left and stays whole in the window
  const newest = await center(await page.evaluate(() => window.sluiceMap.cells() - 1));
  await page.mouse.move(newest.x, newest.y);
  await page.locator('#map-tip:not([hidden])').waitFor({ timeout: WAIT });
  const tipBox = await page.locator('#map-tip').boundingBox(), vp = page.viewportSize();
  check(tipBox.x >= 0 && tipBox.x + tipBox.width <= vp.width && tipBox.y + tipBox.height <= vp.height,
    'the tooltip of the newest cell is inside the window: ' + JSON.stringify(tipBox) + ' in ' + JSON.stringify(vp));

  // --- drag from two hours before the gap to two after ---
  const ca = await center(gap - 2), cb = await center(gap + 9);
  await page.mouse.move(ca.x, ca.y);
  await page.mouse.down();
  await page.mouse.move(cb.x, cb.y, { steps: 8 });
  await page.mouse.up();
  check(await page.evaluate(() => window.sluiceMap.selected()) === 12, 'twelve hours selected');
  check((await page.locator('#map-selection').textContent()).includes('8 missing'), 'the selection counts the missing');
  check(await page.locator('#map-backfill').isEnabled(), 'Backfill missing is offered');
  await shot('03-selected');

  // --- the preview lists exactly the missing ones ---
  await page.click('#map-backfill');
  await page.locator('#map-preview:not([hidden])').waitFor({ timeout: WAIT });
  const rows = await page.locator('#map-preview-table tbody tr').count();
  check(rows === 8, 'the preview lists the eight missing partitions');
  check((await page.locator('#map-preview-table tbody tr td').first().textContent()) === GAP_KEY, 'starting at the gap');
  const broken = await brokenKeys(page, '#map-preview');
  check(broken.length === 0, 'the preview\'s keys (its summary\'s too) are never split at a hyphen: ' + broken.join(', '));
  await shot('04-preview');
  const loadsBefore = Number(await page.locator('#map').getAttribute('data-loads'));
  await page.click('#map-preview-confirm');
  // the words of the grid's backfill form, with the backfill's id
  await page.locator('#status', { hasText: /^backfill \d+: 8 run\(s\) created$/ }).waitFor({ timeout: WAIT });

  // --- the cells turn green without a reload ---
  const navs = await page.evaluate(() => performance.getEntriesByType('navigation').length);
  await page.waitForFunction(() => window.sluiceMap.count('missing') === 2 &&
    ['waiting', 'running'].every((s) => window.sluiceMap.count(s) === 0),
    null, { timeout: 90000 });
  for (let i = gap; i < gap + 8; i++) check(await stateOf(i) === 'success', 'hour ' + (i - gap) + ' of the gap is green');
  // the confirm reloads the map once; the runs may all have ended by then
  // (a fast machine), so wait for the poll's own load rather than assume
  // the green came from it
  await page.waitForFunction((n) => Number(document.getElementById('map').dataset.loads) > n,
    loadsBefore + 1, { timeout: WAIT });
  check(Number(await page.locator('#map').getAttribute('data-loads')) > loadsBefore + 1, 'the page polls the compact map');
  // (an hour may have begun since the page was drawn: one more partition)
  const cellsNow = await page.evaluate(() => Object.values(JSON.parse(document.getElementById('map').dataset.counts)).reduce((a, b) => a + b, 0));
  check(await page.evaluate(() => performance.getEntriesByType('navigation').length) === navs &&
    (cellsNow === cells || cellsNow === cells + 1), 'without a reload');
  await page.mouse.move(5, 5);
  await shot('05-green');

  // --- the keyboard: the map is a tab stop; the arrows move a ringed cell
  // that the tip names; Space selects it, Shift+Space the range from the
  // first; Enter does what a click does ---
  const focused = () => page.evaluate(() => window.sluiceMap.focused());
  check(await page.evaluate(() => document.getElementById('map-canvas').tabIndex) === 0, 'the map is a tab stop');
  await page.focus('#map-canvas');
  const newestPast = await page.evaluate(() => {
    let i = window.sluiceMap.cells() - 1;
    while (i > 0 && window.sluiceMap.state(i) === 'future') i--;
    return i;
  });
  check(await focused() === newestPast, 'the keyboard starts at the newest partition not in the future');
  await page.keyboard.press('Home');
  check(await focused() === 0, 'Home: the first partition');
  await page.keyboard.press('ArrowRight');
  check(await focused() === 24, 'ArrowRight: the same hour a day later');
  await page.keyboard.press('ArrowDown');
  check(await focused() === 25, 'ArrowDown: the hour after');
  const k25 = await page.evaluate(() => window.sluiceMap.key(25));
  check(await page.locator('#map-tip').textContent() === k25 + '\n' + await stateOf(25), 'the tip names it: ' + k25);
  check(/^backfill \d+: 8 run\(s\) created$/.test(await page.textContent('#status')), 'the status line says what the backfill did');
  await page.keyboard.press('Space');
  check(await page.evaluate(() => window.sluiceMap.selected()) === 1, 'Space selects it');
  check((await page.textContent('#status')) === '', 'a new selection clears the last action\'s result from the status line');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Shift+Space');
  check(await page.evaluate(() => window.sluiceMap.selected()) === 25, 'Shift+Space: the range from the first, a day of hours');
  // the ring: the focused cell's edge is drawn in the focus blue
  const ring = await page.evaluate(() => {
    const c = document.getElementById('map-canvas'), r = c.getBoundingClientRect();
    const m = window.sluiceMap.center(49), b = window.sluiceMap.cellBox(49), dpr = window.devicePixelRatio || 1;
    const px = (x, y) => { const d = c.getContext('2d').getImageData(Math.floor(x * dpr), Math.floor(y * dpr), 1, 1).data; return [d[0], d[1], d[2]]; };
    // the gap above the cell, and above the cell it left (ArrowRight from 25)
    const was = window.sluiceMap.cellBox(25);
    return { here: px(m.x - r.left, b.y - 1), was: px(was.x + was.w / 2, was.y - 1) };
  });
  check(ring.here[2] > 150 && ring.here[0] < 80, 'the focused cell has a blue ring: ' + ring.here);
  check(!(ring.was[2] > 150 && ring.was[0] < 80), 'the cell it left has none: ' + ring.was);
  await shot('05b-keyboard');
  const k49 = await page.evaluate(() => window.sluiceMap.key(49));
  check(await stateOf(49) === 'success', 'the focused hour has a run: ' + k49);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/dags\/year\?at=/, { timeout: WAIT });
  check(new globalThis.URL(page.url()).searchParams.get('at') === k49, 'Enter opens the grid at the focused partition: ' + page.url());
  await page.goto(URL + '/dags/year/map');
  await page.locator('#map[data-painted-ms]').waitFor({ timeout: WAIT });

  // --- a click opens the grid at that partition ---
  await page.mouse.click(c0.x, c0.y);
  await page.waitForURL(/\/dags\/year\?at=/, { timeout: WAIT });
  await page.locator('#grid tr.target').first().waitFor({ timeout: WAIT });
  check(await page.locator(`#grid tr.target[data-partition="${GAP_KEY}"]`).count() === 1, 'the grid opens at ' + GAP_KEY);
  await shot('06-grid-at');
  // a viewer (no backfill, no selection): a click on a missing cell opens
  // the grid at it, as the note says (it did nothing); a future one opens
  // nothing
  const never0 = NEVER_KEYS.split(' ')[0];
  await page.context().clearCookies();
  await page.goto(URL + '/dags/year/map');
  await page.fill('#username', 'viewer');
  await page.fill('#password', VIEWER_PW);
  await page.click('#login');
  await page.waitForURL(URL + '/dags/year/map', { timeout: WAIT });
  await page.locator('#map[data-painted-ms]').waitFor({ timeout: WAIT });
  check((await page.textContent('#map-note')).startsWith('Click a cell to open the grid at that partition (a missing one as a row without a run'),
    'a viewer\'s note says what a click on a missing cell does');
  const vc = await page.evaluate((k) => {
    const m = window.sluiceMap;
    let missing = -1, future = -1;
    for (let i = 0; i < m.cells(); i++) {
      if (m.key(i) === k) missing = i;
      if (m.state(i) === 'future') future = i;
    }
    return { missing, future, state: missing >= 0 ? m.state(missing) : null };
  }, never0);
  check(vc.state === 'missing' && vc.future >= 0, 'a missing and a future cell on the viewer\'s map: ' + JSON.stringify(vc));
  const fut = await center(vc.future);
  await page.mouse.click(fut.x, fut.y);
  const mv = await center(vc.missing);
  await page.mouse.click(mv.x, mv.y);
  await page.waitForURL(/\/dags\/year\?at=/, { timeout: WAIT });
  check(new globalThis.URL(page.url()).searchParams.get('at') === never0,
    'a viewer\'s click on a missing cell opens the grid at it (the future cell clicked first opened nothing): ' + page.url());
  await page.locator(`#grid tr.never-run.target[data-partition="${never0}"]`).waitFor({ timeout: WAIT });
  await shot('06a-viewer-grid-at-missing');
  await page.context().clearCookies();
  await page.goto(URL + '/dags/year');
  await page.fill('#username', 'ops');
  await page.fill('#password', OPS_PW);
  await page.click('#login');
  await page.waitForURL(URL + '/dags/year', { timeout: WAIT });

  // --- the grid's first page: the never-run hours as empty rows, picked and backfilled ---
  const never = NEVER_KEYS.split(' ');
  await page.goto(URL + '/dags/year');
  await page.locator('#grid tr.never-run[data-never-run]').first().waitFor({ timeout: WAIT });
  const rowsNow = await page.locator('#grid tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.partition));
  check(JSON.stringify(await page.locator('#grid tr.never-run[data-never-run]').evaluateAll((trs) =>
    trs.map((tr) => tr.dataset.partition))) === JSON.stringify(never), 'the two never-run hours are rows: ' + never.join(', '));
  check(rowsNow.indexOf(never[0]) > 0 && rowsNow.indexOf(never[1]) === rowsNow.indexOf(never[0]) + 1,
    'among the runs, newest first');
  check(/ partitions with a run · 2 without a run$/.test(await page.locator('#page-info').textContent()),
    'the page count says the runs and the rows without a run apart: ' + await page.locator('#page-info').textContent());
  // Go to a date: what it names is what the grid shows of that date,
  // the never-run hours with the runs, each marked
  const day = never[0].slice(0, 10);
  const shown = await page.evaluate(async (day) => {
    const r = await fetch('/api/v1/dags/year/partitions?from=' + encodeURIComponent(day + 'T00:00:00+00:00') +
      '&to=' + encodeURIComponent(day + 'T23:00:00+00:00'));
    return (await r.json()).partitions.filter((p) => p.run || p.state !== 'future').length;
  }, day);
  await page.fill('#grid-at', day);
  await page.press('#grid-at', 'Enter');
  await page.locator('#status', { hasText: day + ' → ' }).waitFor({ timeout: WAIT });
  const said = await page.textContent('#status');
  check(said.startsWith(day + ' → ' + shown + ' partitions, '), 'Go to ' + day + ' counts the ' + shown +
    ' partitions the grid shows of it, never-run ones too: ' + said);
  check(await page.locator(`#grid tr.never-run.target[data-partition="${never[0]}"]`).count() === 1,
    'the never-run hour of that date is marked with its runs');
  await shot('06b-grid-go-to-date');
  await page.goto(URL + '/dags/year');
  await page.locator('#grid tr.never-run[data-never-run]').first().waitFor({ timeout: WAIT });
  // at 390 px picking a never-run row shows the Backfill button, which
  // keeps its room before (it moved the grid 10 px down under the pointer)
  await page.setViewportSize({ width: 390, height: 844 });
  const gridTop = () => page.locator('#grid').evaluate((g) => g.getBoundingClientRect().top + scrollY);
  const topBefore = await gridTop();
  await page.locator(`#grid tr.never-run[data-partition="${never[0]}"] th`).click();
  const topPicked = await gridTop();
  await page.locator(`#grid tr.never-run[data-partition="${never[0]}"] th`).click();
  check(topPicked === topBefore, 'at 390 px a pick does not move the grid: ' + topBefore + ' → ' + topPicked);
  await page.setViewportSize({ width: 1600, height: 900 });
  for (const k of never) await page.locator(`#grid tr.never-run[data-partition="${k}"] th`).click();
  check(await page.locator('#grid-backfill-picked').textContent() === 'Backfill 2 never-run partitions…', 'picked for a backfill');
  await shot('07-grid-never-run');
  // a preview first, as the backfill form and the map give (it created
  // the runs at once): nothing is made until Confirm
  await page.click('#grid-backfill-picked');
  await page.locator('#preview:not([hidden])').waitFor({ timeout: WAIT });
  check(JSON.stringify(await page.locator('#preview-table tbody tr td:first-child').allTextContents()) === JSON.stringify(never),
    'the preview lists the two picked partitions');
  check(await page.locator('#grid tr.never-run[data-never-run]').count() === 2, 'nothing made before Confirm');
  await shot('07b-grid-never-run-preview');
  await page.click('#preview-confirm');
  await page.locator('#status', { hasText: /^backfill \d+: 2 run\(s\) created$/ }).waitFor({ timeout: WAIT });
  await page.waitForFunction(() => document.querySelectorAll('#grid tr.never-run[data-never-run]').length === 0, null, { timeout: WAIT });
  check(await page.locator(`#grid tr[data-partition="${never[0]}"] td.cell`).count() === 2, 'they are runs now');
  check(/ partitions$/.test(await page.locator('#page-info').textContent()), 'no row without a run: the page count says runs only');
  await shot('08-grid-backfilled');

  // --- a run page for a key without a run: its 404 lists the nearest
  // keys, each on one line wherever the text wraps (never "2026-12-" over
  // "06T09:00:00+00:00"): measured at several widths ---
  const nf = await page.goto(URL + '/dags/year/runs/2099-01-01');
  check(nf.status() === 404 && (await page.textContent('main')).includes('nearest: '), 'a key without a run: 404 with the nearest keys');
  for (const width of [1024, 960, 900, 840, 780, 720, 660, 600]) {
    await page.setViewportSize({ width, height: 700 });
    const broken = await brokenKeys(page, 'main p');
    check(broken.length === 0, `at ${width}px no key of the 404's message is split: ` + broken.join(', '));
  }
  await shot('09-run-not-found');
  // each nearest key is a link to its run's page (the key one path
  // segment, percent-encoded); the one asked for is not
  const near = await page.locator('main p a.nearest').evaluateAll((as) => as.map((a) =>
    ({ text: a.textContent, path: a.getAttribute('href') })));
  check(near.length >= 1 && near.every((n) => n.path === '/dags/year/runs/' + encodeURIComponent(n.text)),
    'the nearest keys link to their runs: ' + JSON.stringify(near));
  check(!near.some((n) => n.text.startsWith('2099')), 'the key asked for is not a link');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot('09b-run-not-found-390');
  await page.click('main p a.nearest >> nth=-1');
  await page.waitForURL(URL + near[near.length - 1].path, { timeout: WAIT });
  check((await page.textContent('main')).includes(near[near.length - 1].text), 'a nearest key opens its run: ' + page.url());
  await page.setViewportSize({ width: 1600, height: 900 });

  // --- on a phone (390 px) the year scrolls sideways: it opens at its
  // newest end, from its first frame on (the picture, before the canvas) ---
  await page.addInitScript(() => requestAnimationFrame(() => {
    const w = document.querySelector('.map-wrap');
    if (w) window.firstFrame = { left: w.scrollLeft, width: w.scrollWidth, client: w.clientWidth };
  }));
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(URL + '/dags/year/map');
  await page.locator('#map[data-painted-ms]').waitFor({ timeout: WAIT });
  const ff = await page.evaluate(() => window.firstFrame);
  check(ff && ff.width > ff.client && ff.left + ff.client >= ff.width - 1,
    'at 390 px the first frame shows the newest end of the year: ' + JSON.stringify(ff));
  const phone = await page.evaluate(() => {
    const w = document.querySelector('.map-wrap'), box = w.getBoundingClientRect();
    const m = window.sluiceMap, last = m.center(m.cells() - 1);
    return { left: w.scrollLeft, width: w.scrollWidth, client: w.clientWidth, inView: last.x > box.left && last.x < box.right };
  });
  check(phone.width > phone.client && phone.left + phone.client >= phone.width - 1 && phone.inView,
    'at 390 px the drawn map is scrolled to its newest partition: ' + JSON.stringify(phone));
  await page.screenshot({ path: SHOTS + '/10-map-390.png' });
  // a drag at 390 px ends on the cell under the pointer: the selection's
  // line above the map, longer once a second cell is reached, keeps its
  // height (it wrapped onto three lines and moved the map 41 px down)
  const span = await page.evaluate(() => {
    const m = window.sluiceMap, w = document.querySelector('.map-wrap').getBoundingClientRect();
    // 08:00 to 16:00 of the newest whole day in view
    for (let i = m.cells() - 1; i >= 0; i--) {
      const c = m.center(i);
      if (m.key(i).slice(11, 16) === '08:00' && m.state(i + 8) !== 'future' && c.x > w.left && c.x < w.right)
        return { a: i, b: i + 8, top: document.getElementById('map-canvas').getBoundingClientRect().top };
    }
    return null;
  });
  check(span !== null, 'a day of hours in view at 390 px');
  const pa = await center(span.a), pb = await center(span.b);
  await page.mouse.move(pa.x, pa.y);
  await page.mouse.down();
  await page.mouse.move(pb.x, pb.y, { steps: 8 });
  const moved = await page.evaluate(() => document.getElementById('map-canvas').getBoundingClientRect().top);
  await page.mouse.up();
  const kb = await page.evaluate((i) => window.sluiceMap.key(i), span.b);
  const selText = await page.textContent('#map-selection');
  check(moved === span.top, 'the map stays put during a drag at 390 px: its top ' + span.top + ' → ' + moved);
  check(await page.evaluate(() => window.sluiceMap.selected()) === 9 && selText.startsWith('9 selected: ') &&
    selText.includes(' … ' + kb + ' '), 'a drag from 08:00 to 16:00 at 390 px selects 08:00 … 16:00: ' + selText);
  await page.screenshot({ path: SHOTS + '/10b-map-390-selected.png' });
  await page.setViewportSize({ width: 1600, height: 900 });
});

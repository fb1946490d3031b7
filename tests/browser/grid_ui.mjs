// The grid and the DAG list in headless Chromium (Debian's), driven by
// playwright-core. Run by tests/web_grid_browser.sh, which starts
// `sluice standalone` with DAG gr (40 hourly partitions from
// 2026-12-01T00:00Z, b failed at 05:00 and 17:00) and sets URL, OPS_PW,
// SHOTS. Every wait is a bounded wait for a state, never a sleep.
import { check, checkboxesOffLine, faintSwatches, lowContrast, midWordBreaks, openPage, placeholdersFit } from './lib.mjs';

const { URL, OPS_PW, SHOTS, LONG_KEY } = process.env;
const WAIT = 30000;
const pad = (n) => String(n).padStart(2, '0');
const K = (day, hour) => `2026-12-0${day}T${pad(hour)}:00:00+00:00`;
// the keys from (day, hour) to (day, hour), both inclusive, in key order
function keysBetween(d1, h1, d2, h2) {
  const out = [];
  for (let t = d1 * 24 + h1; t <= d2 * 24 + h2; t++) out.push(K(Math.floor(t / 24), t % 24));
  return out;
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

const { browser, page, errors, shot } = await openPage(1280, 900, SHOTS);
const cell = (p, task) => page.locator(`#grid td.cell[data-partition="${p}"][data-task="${task}"]`);
const pageInfo = (text) => page.locator('#page-info', { hasText: text }).waitFor({ timeout: WAIT });
const rowKeys = () => page.locator('#grid tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.partition));
const selKeys = (task) => page.locator(`#grid td.cell.sel[data-task="${task}"]`)
  .evaluateAll((tds) => tds.map((td) => td.dataset.partition));
const previewRows = () => page.locator('#preview-table tbody tr').evaluateAll((trs) =>
  trs.map((tr) => [...tr.children].map((td) => td.textContent)));
// the colour [r, g, b] the page shows at (x, y) of the viewport, read off a screenshot
async function pixel(x, y) {
  const png = await page.screenshot({ clip: { x: Math.floor(x), y: Math.floor(y), width: 1, height: 1 } });
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = c.height = 1;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    return [...g.getImageData(0, 0, 1, 1).data].slice(0, 3);
  }, png.toString('base64'));
}
async function chooseFilter(value, info) {
  await page.selectOption('#grid-filter', value);
  await pageInfo(info);
}

try {
  // --- log in, the first page ---
  await page.goto(URL + '/dags/gr');
  await page.fill('#username', 'ops');
  await page.fill('#password', OPS_PW);
  await page.click('#login');
  await page.waitForURL(URL + '/dags/gr', { timeout: WAIT });
  await pageInfo('1–25 of 40 partitions');
  check(same(await rowKeys(), keysBetween(1, 15, 2, 15).reverse()), 'page one: the 25 newest partitions, newest first');
  await shot('01-page-one');
  // a page without never-run rows keeps no room for their Backfill button:
  // at 1152 px the selection's group sits on the toolbar's first line (the
  // hidden button's room pushed it onto a line of its own, an empty band)
  await page.setViewportSize({ width: 1152, height: 900 });
  const tops = await page.evaluate(() => [document.getElementById('grid-jump'),
    document.getElementById('select-none').parentElement].map((e) => Math.round(e.getBoundingClientRect().top)));
  check(tops[0] === tops[1] && !(await page.locator('#grid-backfill-picked').isVisible()) &&
    await page.locator('#grid-backfill-picked').evaluate((b) => b.getBoundingClientRect().width) === 0,
    'at 1152 px no room is kept for the never-run button on a page without never-run rows: ' + tops.join(' / '));
  await shot('01b-page-one-1152');
  await page.setViewportSize({ width: 1280, height: 900 });
  check((await placeholdersFit(page, ['grid-at'])).length === 0, 'the Go to box shows its whole placeholder: ' +
    await page.getAttribute('#grid-at', 'placeholder'));
  // the legend's badges, one per state: each name reads on its colour
  check(await page.locator('.legend .badge').count() >= 10, 'the legend has a badge per state');
  const faint = await lowContrast(page, '.legend .badge');
  check(faint.length === 0, 'every state\'s badge has text contrasting 4.5:1 with its colour: ' + faint.join(', '));
  // ... and each badge stands out 3:1 from the page (its fill or its edge)
  const faintBadges = await faintSwatches(page, '.legend .badge');
  check(faintBadges.length === 0, 'every state\'s badge in the legend stands out 3:1 from the page: ' + faintBadges.join(', '));

  // --- the keyboard alone: the grid is one tab stop, arrows move between
  // cells, Space selects (Shift+Space: the range), Enter opens the task
  // instance; the poll's redraw keeps the focus where it was ---
  const focused = () => page.evaluate(() => {
    const e = document.activeElement, cs = getComputedStyle(e);
    return { inGrid: e.closest('#grid') !== null, tag: e.tagName, part: e.closest('tr')?.dataset.partition ?? null,
      task: e.dataset.task ?? null, ring: e.matches(':focus-visible') && cs.outlineStyle === 'solid' && cs.outlineColor === 'rgb(26, 111, 216)' };
  });
  // what hides the focused cell's ring: a sticky head or key (with its
  // white cover of the gaps, a box-shadow's spread) over it, or the edge
  // of the grid's scrolled box; the ring's box from its outline
  const ringHidden = () => page.evaluate(() => {
    const e = document.activeElement, cs = getComputedStyle(e), r = e.getBoundingClientRect();
    const reach = parseFloat(cs.outlineOffset) + parseFloat(cs.outlineWidth);
    const ring = { l: r.left - reach, t: r.top - reach, r: r.right + reach, b: r.bottom + reach };
    const out = [];
    for (const th of document.querySelectorAll('#grid th')) {
      if (th === e || getComputedStyle(th).position !== 'sticky') continue;
      const t = th.getBoundingClientRect(), m = getComputedStyle(th).boxShadow.match(/(\d+(?:\.\d+)?)px$/);
      const s = m ? Number(m[1]) : 0;
      if (ring.l < t.right + s - 0.5 && ring.r > t.left - s + 0.5 && ring.t < t.bottom + s - 0.5 && ring.b > t.top - s + 0.5)
        out.push('under ' + (th.textContent.trim() || 'the corner'));
    }
    const wrap = e.closest('.grid-wrap'), w = wrap.getBoundingClientRect();
    const x0 = w.left + wrap.clientLeft, y0 = w.top + wrap.clientTop;
    if (ring.l < x0 - 0.5 || ring.t < y0 - 0.5 || ring.r > x0 + wrap.clientWidth + 0.5 || ring.b > y0 + wrap.clientHeight + 0.5)
      out.push('cut by the grid\'s box');
    return out;
  });
  await page.focus('#older');
  await page.keyboard.press('Shift+Tab');
  let f = await focused();
  check(f.inGrid && f.tag === 'TD' && f.part === K(2, 15) && f.task === 'a',
    'Shift+Tab from "older" enters the grid at the newest partition\'s first task: ' + JSON.stringify(f));
  check(f.ring, 'the focused cell shows a focus ring');
  let hidden = await ringHidden();
  check(hidden.length === 0, 'the first cell\'s ring is whole beside the sticky key column and head: ' + hidden.join(', '));
  check(await page.locator('#grid [tabindex]').count() === 1, 'one tab stop in the grid, however many cells');
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.id) === 'older', 'Tab leaves the grid in one step');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  f = await focused();
  check(f.part === K(2, 13) && f.task === 'b', 'down, down, right: ' + JSON.stringify(f));
  await page.keyboard.press('Space');
  await page.locator('#selection-count', { hasText: '1 selected' }).waitFor({ timeout: WAIT });
  check(await cell(K(2, 13), 'b').evaluate((td) => td.classList.contains('sel')), 'Space selects the focused cell');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Shift+Space');
  await page.locator('#selection-count', { hasText: '3 selected' }).waitFor({ timeout: WAIT });
  check(same((await selKeys('b')).sort(), keysBetween(2, 11, 2, 13)), 'Shift+Space selects the range from the last one');
  await shot('01c-keyboard');
  // the grid is drawn again every 1.5 s: the focus stays on the same cell
  await page.evaluate(() => { window.keyboardCell = document.activeElement; });
  await page.waitForFunction(() => !window.keyboardCell.isConnected, null, { timeout: WAIT });
  f = await focused();
  check(f.inGrid && f.part === K(2, 11) && f.task === 'b' && f.ring, 'after a redraw the focus is on the same cell: ' + JSON.stringify(f));
  await page.keyboard.press('Home');
  f = await focused();
  check(f.tag === 'TH' && f.part === K(2, 11), 'Home: the row\'s partition key');
  await page.keyboard.press('Control+Home');
  check(await page.evaluate(() => document.activeElement.classList.contains('corner')), 'Ctrl+Home: the corner');
  await page.keyboard.press('End');
  f = await focused();
  check(f.tag === 'TH' && f.part === null && f.task === 'c', 'End on the head: the last task\'s head');
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowDown');
  f = await focused();
  check(f.part === K(2, 11) && f.task === 'c', 'down from the head: ' + JSON.stringify(f));
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => decodeURIComponent(u.pathname) === '/dags/gr/runs/' + K(2, 11) + '/tasks/c', { timeout: WAIT });
  check(true, 'Enter opens the focused task instance');
  await page.goBack();
  await pageInfo('1–25 of 40 partitions');

  // --- in a small window the arrows scroll the grid: every cell they
  // reach, down to the last row and back up, shows its whole ring ---
  await page.setViewportSize({ width: 1024, height: 500 });
  await page.focus('#older');
  await page.keyboard.press('Shift+Tab');
  check(await page.evaluate(() => { const w = document.querySelector('.grid-wrap'); return w.scrollHeight > w.clientHeight; }),
    'the grid scrolls in its box');
  const walk = [];
  for (const key of [...Array(24).fill('ArrowDown'), 'ArrowRight', 'ArrowRight', ...Array(24).fill('ArrowUp'), 'ArrowLeft', 'ArrowLeft']) {
    await page.keyboard.press(key);
    hidden = await ringHidden();
    if (hidden.length) walk.push(JSON.stringify(await focused()) + ': ' + hidden.join(', '));
  }
  check(walk.length === 0, 'walking the grid down and up, each focused cell\'s ring is whole: ' + walk.join('; '));
  check((await focused()).part === K(2, 15), 'and back at the first row');
  await shot('01d-keyboard-scrolled');
  await page.setViewportSize({ width: 1280, height: 900 });

  // --- scrolled in a small window: each partition stays in its row, the
  // header row and its corner stay on top ---
  await page.setViewportSize({ width: 1280, height: 480 });
  const scrolled = await page.evaluate(() => {
    const wrap = document.querySelector('.grid-wrap');
    wrap.scrollTop = wrap.scrollHeight;
    const rows = [...document.querySelectorAll('#grid tbody tr')];
    const corner = document.querySelector('#grid thead th.corner').getBoundingClientRect();
    const atCorner = document.elementFromPoint(corner.left + corner.width / 2, corner.top + corner.height / 2);
    return {
      moved: wrap.scrollTop > 0,
      inRow: rows.every((tr) => Math.abs(tr.querySelector('th').getBoundingClientRect().top - tr.getBoundingClientRect().top) < 1),
      corner: atCorner !== null && atCorner.closest('th.corner') !== null,
    };
  });
  check(scrolled.moved, 'the grid scrolls in a small window');
  check(scrolled.inRow, 'scrolled, each partition key stays in its row (none pile up under the header)');
  check(scrolled.corner, 'scrolled, the header\'s corner stays above the rows');
  // the 2px gaps between the header's cells show no cell scrolled under them
  const gaps = await page.evaluate(() => {
    const ths = [...document.querySelectorAll('#grid thead th')].map((th) => th.getBoundingClientRect());
    return ths.slice(1).map((r, i) => ({ from: ths[i].right, to: r.left, y: r.top + r.height / 2 }));
  });
  const gapColours = [];
  for (const g of gaps)   // every pixel a gap touches: the columns' edges fall between pixels
    for (let x = Math.floor(g.from); x < Math.ceil(g.to); x++) gapColours.push(await pixel(x, g.y));
  check(gaps.length === 3 && gapColours.every((c) => c.every((v) => v > 240)),
    'scrolled, the gaps in the sticky header stay white, no stripes of the cells under it: ' + JSON.stringify(gapColours));
  await shot('01b-scrolled');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.evaluate(() => { document.querySelector('.grid-wrap').scrollTop = 0; });

  // --- shift-click across pages selects by key ---
  await cell(K(2, 2), 'a').click();                       // the anchor, on page one
  await page.click('#older');
  await pageInfo('26–40 of 40 partitions');
  await cell(K(1, 10), 'a').click({ modifiers: ['Shift'] });   // the target, on page two
  const want = keysBetween(1, 10, 2, 2);                  // 17 partitions
  await page.locator('#selection-count', { hasText: want.length + ' selected' }).waitFor({ timeout: WAIT });
  check(true, 'shift-click across pages selects 17 partitions');
  const onTwo = await selKeys('a');
  await shot('02-range-across-pages');
  await page.click('#newer');
  await pageInfo('1–25 of 40 partitions');
  const onOne = await selKeys('a');
  check(same([...onOne, ...onTwo].sort(), want), 'exactly the partitions from anchor to target in key order, on both pages');
  check(await page.locator('#grid td.cell.sel:not([data-task="a"])').count() === 0, 'only the task clicked');
  // the clear's preview acts on the selected keys, wherever they are paged
  await page.click('#clear-btn');
  await page.locator('#preview:not([hidden])').waitFor({ timeout: WAIT });
  check(same(await previewRows(), want.map((p) => [p, 'a', 'success'])), 'the clear preview lists the 17 selected keys');
  await shot('03-range-preview');
  // the dialog by keyboard: the focus is in it and Tab stays there; Escape
  // cancels it and the focus goes back to the button that opened it
  const inPreview = () => page.evaluate(() => document.querySelector('#preview .dialog').contains(document.activeElement));
  check(await inPreview(), 'the preview takes the focus');
  check(await page.getAttribute('#preview .dialog', 'role') === 'dialog', 'and says it is a dialog');
  let stays = true;
  for (let i = 0; i < 4; i++) { await page.keyboard.press('Tab'); stays = stays && await inPreview(); }
  check(stays, 'Tab goes round inside the dialog, not to the page behind it');
  await page.keyboard.press('Escape');
  await page.locator('#preview').waitFor({ state: 'hidden', timeout: WAIT });
  check(await page.evaluate(() => document.activeElement.id) === 'clear-btn', 'Escape cancels it, the focus back on Clear…');
  check(await page.textContent('#selection-count') === '17 selected', 'cancelled, the selection stays');
  await page.click('#select-none');
  // and the other way round: anchor on an older page, target on a newer one
  await page.click('#older');
  await pageInfo('26–40 of 40 partitions');
  await cell(K(1, 3), 'c').click();
  await page.click('#newer');
  await pageInfo('1–25 of 40 partitions');
  await cell(K(1, 16), 'c').click({ modifiers: ['Shift'] });
  await page.locator('#selection-count', { hasText: '14 selected' }).waitFor({ timeout: WAIT });
  const cOnOne = await selKeys('c');
  await page.click('#older');
  await pageInfo('26–40 of 40 partitions');
  const cOnTwo = await selKeys('c');
  check(same([...cOnOne, ...cOnTwo].sort(), keysBetween(1, 3, 1, 16)), 'older anchor, newer target: the range across pages');
  await page.click('#select-none');
  check((await page.textContent('#selection-count')) === 'nothing selected', 'selection cleared');

  // --- jump to a typed date or time ---
  await page.fill('#grid-at', '2026-12-01 05:00');
  await page.click('#grid-go');
  await page.locator(`#grid tr.target[data-partition="${K(1, 5)}"]`).waitFor({ timeout: WAIT });
  await pageInfo('26–40 of 40 partitions');
  check(true, 'a local time goes to the page holding its partition, marked');
  await shot('04-jump-time');
  await page.fill('#grid-at', '2026-12-02');
  await page.press('#grid-at', 'Enter');
  await pageInfo('1–25 of 40 partitions');
  await page.locator('#grid tr.target').nth(15).waitFor({ timeout: WAIT });
  const targets = await page.locator('#grid tr.target').evaluateAll((trs) => trs.map((tr) => tr.dataset.partition));
  check(same(targets.sort(), keysBetween(2, 0, 2, 15)), 'a date names the partitions starting that day');
  check((await page.textContent('#status')).includes('16 partitions'), 'the status counts them');
  await shot('05-jump-date');
  await page.fill('#grid-at', '2026-11-01');
  await page.click('#grid-go');
  await page.locator('#status.bad', { hasText: '2026-12-01' }).waitFor({ timeout: WAIT });
  check(true, 'a date without runs says so, naming the nearest keys');

  // --- filter by state ---
  await chooseFilter('state=failed', '1–3 of 3 partitions');
  check(await page.textContent('#status') === '', 'the filter\'s page clears the Go to\'s error (it stayed): ' +
    await page.textContent('#status'));
  check(same(await rowKeys(), [K(2, 5), K(1, 17), K(1, 5)]), 'failed runs only');
  check(await page.locator('#grid tr.target').count() === 0, 'a new filter forgets the jump\'s marks');
  await shot('06-filter-failed');
  await chooseFilter('task_state=upstream_failed', '1–3 of 3 partitions');
  check(same(await rowKeys(), [K(2, 5), K(1, 17), K(1, 5)]), 'runs with an upstream_failed task');
  await chooseFilter('state=success', '1–25 of 37 partitions');
  check(!(await rowKeys()).includes(K(2, 5)), 'successful runs leave the failed out');
  // nothing running: it says so, not "no runs yet" of a DAG with runs
  await chooseFilter('state=running', 'no running runs');
  check(await page.textContent('#page-info') === 'no running runs', 'an empty filter says what it found none of');
  await chooseFilter('task_state=running', 'no runs with a running task');
  await chooseFilter('stale=1', 'no stale runs');
  await chooseFilter('state=failed', '1–3 of 3 partitions');

  // --- mark success without clearing downstream ---
  await cell(K(1, 17), 'b').click();
  await page.click('#mark-success-btn');
  await page.locator('#preview:not([hidden])').waitFor({ timeout: WAIT });
  check(await page.isVisible('#mark-clear-downstream'), 'the mark dialog offers to clear downstream');
  check(!(await page.isChecked('#mark-clear-downstream')), 'unticked at first');
  check(same(await previewRows(), [[K(1, 17), 'b', 'failed']]), 'the preview lists the task instance with its state now');
  check((await page.textContent('#preview-extra')).includes('Stay upstream_failed (tick the box to clear them): c @ ' + K(1, 17)),
    'the preview says c stays upstream_failed');
  await shot('07-mark-plain');
  await page.click('#preview-confirm');
  await page.locator('#status', { hasText: 'marked 1 success' }).waitFor({ timeout: WAIT });
  await page.locator(`#grid td.cell.st-success[data-partition="${K(1, 17)}"][data-task="b"]`).waitFor({ timeout: WAIT });
  check(await cell(K(1, 17), 'c').getAttribute('data-state') === 'upstream_failed', 'without the box c stays upstream_failed');

  // --- mark success with the box ticked ---
  await cell(K(1, 5), 'b').click();
  await page.click('#mark-success-btn');
  await page.locator('#preview:not([hidden])').waitFor({ timeout: WAIT });
  await page.check('#mark-clear-downstream');
  await page.locator('#preview-extra', { hasText: 'Will be cleared and run again' }).waitFor({ timeout: WAIT });
  check((await page.textContent('#preview-extra')).includes('c @ ' + K(1, 5)), 'ticked: the preview names what will be cleared');
  await shot('08-mark-clear-downstream');
  await page.click('#preview-confirm');
  await page.locator('#status', { hasText: 'marked 1 success, cleared 1 downstream' }).waitFor({ timeout: WAIT });
  await chooseFilter('', 'of 40 partitions');
  await page.fill('#grid-at', K(1, 5));
  await page.click('#grid-go');
  await page.locator(`#grid td.cell.st-success[data-partition="${K(1, 5)}"][data-task="c"]`).waitFor({ timeout: WAIT });
  check(true, 'the cleared downstream ran and succeeded');
  await shot('09-marked');

  // --- clear two cells of a run with downstream: c is downstream of b
  // too, yet it is cleared once, and the result counts what the preview
  // listed (it said 3 once: c reset by b's clear, then again by its own) ---
  await page.fill('#grid-at', K(2, 5));
  await page.click('#grid-go');
  await page.locator(`#grid tr.target[data-partition="${K(2, 5)}"]`).waitFor({ timeout: WAIT });
  await cell(K(2, 5), 'b').click();
  await cell(K(2, 5), 'c').click();
  await page.check('#opt-downstream');
  await page.click('#clear-btn');
  await page.locator('#preview:not([hidden])').waitFor({ timeout: WAIT });
  check(same(await previewRows(), [[K(2, 5), 'b', 'failed'], [K(2, 5), 'c', 'upstream_failed']]),
    'b and c with downstream: the preview lists b and c once each');
  // on a phone the preview's rows stack: a state's badge keeps its line,
  // no name breaks inside a word ("faile|d", "extra|ct" at 390 px)
  await page.setViewportSize({ width: 390, height: 844 });
  const cramped = await midWordBreaks(page, '#preview-table td');
  const badges = await midWordBreaks(page, '#preview-table .badge');
  check(cramped.broken.length === 0 && badges.lines.every((n) => n === 1),
    'at 390 px the preview breaks no word, each state on one line: ' + JSON.stringify({ cramped, badges }));
  await shot('11b-preview-390');
  // the page itself is no wider than the phone: the toolbar's groups wrap
  // (the hidden never-run button made it 477 px wide and scroll sideways)
  const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  check(pageWidth <= 390, `at 390 px the grid page does not scroll sideways (${pageWidth} px wide)`);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.click('#preview-confirm');
  await page.locator('#status', { hasText: /^cleared \d+ task instance/ }).waitFor({ timeout: WAIT });
  check(await page.textContent('#status') === 'cleared 2 task instances',
    'the clear says what the preview listed: ' + await page.textContent('#status'));
  await page.uncheck('#opt-downstream');

  // --- the DAG list: tag chips and the filter ---
  await page.goto(URL + '/');
  // a last run's dot of every state (as pages.c draws them) stands out 3:1 from the table
  await page.evaluate(() => {
    const td = document.querySelector('tr[data-dag="plain"] td.last-runs');
    for (const st of ['none', 'scheduled', 'queued', 'running', 'success', 'failed', 'up_for_retry',
      'up_for_reschedule', 'skipped', 'upstream_failed']) {
      const dot = document.createElement('span');
      dot.className = 'dot st-' + st + ' probe';
      td.append(dot);
    }
  });
  const faintDots = await faintSwatches(page, '.dot.probe');
  check(faintDots.length === 0, 'a last run\'s dot of every state stands out 3:1 from the DAG list: ' + faintDots.join(', '));
  await page.reload();
  check(same(await page.locator('tr[data-dag="gr"] a.tag').allTextContents(), ['finance', 'hourly']), 'tags as chips');
  await page.click('tr[data-dag="gr"] a.tag[data-tag="finance"]');
  await page.locator('tr[data-dag="other"]').waitFor({ state: 'hidden', timeout: WAIT });
  const visible = () => page.locator('#dags tbody tr:not([hidden])').evaluateAll((trs) => trs.map((tr) => tr.dataset.dag));
  check(same(await visible(), ['gr']), 'a click on a tag shows the DAGs tagged so');
  check(page.url().endsWith('/?tag=finance'), 'and puts it in the URL');
  await page.fill('#dag-filter', 'marketing');
  await page.press('#dag-filter', 'Enter');
  await page.locator('tr[data-dag="other"]').waitFor({ state: 'visible', timeout: WAIT });
  check(same(await visible(), ['other']), 'the filter box');
  await page.goto(URL + '/?tag=hourly');
  check(same(await visible(), ['gr']), '?tag= in the URL');
  check((await page.inputValue('#dag-filter')) === 'hourly', 'the box shows it');
  await shot('10-dags-tagged');
  await page.click('#dag-filter-clear');
  check(same((await visible()).sort(), ['gr', 'other', 'plain']), 'All DAGs');
  // at 1024px a partition key reads as one word, the last runs as one line
  await page.setViewportSize({ width: 1024, height: 700 });
  const list = await page.evaluate(() => ({
    next: document.querySelector('tr[data-dag="other"] td.next-partition span').getClientRects().length,
    dotTops: new Set([...document.querySelectorAll('tr[data-dag="gr"] td.last-runs .dot')]
      .map((d) => Math.round(d.getBoundingClientRect().top))).size,
    dots: document.querySelectorAll('tr[data-dag="gr"] td.last-runs .dot').length,
  }));
  check(list.next === 1, 'the next partition\'s key is not broken at a hyphen');
  check(list.dots === 10 && list.dotTops === 1, `the last runs are one line of dots (${list.dots} dots on ${list.dotTops} lines)`);
  await shot('10b-dags-narrow');
  // at 640px the list fits (each DAG as two lines: it needed some 850px),
  // and a row the tag filter hides stays out of view
  await page.setViewportSize({ width: 640, height: 700 });
  const over640 = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(over640 <= 0, `at 640px the DAG list fits the window (${over640}px too wide)`);
  await page.goto(URL + '/?tag=hourly');
  const shown = await page.evaluate(() => [...document.querySelectorAll('#dags tbody tr')]
    .filter((tr) => tr.getBoundingClientRect().height > 0).map((tr) => tr.dataset.dag));
  check(same(shown, ['gr']), 'at 640px the tag filter still hides the other DAGs: ' + shown.join(', '));
  await shot('10c-dags-640');

  // --- durations: app.js writes them as the server does (tests/unit_text.c's
  // duration_cases, sl_format_duration), not rounded to seconds nor days as hours ---
  await page.goto(URL + '/dags/plain');
  await page.locator('#grid').waitFor({ timeout: WAIT });
  const durations = [[0, '0ms'], [25, '25ms'], [1500, '1.5s'], [5000, '5s'], [59949, '59.9s'],
    [59999, '59s'], [90000, '1m30s'], [3600000, '1h'], [93784000, '1d2h3m4s'], [172800000, '2d']];
  const said = await page.evaluate((list) => list.map(([ms]) => window.sluice.fmtDuration(ms)), durations);
  check(JSON.stringify(said) === JSON.stringify(durations.map(([, text]) => text)),
    'fmtDuration says what sl_format_duration says: ' + JSON.stringify(said));

  // --- a 128-character key on a laptop: its sticky column leaves room for the cells ---
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.goto(URL + '/dags/plain');
  const keyTh = page.locator(`#grid tbody tr[data-partition="${LONG_KEY}"] th`);
  await keyTh.waitFor({ timeout: WAIT });
  // the key column's width is set once the grid has laid out its cells:
  // wait for the cut (bounded), then measure
  await page.waitForFunction((key) => {
    const k = document.querySelector(`#grid tbody tr[data-partition="${key}"] th .key`);
    return k !== null && k.scrollWidth > k.clientWidth;
  }, LONG_KEY, { timeout: WAIT }).catch(() => {});
  const keyCol = await keyTh.evaluate((th) => ({
    width: th.getBoundingClientRect().width, wrap: document.querySelector('.grid-wrap').clientWidth,
    title: th.title, cut: ((k) => k !== null && k.scrollWidth > k.clientWidth)(th.querySelector('.key')) }));
  check(keyCol.width < keyCol.wrap / 2, `a long key's column takes less than half the grid (${Math.round(keyCol.width)} of ${keyCol.wrap}px)`);
  check(keyCol.cut && keyCol.title.split('\n')[0] === LONG_KEY, 'the key is cut with an ellipsis, whole in its tooltip');
  // a 64-character task name is cut in its head (140px) with an ellipsis,
  // not in the middle of a letter, whole in its tooltip
  const longHead = await page.locator('#grid thead th.task[data-task^="load_the_customer"]').evaluate((th) =>
    ({ cut: th.scrollHeight > th.clientHeight, ellipsis: getComputedStyle(th).textOverflow, title: th.title }));
  check(longHead.cut && longHead.ellipsis === 'ellipsis' && longHead.title.endsWith('load_the_customer_lifetime_value_segments_into_the_warehouse_x64'),
    'a long task name is cut in its head with an ellipsis, whole in its tooltip: ' + JSON.stringify(longHead));
  await shot('11-long-key');
  // its run and task pages: the key heads them, and the page does not scroll sideways
  const hScroll = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  for (const [what, path] of [['run', '/dags/plain/runs/' + LONG_KEY], ['task', '/dags/plain/runs/' + LONG_KEY + '/tasks/t']]) {
    await page.goto(URL + path);
    await page.locator('h1').waitFor({ timeout: WAIT });
    check(await hScroll() <= 0, `the ${what} page of a 128-character key fits a 1024px window (${await hScroll()}px too wide)`);
  }
  await shot('12-long-key-task');
  // the toolbar's Trigger and Backfill forms open at 1024px: each title stays one line
  await page.goto(URL + '/dags/gr');
  await pageInfo('of 40 partitions');
  await page.click('#trigger summary');
  await page.click('#backfill summary');
  await page.locator('#backfill-from').waitFor({ timeout: WAIT });
  const summaries = await page.locator('.toolbar details > summary').evaluateAll((ss) => ss.map((s) =>
    ({ text: s.textContent, lines: Math.round(s.getBoundingClientRect().height / parseFloat(getComputedStyle(s).lineHeight)) })));
  check(summaries.length === 2 && summaries.every((s) => s.lines === 1),
    'open at 1024px, each form\'s title is one line: ' + JSON.stringify(summaries));
  // a box for a partition shows a whole key typed into it
  const boxes = ['grid-at', 'trigger-partition', 'backfill-from', 'backfill-to'];
  for (const id of boxes) await page.fill('#' + id, K(2, 15));
  const cutBoxes = await page.evaluate((ids) => ids.filter((id) => {
    const i = document.getElementById(id);
    return i.scrollWidth > i.clientWidth;
  }), boxes);
  check(cutBoxes.length === 0, 'each partition box shows a whole key (' + K(2, 15) + '): not ' + cutBoxes.join(', '));
  // and At most's number box is as wide as a few digits, not as a key's
  const atMost = await page.locator('#backfill-max-active').evaluate((i) => i.getBoundingClientRect().width);
  check(atMost <= 100, 'the At most box is a few digits wide: ' + Math.round(atMost) + 'px');
  await shot('13-toolbar-forms');
  // at 640px the options and actions wrap, each label on one line beside its box
  await page.setViewportSize({ width: 640, height: 700 });
  const split = await page.evaluate(() => [...document.querySelectorAll('#grid-actions label')].filter((l) =>
    l.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(l).lineHeight)).map((l) => l.textContent.trim()));
  check(split.length === 0, 'at 640px each option\'s label keeps its line beside its box: ' + split.join(', '));
  const offLine = await checkboxesOffLine(page, '#grid-actions label');
  check(offLine.length === 0, 'at 640px each option\'s box sits level with its label: ' + offLine.join(', '));
  const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(over <= 0, `at 640px the grid page fits the window (${over}px too wide)`);
  await shot('13b-toolbar-640');
  await page.setViewportSize({ width: 1280, height: 900 });
  check(errors.length === 0, 'no script errors: ' + errors.join('; '));
} catch (e) {
  console.error(e.message);
  await shot('failure').catch(() => {});
  await browser.close();
  process.exit(1);
}
await browser.close();
console.log('grid_ui: ok');

// A mapped task (foreach:) in the grid and on its pages, in headless
// Chromium driven by playwright-core. Run by tests/web_mapped_browser.sh,
// which starts `sluice standalone` with DAG mp (run p1: w maps over
// [a, b, c], w[1] failed, so w failed and load is upstream_failed; the
// cause is fixed before this starts) and sets URL, OPS_PW, SHOTS. Every
// wait is a bounded wait for a state, never a sleep.
import { check, openPage } from './lib.mjs';

const { URL, OPS_PW, SHOTS } = process.env;
const WAIT = 30000;
const { browser, page, errors, shot } = await openPage(1100, 700, SHOTS);
const count = (sel) => page.locator(sel).count();
const cls = (sel) => page.locator(sel).first().getAttribute('class');
const text = (sel) => page.locator(sel).first().textContent();

try {
  await page.goto(URL + '/dags/mp');
  await page.fill('#username', 'ops');
  await page.fill('#password', OPS_PW);
  await page.click('#login');
  await page.waitForURL(URL + '/dags/mp', { timeout: WAIT });

  // --- one column for the mapped task: its state and its items done ---
  await page.locator('#grid th.mapped[data-task="w"]').waitFor({ timeout: WAIT });
  check(await count('#grid td.cell.item') === 0, 'grid: a collapsed mapped task has no item columns');
  check((await cls('#grid td.cell.mapped[data-task="w"]')).includes('st-failed'), 'grid: w shows failed (w[1] failed)');
  check(await text('#grid td.cell.mapped[data-task="w"] .map-count') === '3/3', 'grid: w counts 3 of 3 items done');
  const heads = await page.locator('#grid thead th').evaluateAll((ths) => ths.map((th) => th.textContent));
  check(JSON.stringify(heads) === JSON.stringify(['partition', 'prep', '▸ w', 'load']),
    'grid: one column for w: ' + heads);
  await shot('01-grid-collapsed');

  // --- a click on its head: one column per item, each in its state ---
  await page.click('#grid th.mapped[data-task="w"]');
  await page.locator('#grid td.cell.item[data-item="w[2]"]').waitFor({ timeout: WAIT });
  check(await count('#grid td.cell.item') === 3, 'grid expanded: three item columns');
  check((await cls('#grid td.cell.item[data-item="w[0]"]')).includes('st-success'), 'grid expanded: w[0] succeeded');
  check((await cls('#grid td.cell.item[data-item="w[1]"]')).includes('st-failed'), 'grid expanded: w[1] failed');
  check((await cls('#grid td.cell.item[data-item="w[2]"]')).includes('st-success'), 'grid expanded: w[2] succeeded');
  // the item's value is its head's tooltip (asked of the run)
  await page.locator('#grid th.item[data-item="w[1]"][title="w[1] = b"]').waitFor({ timeout: WAIT });
  check(true, 'grid expanded: w[1]\'s head says its item is b');
  await shot('02-grid-expanded');
  // a second click collapses it
  await page.click('#grid th.mapped[data-task="w"]');
  await page.locator('#grid td.cell.item').first().waitFor({ state: 'detached', timeout: WAIT });
  check(true, 'grid: a second click collapses the items');
  await page.click('#grid th.mapped[data-task="w"]');

  // --- the failing item's cell opens its page ---
  await page.locator('#grid td.cell.item[data-item="w[1]"]').waitFor({ timeout: WAIT });
  await page.click('#grid td.cell.item[data-item="w[1]"]');
  await page.waitForURL(URL + '/dags/mp/runs/p1/tasks/w%5B1%5D', { timeout: WAIT });
  check(await text('#item-value') === 'b', 'item page: its value');
  check(await page.locator('#item-parent').getAttribute('href') === '/dags/mp/runs/p1/tasks/w', 'item page: a link to its parent');
  check((await cls('#ti-state')).includes('st-failed'), 'item page: failed');
  await shot('03-item-page');

  // --- clear it alone: the preview lists that item only ---
  await page.click('#ti-clear');
  await page.locator('#ti-clear-dialog:not([hidden])').waitFor({ timeout: WAIT });
  const rows = await page.locator('#ti-clear-preview tbody tr').evaluateAll((trs) =>
    trs.map((tr) => tr.children[0].textContent));
  check(JSON.stringify(rows) === JSON.stringify(['w[1]']), 'the clear preview lists w[1] alone: ' + JSON.stringify(rows));
  await shot('04-clear-preview');
  await page.click('#ti-clear-confirm');
  // it runs again (its cause was fixed) and succeeds: the page follows
  await page.locator('#ti-state.st-success').waitFor({ timeout: WAIT });
  check(true, 'item page: w[1] ran again and succeeded');
  check(await page.locator('#tries tbody tr.try').count() === 2, 'item page: two tries');
  await shot('05-item-rerun');

  // --- its parent lists the items, all succeeded now ---
  await page.click('#item-parent');
  await page.waitForURL(URL + '/dags/mp/runs/p1/tasks/w', { timeout: WAIT });
  const items = await page.locator('#items tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].slice(0, 3).map((td) => td.textContent.trim()).join(' ')));
  check(JSON.stringify(items) === JSON.stringify(['w[0] a success', 'w[1] b success', 'w[2] c success']),
    'parent page: its items ' + JSON.stringify(items));
  check(await page.locator('#mapped-note').isVisible() && !(await page.locator('#tries').isVisible()) &&
    !(await page.locator('#log').isVisible()), 'parent page: no tries or log of its own, a note sends to the items');
  await shot('06-parent-page');
  await page.goto(URL + '/dags/mp');
  await page.locator('#grid td.cell.mapped[data-task="w"].st-success').waitFor({ timeout: WAIT });
  check(true, 'grid: w is success again');
  check(await text('#grid td.cell.mapped[data-task="w"] .map-count') === '3/3', 'grid: 3/3 items done');

  check(errors.length === 0, 'no page errors: ' + errors.join('; '));
} finally {
  await browser.close();
}

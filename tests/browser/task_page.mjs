// The task page in headless Chromium (Debian's), driven by playwright-core.
// Run by tests/web_task_browser.sh, which starts `sluice standalone` with
// DAG live (first waits for $T/go-first; second fails its first try, then
// waits for $T/go-second) and sets URL, OPS_PW, T, SHOTS. Every wait is a
// bounded wait for a state, never a sleep.
import fs from 'node:fs';
import path from 'node:path';
import { check, checkboxesOffLine, launch, midWordBreaks, overReach } from './lib.mjs';

const { URL, OPS_PW, T, SHOTS } = process.env;
const WAIT = 30000;

const browser = await launch();
const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
const shot = (name) => page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });

try {
  await page.goto(URL + '/login?next=' + encodeURIComponent('/dags/live/runs/k/tasks/second'));
  await page.fill('#username', 'ops');
  await page.fill('#password', OPS_PW);
  await page.click('#login');
  await page.waitForURL(/\/tasks\/second$/, { timeout: WAIT });

  // --- a running try (first waits for go-first) says where it runs, as
  // a finished one does: on the page as served, and as the page follows ---
  await page.goto(URL + '/dags/live/runs/k/tasks/first');
  const host = () => page.textContent('#tries tr.try[data-try="1"] td:nth-child(3)');
  check((await page.textContent('#tries tr.try[data-try="1"] .badge')) === 'running' && (await host()) === 'localhost',
    'a running local try shows its host: ' + JSON.stringify(await host()));
  await page.waitForFunction(async () => (await (await fetch('/api/v1/dags/live/runs/k/tasks/first')).json())
    .tries.some((t) => t.try_number === 1 && t.state === 'running' && t.host === 'localhost'), null, { timeout: WAIT, polling: 200 });
  await page.goto(URL + '/dags/live/runs/k/tasks/second');

  // --- why it waits ---
  await page.locator('#ti-waiting', { hasText: 'waits for upstream first (running)' }).waitFor({ timeout: WAIT });
  check(await page.getAttribute('#ti-waiting', 'data-kind') === 'upstream', 'the page says the task waits for its upstream');
  check((await page.textContent('#ti-state')) === 'none', 'state none');
  await page.evaluate(() => { window.notReloaded = true; });
  await shot('tp-01-waiting');

  // --- try 1 fails, the retry starts: the page switches to try 2 ---
  fs.writeFileSync(path.join(T, 'go-first'), 'go');
  await page.locator('#log-try', { hasText: 'try 2' }).waitFor({ timeout: WAIT });
  await page.locator('#log', { hasText: 'try 2' }).waitFor({ timeout: WAIT });
  await page.locator('#ti-state', { hasText: 'running' }).waitFor({ timeout: WAIT });
  check(await page.isHidden('#ti-waiting'), 'a running task waits for nothing');
  check(await page.locator('#tries tr.try').count() === 2, 'both tries listed');
  check((await page.textContent('#tries tr.try[data-try="1"]')).includes('exit code 3'), 'try 1 failed with exit code 3');
  const ran1 = await page.textContent('#tries tr.ran[data-try="1"]');
  const ran2 = await page.textContent('#tries tr.ran[data-try="2"]');
  check(ran1.includes("echo try '1';") && ran1.startsWith('ran: /bin/sh -c\n'), 'try 1 shows what it ran: ' + ran1);
  check(ran2.includes("echo try '2';"), 'try 2 shows what it runs: ' + ran2);
  check((await page.textContent('#tries tr.try[data-try="1"] code.hash')).length === 12, 'the DAG file version of try 1');
  await shot('tp-02-try2-running');

  // --- try 2 succeeds: the page follows without a reload ---
  fs.writeFileSync(path.join(T, 'go-second'), 'go');
  await page.locator('#ti-state', { hasText: 'success' }).waitFor({ timeout: WAIT });
  await page.locator('#log', { hasText: 'done' }).waitFor({ timeout: WAIT });
  await page.locator('#tries tr.try[data-try="2"] .badge', { hasText: 'success' }).waitFor({ timeout: WAIT });
  check(await page.evaluate(() => window.notReloaded === true), 'running to success without a reload');
  // times in the DAG's zone (Europe/Paris) with UTC in the tooltip
  const t = page.locator('#tries tr.try[data-try="2"] time').first();
  check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00$/.test(await t.textContent()), 'a time in the DAG\'s zone with its offset');
  check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00 \(UTC\)$/.test(await t.getAttribute('title')),
    'its UTC time in the tooltip, "+00:00", never "Z": ' + await t.getAttribute('title'));
  await shot('tp-03-success');

  // --- ?try=N of a try that is not there says so (it showed the latest
  // without a word), naming the tries there are; a try's log button puts
  // its number in the address, to be linked ---
  for (const bad of ['9', '0', 'abc']) {
    await page.goto(URL + '/dags/live/runs/k/tasks/second?try=' + bad);
    await page.locator('#log-try', { hasText: 'try 2' }).waitFor({ timeout: WAIT });
    check(await page.textContent('#try-notice') === `second has no try ${bad}: it has had 2 tries (try 1 to 2); the latest, try 2, is shown.`,
      `?try=${bad}: the page says so: ` + await page.textContent('#try-notice'));
  }
  await shot('tp-03b-no-such-try');
  await page.click('#tries tr.try[data-try="1"] button.show-log');
  await page.locator('#log-try', { hasText: 'try 1' }).waitFor({ timeout: WAIT });
  check(new globalThis.URL(page.url()).searchParams.get('try') === '1' && await page.locator('#try-notice').count() === 0,
    'try 1\'s log button: the address says ?try=1, the notice is gone: ' + page.url());
  await page.reload();
  await page.locator('#log-try', { hasText: 'try 1' }).waitFor({ timeout: WAIT });
  check(await page.locator('#tries tr.shown[data-try="1"]').count() === 1, 'the address opens try 1 again');

  // --- the run page shows its times the same way ---
  await page.click('#run-link');
  await page.waitForURL(URL + '/dags/live/runs/k', { timeout: WAIT });
  const rt = page.locator('#run-tis time').first();
  check(/\+0[12]:00$/.test(await rt.textContent()) && /\+00:00 \(UTC\)$/.test(await rt.getAttribute('title')), 'the run page: zone time, UTC tooltip');

  // --- at 1024px the tables read each cell on one line, and fit ---
  // (the texts of the cells that wrapped: a try "1 of 1", a result "exit
  // code 0", a long task name broken "refresh_customer_lifetime_value_segm|ents";
  // its try 1 failed with "exit code 127", the widest result)
  const LONG = 'refresh_customer_lifetime_value_segments';
  // (the run page does not follow the run: wait for the API to say it succeeded)
  await page.waitForFunction(async () => (await (await fetch('/api/v1/dags/live/runs/k')).json()).state === 'success',
    null, { timeout: WAIT, polling: 200 });
  await page.setViewportSize({ width: 1024, height: 700 });
  // (each text node on its own: a badge's box sits higher than its text)
  const wrapped = (sel) => page.evaluate((sel) => [...document.querySelectorAll(sel)].filter((e) => {
    const walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
    for (let t = walk.nextNode(); t; t = walk.nextNode()) {
      const r = document.createRange();
      r.selectNodeContents(t);
      if (new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size > 1) return true;
    }
    return false;
  }).map((e) => e.textContent), sel);
  const pageOver = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  // measured once the long task has its last state (success, after a
  // retry), so the check does not depend on which badge the reload catches
  for (let i = 0; i < 300; i++) {
    await page.reload();
    if (await page.locator('#run-tis tr', { hasText: LONG }).locator('.badge.st-success').count()) break;
    await page.waitForTimeout(100);
  }
  check(await page.locator('#run-tis tr', { hasText: LONG }).locator('.badge.st-success').count() === 1,
    'the long task succeeded on its second try');
  await shot('tp-05-run-1024');
  const runWrapped = await wrapped('#run-tis tbody td:nth-child(-n+4), #run-tis tbody td a');
  check(runWrapped.length === 0, 'at 1024px the run page\'s task names, tries and results keep their line: ' + runWrapped.join(' | '));
  const runOver = Math.max(await overReach(page, '#run-tis'), await pageOver());
  check(runOver <= 0, `at 1024px the run page's table fits the window (${runOver}px too wide)`);
  await page.goto(URL + '/dags/live/runs/k/tasks/' + LONG);
  await page.locator('#tries tr.try[data-try="2"]', { hasText: 'exit code 0' }).waitFor({ timeout: WAIT });
  check((await page.textContent('#tries tr.try[data-try="1"]')).includes('exit code 127'), 'its try 1 failed with exit code 127');
  await shot('tp-06-task-1024');
  const taskWrapped = await wrapped('#tries tr.try td, h1');
  check(taskWrapped.length === 0, 'at 1024px the task page\'s tries and name keep their line: ' + taskWrapped.join(' | '));
  const taskOver = Math.max(await overReach(page, '#tries'), await pageOver());
  check(taskOver <= 0, `at 1024px the task page's tries fit the window (${taskOver}px too wide)`);

  // --- a longer name breaks between its words (after "_", "." or "-"),
  // never inside one ("postgres_re|plica"), in the run page's table at
  // 1024px and in the task page's title in a narrow window ---
  const NAMED = 'extract_customer_orders_from_postgres_replica.v2-hourly';
  await page.goto(URL + '/dags/ordersnapshots/runs/k');
  await shot('tp-07-names-run-1024');
  let names = await midWordBreaks(page, '#run-tis td a');
  check(names.lines[0] > 1, `the run page's ${NAMED} wraps at 1024px (${names.lines[0]} lines)`);
  check(names.broken.length === 0, 'at 1024px the run page\'s names break between words only: ' + names.broken.join(', '));
  check(await overReach(page, '#run-tis') <= 0 && await pageOver() <= 0, 'at 1024px the run page with a long name fits');
  await page.setViewportSize({ width: 640, height: 700 });
  await page.goto(URL + '/dags/ordersnapshots/runs/k/tasks/' + NAMED);
  await page.locator('#ti-state', { hasText: 'success' }).waitFor({ timeout: WAIT });
  await shot('tp-08-names-task-640');
  names = await midWordBreaks(page, 'h1');
  check(names.lines[0] > 1, `the task page's title wraps at 640px (${names.lines[0]} lines)`);
  check(names.broken.length === 0, 'the task page\'s title breaks between words only: ' + names.broken.join(', '));
  // (its checkbox's middle level with its label's text, not 1.5px above)
  const off = await checkboxesOffLine(page, '#ti-actions label');
  check(off.length === 0, 'the checkbox sits level with its label: ' + off.join(', '));
  // --- at 640px the tries table fits: each try on two lines, labelled,
  // its times whole (it needed some 900px and scrolled sideways) ---
  await page.goto(URL + '/dags/live/runs/k/tasks/' + LONG);
  await page.locator('#tries tr.try[data-try="2"]', { hasText: 'exit code 0' }).waitFor({ timeout: WAIT });
  await shot('tp-09-tries-640');
  const triesOver = Math.max(await overReach(page, '#tries'), await pageOver());
  check(triesOver <= 0, `at 640px the task page's tries fit the window (${triesOver}px too wide)`);
  const cut = await page.evaluate(() => [...document.querySelectorAll('#tries tr.try td')].filter((td) => {
    const r = td.getBoundingClientRect(), box = document.getElementById('tries').getBoundingClientRect();
    return getComputedStyle(td).display !== 'none' && (r.left < box.left || r.right > box.right || td.scrollWidth > td.clientWidth + 1);
  }).map((td) => td.textContent));
  check(cut.length === 0, 'at 640px every cell of the tries is whole inside the table: ' + cut.join(' | '));
  const tryTimes = await wrapped('#tries tr.try time');
  check(tryTimes.length === 0, 'at 640px each try\'s times keep their line: ' + tryTimes.join(' | '));
  const label = await page.evaluate(() => getComputedStyle(document.querySelector('#tries tr.try td:nth-child(4)'), '::before').content);
  check(label === '"started "', 'at 640px a try\'s start is labelled: ' + label);
  // (the try whose log is shown is highlighted across its line, the gaps
  // between its cells too, not each cell on its own)
  const shownBg = await page.evaluate(() => getComputedStyle(document.querySelector('#tries tr.try.shown')).backgroundColor);
  check(shownBg === 'rgb(238, 244, 255)', 'at 640px the shown try\'s whole line is highlighted: ' + shownBg);
  // --- on a phone (390px) the header and the run page's task instances
  // fit: the header's one line pushed every page 137px sideways, Log out
  // off the screen; the run page's six columns 400px ---
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(URL + '/dags/live/runs/k');
  await shot('tp-11-run-390');
  const phoneOver = await pageOver();
  const logout = await page.locator('header.top .logout button').boundingBox();
  check(phoneOver <= 0 && logout.x + logout.width <= 390,
    `at 390px the run page fits (${phoneOver}px too wide), Log out on screen (its right edge at ${logout.x + logout.width}px)`);
  check(await overReach(page, '#run-tis') <= 0, 'at 390px the run page\'s task instances fit the window');
  const tiLabel = await page.evaluate(() => getComputedStyle(document.querySelector('#run-tis tbody td:nth-child(5)'), '::before').content);
  check(tiLabel === '"started "', 'at 390px a task instance\'s start is labelled: ' + tiLabel);
  // (the grid's pager keeps "◀ newer" and "older ▶" on one line each,
  // on the smallest phones too)
  await page.setViewportSize({ width: 320, height: 700 });
  await page.goto(URL + '/dags/live');
  await page.locator('#grid tbody tr').first().waitFor({ timeout: WAIT });
  const pagerLines = await page.evaluate(() => ['newer', 'older'].map((id) => {
    const r = document.createRange();
    r.selectNodeContents(document.getElementById(id));
    return id + ' ' + new Set([...r.getClientRects()].map((c) => Math.round(c.top))).size;
  }));
  check(pagerLines.join() === 'newer 1,older 1', 'at 320px the grid\'s pager buttons keep one line each: ' + pagerLines.join(', '));
  await page.setViewportSize({ width: 1280, height: 860 });

  // --- a sensor's durations as its DAG file writes them, not in ms:
  // what each try ran (drawn by app.js from the API) and its command ---
  await page.goto(URL + '/dags/lake/runs/k/tasks/landed');
  await page.locator('#template', { hasText: 'poke_interval' }).waitFor({ state: 'attached', timeout: WAIT });
  await page.locator('#tries tr.ran[data-try="1"]').waitFor({ timeout: WAIT });
  const lakeRan = await page.textContent('#tries tr.ran[data-try="1"]');
  check(lakeRan.includes('"poke_interval":"1m30s"') && lakeRan.includes('"max_poke_interval":"1d"') &&
    !/90000|86400000/.test(lakeRan), 'a sensor\'s try ran with its poke interval as written: ' + lakeRan);
  const lakeCmd = (await page.textContent('#command')) + (await page.textContent('#template'));
  check(lakeCmd.includes('"poke_interval": "1m30s"') && !/90000|86400000/.test(lakeCmd),
    'its command shows the poke interval as written: ' + lakeCmd);
  await shot('tp-10-sensor-durations');

  // --- a try that printed nothing says so, not just an empty box ---
  await page.goto(URL + '/dags/live/runs/k/tasks/first');
  await page.locator('#log-state', { hasText: 'finished' }).waitFor({ timeout: WAIT });
  check((await page.textContent('#log')) === '' && (await page.textContent('#log-state')) === 'finished — it printed nothing',
    'an empty log says the try printed nothing: ' + await page.textContent('#log-state'));
  await shot('tp-04-empty-log');
  check(errors.length === 0, 'no page errors: ' + errors.join('; '));
} finally {
  await browser.close();
}

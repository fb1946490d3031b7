// The web UI in headless Chromium (Debian's), driven by playwright-core.
// Run by tests/web_browser.sh, which starts `sluice standalone` and sets:
//   URL, OPS_PW, T (the test's temp folder: flag files the DAGs wait on),
//   SHOTS (where screenshots go), P1..P3 (three partitions of DAG g).
// Every wait is a bounded wait for a state, never a sleep.
import fs from 'node:fs';
import path from 'node:path';
import { check, midWordBreaks, openPage, placeholdersFit } from './lib.mjs';

const { URL, OPS_PW, T, SHOTS } = process.env;
const parts = [process.env.P1, process.env.P2, process.env.P3];
const WAIT = 30000;

const { browser, page, errors, shot } = await openPage(1280, 860, SHOTS);
// requests the pages made that the server refused (each is a console error)
const refused = [];
page.on('response', (r) => { if (r.status() >= 400) refused.push(r.status() + ' ' + r.url()); });
const cell = (p, task) => page.locator(`#grid td.cell[data-partition="${p}"][data-task="${task}"]`);

try {
  // --- log in ---
  await page.goto(URL + '/dags/g');
  check(page.url().includes('/login'), 'a page without a session sends to the login');
  await page.fill('#username', 'ops');
  await page.fill('#password', 'wrong-password');
  await page.click('#login');
  await page.locator('#login-error').waitFor({ timeout: WAIT });
  check((await page.textContent('#login-error')).includes('Wrong'), 'a wrong password is refused');
  check(await page.inputValue('#username') === 'ops' && await page.inputValue('#password') === '' &&
    await page.evaluate(() => document.activeElement.id) === 'password',
    'the user name typed is kept, the cursor in the password box');
  await page.fill('#password', OPS_PW);
  await shot('01-login');
  await page.click('#login');
  await page.waitForURL(URL + '/dags/g', { timeout: WAIT });
  check(true, 'logged in and back to the page asked for');

  // --- the grid of a DAG with failed partitions ---
  await page.locator('#grid td.cell.st-failed[data-task="b"]').nth(5).waitFor({ timeout: WAIT });
  check(await page.locator('#grid tbody tr').count() === 6, 'six partitions as rows');
  check((await page.locator('#grid tbody tr').first().getAttribute('data-partition')) > parts[2], 'newest first');
  check(await page.locator('#grid td.cell.st-success[data-task="a"]').count() === 6, 'task a succeeded everywhere');
  check((await cell(parts[0], 'b').getAttribute('title')).includes('failed'), 'state on hover');
  check(await page.locator('#dag-description').textContent() === 'hourly <b>partitions</b>', 'description shown as text');
  await shot('02-grid-failed');

  // --- select three partitions of task b, downstream, preview, confirm ---
  await page.evaluate(() => { window.notReloaded = true; });
  await cell(parts[0], 'b').click();
  await cell(parts[2], 'b').click({ modifiers: ['Shift'] });
  check(await page.locator('#grid td.cell.sel').count() === 3, 'shift-click selects a range of three partitions');
  check((await page.textContent('#selection-count')) === '3 selected', 'selection count');
  await page.check('#opt-downstream');
  await page.click('#clear-btn');
  await page.locator('#preview:not([hidden])').waitFor({ timeout: WAIT });
  const rows = await page.locator('#preview-table tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const want = [];
  for (const p of [...parts].sort()) { want.push([p, 'b', 'failed']); want.push([p, 'c', 'upstream_failed']); }
  check(JSON.stringify(rows) === JSON.stringify(want), 'the preview lists exactly the six task instances that will re-run');
  check((await page.textContent('#preview-title')).includes('6 task instances'), 'preview title counts them');
  await shot('03-clear-preview');
  fs.writeFileSync(path.join(T, 'fixed'), 'yes');
  await page.click('#preview-confirm');
  for (const p of parts)
    for (const t of ['b', 'c'])
      await page.locator(`#grid td.cell.st-success[data-partition="${p}"][data-task="${t}"]`).waitFor({ timeout: WAIT });
  check(true, 'the six cells turned green');
  check(await page.evaluate(() => window.notReloaded === true), 'without reloading the page');
  check(await page.locator('#grid td.cell.st-failed[data-task="b"]').count() === 3, 'the other partitions stay failed');
  check((await page.textContent('#status')).includes('cleared 6'), 'status says what was done');
  await shot('04-cleared-green');

  // --- trigger a partition with a param ---
  await page.goto(URL + '/dags/p');
  await page.click('#trigger summary');
  await page.fill('#trigger-partition', 'from-browser');
  await page.fill('#trigger-form input.param[data-param="table"]', 'public.from_browser');
  // a double click sends one request: the button is disabled until the
  // answer (the second request's 409 replaced the first one's success)
  const posts = [];
  const countPosts = (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/dags/p/runs')) posts.push(r.url()); };
  page.on('request', countPosts);
  // the first request's answer is held until both clicks are in: on a
  // busy machine it could otherwise come back between them, the button
  // enabled again for the second
  let release;
  const clicked = new Promise((r) => { release = r; });
  const hold = async (route) => { await clicked; await route.continue(); };
  await page.route('**/api/v1/dags/p/runs', hold);
  await page.dblclick('#trigger-btn');
  release();
  await page.locator('#grid td.cell.st-success[data-partition="from-browser"][data-task="show"]').waitFor({ timeout: WAIT });
  await page.waitForFunction(() => !document.getElementById('trigger-btn').disabled, null, { timeout: WAIT });
  page.off('request', countPosts);
  await page.unroute('**/api/v1/dags/p/runs', hold);
  check(posts.length === 1, 'a double click on Trigger sends one request: ' + posts.length);
  check((await page.textContent('#status')).includes('triggered partition from-browser') &&
    !(await page.getAttribute('#status', 'class')).includes('bad'), 'triggered from the form: ' + await page.textContent('#status'));
  const run = await page.evaluate(async () => (await fetch('/api/v1/dags/p/runs/from-browser')).json());
  check(run.params && run.params.table === 'public.from_browser', 'the run carries the param');
  // an unscheduled DAG has no partition map: its grid must not ask for
  // one (a 400, and a console error, at every poll); the grid rendered
  // the new row only after that request had its answer
  check(!refused.some((u) => u.includes('/api/v1/dags/p/partitions')),
    'the grid of an unscheduled DAG asks for no partition map: ' + refused.join(', '));
  await shot('05-trigger');
  await page.dblclick('#grid td.cell[data-partition="from-browser"][data-task="show"]');
  await page.waitForURL(/\/tasks\/show$/, { timeout: WAIT });
  await page.locator('#log', { hasText: 'table=public.from_browser' }).waitFor({ timeout: WAIT });
  check((await page.textContent('#command')).includes('public.from_browser'), 'the rendered command uses the param');
  check((await page.textContent('#command')).includes('********') && !(await page.textContent('#command')).includes('hunter2'),
    'secrets in the command are masked');
  await page.click('#run-link');
  await page.waitForURL(URL + '/dags/p/runs/from-browser', { timeout: WAIT });
  check((await page.textContent('#run-tis')).includes('show'), 'the run page lists the run\'s task instances');

  // --- delete that run from its page, after a confirmation ---
  await page.click('#run-delete');
  check(await page.isVisible('#run-delete-dialog'), 'Delete asks first');
  await page.click('#run-delete-cancel');
  check(await page.isHidden('#run-delete-dialog'), 'Cancel keeps the run');
  check(await page.evaluate(async () => (await fetch('/api/v1/dags/p/runs/from-browser')).status) === 200, 'still there after Cancel');
  await page.click('#run-delete');
  await page.click('#run-delete-confirm');
  await page.waitForURL(URL + '/dags/p', { timeout: WAIT });
  check(await page.evaluate(async () => (await fetch('/api/v1/dags/p/runs/from-browser')).status) === 400, 'the run is gone');
  await shot('05b-run-deleted');

  // --- the trigger form of declared params: a required one (no
  // default) has its box, a description is shown, a secret's default is
  // not in the page and an empty box keeps it ---
  await page.goto(URL + '/dags/tp');
  await page.click('#trigger summary');
  check(!(await page.content()).includes('s3cr3t-default'), 'the secret param\'s default is not in the page');
  check(await page.locator('#trigger-form input.param[data-param="table"]').count() === 1, 'a required param has its box');
  check((await page.locator('#trigger-form label', { hasText: 'table' }).textContent()).includes('the table to <b>load</b>'),
    'the param\'s description is shown, as text');
  check(await page.locator('#trigger-form input.param[data-param="token"]').getAttribute('type') === 'password', 'a secret param\'s box hides what is typed');
  // every box's placeholder shows whole (the secret's "secret: empty
  // keeps the default" was cut at every width), wide and on a phone
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 860 });
    const cut = await placeholdersFit(page, ['#trigger-form input']);
    check(cut.length === 0, `at ${width} px the trigger form's placeholders fit their boxes` + (cut.length ? ': not ' + cut.join(', ') : ''));
    if (width === 390) await shot('05c-trigger-form-390');
  }
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.fill('#trigger-partition', 'tp1');
  await page.click('#trigger-btn');
  await page.locator('#status', { hasText: "param 'table' is required" }).waitFor({ timeout: WAIT });
  check(true, 'an empty required param is refused by name');
  // a param with an enum is a list of its values, on its default
  const mode = page.locator('#trigger-form select.param[data-param="mode"]');
  check(JSON.stringify(await mode.locator('option').allTextContents()) === '["full","delta","a&b"]',
    'an enum param lists its values: ' + await mode.locator('option').allTextContents());
  check(await mode.inputValue() === 'delta', 'the enum param starts on its default');
  await mode.selectOption('a&b');
  await page.fill('#trigger-form input.param[data-param="table"]', 'public.t&"<x>');
  // an integer param is the text as typed, read as the CLI reads it: 1e3
  // is no integer (read as JSON by the form, it passed as 1000)
  await page.fill('#trigger-form input.param[data-param="n"]', '1e3');
  await page.click('#trigger-btn');
  await page.locator('#status', { hasText: "param 'n' must be an integer, got '1e3'" }).waitFor({ timeout: WAIT });
  check(true, 'an integer param typed 1e3 is refused by name, as the CLI refuses it');
  await page.fill('#trigger-form input.param[data-param="n"]', '3');
  // a number is a number box; a boolean is a choice of true or false (a
  // box took "yes" and the server refused it)
  check(await page.locator('#trigger-form input.param[data-param="n"]').getAttribute('type') === 'number',
    'an integer param has a number box');
  const full = page.locator('#trigger-form select.param[data-param="full"]');
  check(JSON.stringify(await full.locator('option').allTextContents()) === '["true","false"]',
    'a boolean param is a choice of true or false: ' + await full.locator('option').allTextContents());
  check(await full.inputValue() === 'false', 'the boolean param starts on its default');
  await full.selectOption('true');
  check(await page.locator('#trigger-partition').getAttribute('placeholder') === 'a new key: now',
    'an unscheduled DAG\'s empty partition box makes a new key, as its placeholder says');
  await page.click('#trigger-btn');
  await page.locator('#grid td.cell.st-success[data-partition="tp1"][data-task="show"]').waitFor({ timeout: WAIT });
  check(true, 'triggered with the secret\'s default kept (the task checks it)');
  const tp1 = await page.evaluate(async () => (await fetch('/api/v1/dags/tp/runs/tp1')).json());
  check(tp1.params && tp1.params.mode === 'a&b', 'the chosen enum value is the run\'s param: ' + JSON.stringify(tp1.params));
  check(tp1.params.full === true, 'the chosen boolean is the run\'s param, a boolean: ' + JSON.stringify(tp1.params));

  // --- a partition outside the DAG's start..end (g: 2024-01-01 00:00 to
  // 06:00): the forms show why it is refused, and run it once the box is
  // ticked; a backfill past the end is cut, saying so ---
  await page.goto(URL + '/dags/g');
  await page.click('#trigger summary');
  await page.fill('#trigger-partition', '2023-12-31T23:00');
  await page.click('#trigger-btn');
  await page.locator('#status.bad', { hasText: 'partition 2023-12-31T23:00:00+00:00 is before the start of DAG g, 2024-01-01T00:00:00+00:00' })
    .waitFor({ timeout: WAIT });
  check((await page.textContent('#status')).includes('/dags/g.yaml:4); its first partition is 2024-01-01T00:00:00+00:00 ' +
    '(tick "even before start: or past end:" to run it anyway)'),
    'the trigger form shows the refusal, naming where start: is written and the box: ' + await page.textContent('#status'));
  await page.check('#trigger-outside');
  await page.click('#trigger-btn');
  await page.locator('#status', { hasText: 'triggered partition 2023-12-31T23:00:00+00:00' }).waitFor({ timeout: WAIT });
  check((await page.textContent('#status')).includes('is before the start of DAG g'), 'a confirmed trigger still says it is outside');
  await page.click('#backfill summary');
  await page.fill('#backfill-from', '2024-01-01T04:00');
  await page.fill('#backfill-to', '2024-01-01T08:00');
  const backfillsOfG = async () => (await (await page.request.get(URL + '/api/v1/backfills?dag=g')).json()).backfills.length;
  const bfBefore = await backfillsOfG();
  // "At most" typed as something the number box cannot read (its value
  // reads as empty, which would be no cap): the form's own check stops
  // it, nothing is asked or made
  await page.focus('#backfill-max-active');
  await page.keyboard.type('1e');
  await page.click('#backfill-btn');
  check(await page.evaluate(() => { const f = document.getElementById('backfill-form'); return !f.noValidate && !f.checkValidity(); }) &&
    await page.locator('#preview').isHidden() && await backfillsOfG() === bfBefore,
    'an unreadable "At most" stops the form (its own check), not read as no cap');
  await page.focus('#backfill-max-active');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // every partition of the range has a run: nothing to ask, the status
  // line says so and what the range left out
  await page.click('#backfill-btn');
  await page.locator('#status', { hasText: 'left out 3 partitions past the end of DAG g, 2024-01-01T06:00:00+00:00' })
    .waitFor({ timeout: WAIT });
  check((await page.textContent('#status')).startsWith('Nothing to backfill from 2024-01-01T04:00:00+00:00 to 2024-01-01T05:00:00+00:00: 2 partitions left as they are.') &&
    await page.locator('#preview').isHidden() && await backfillsOfG() === bfBefore,
    'the backfill form says what it cut, and that nothing is to run: ' + await page.textContent('#status'));
  // re-running them (only: all): a preview first, the runs it re-runs and
  // what the range left out; nothing is made until Confirm
  await page.selectOption('#backfill-only', 'all');
  await page.click('#backfill-btn');
  await page.locator('#preview:not([hidden])').waitFor({ timeout: WAIT });
  check(await page.textContent('#preview-title') === 'Backfill g?', 'the backfill form shows a preview first');
  check(await page.textContent('#preview-summary') === 'From 2024-01-01T04:00:00+00:00 to 2024-01-01T05:00:00+00:00: 2 runs re-run.',
    'the preview says what it does: ' + await page.textContent('#preview-summary'));
  check(JSON.stringify(await page.locator('#preview-table tbody tr td:first-child').allTextContents()) ===
    JSON.stringify(['2024-01-01T04:00:00+00:00', '2024-01-01T05:00:00+00:00']), 'the preview lists the partitions of the range cut to the end');
  check(JSON.stringify(await page.locator('#preview-table tbody tr td:nth-child(3)').allTextContents()) === JSON.stringify(['failed', 'failed']),
    'the preview shows each run as it is now (failed, as the grid does)');
  check((await page.textContent('#preview-extra')).includes('left out 3 partitions past the end of DAG g, 2024-01-01T06:00:00+00:00'),
    'the preview says what the range left out');
  check(await backfillsOfG() === bfBefore, 'the preview made no backfill');
  await shot('05b-backfill-preview');
  await page.click('#preview-confirm');
  await page.locator('#status', { hasText: ', 2 re-run' }).waitFor({ timeout: WAIT });
  check((await page.textContent('#status')).includes('left out 3 partitions past the end of DAG g') && await backfillsOfG() === bfBefore + 1,
    'Confirm makes the backfill the preview showed: ' + await page.textContent('#status'));
  await page.selectOption('#backfill-only', 'missing');
  await page.fill('#backfill-from', '2024-01-02');
  await page.fill('#backfill-to', '2024-01-03');
  await page.click('#backfill-btn');
  await page.locator('#status.bad', { hasText: 'the range from 2024-01-02 to 2024-01-03 is past the end of DAG g' })
    .waitFor({ timeout: WAIT });
  check((await page.textContent('#status')).includes('to backfill it anyway)'), 'a backfill wholly past the end is refused in the form');
  // To left empty: up to the latest complete partition (by the DAG's end: here), said
  await page.fill('#backfill-from', '2024-01-01T04:00');
  await page.fill('#backfill-to', '');
  await page.click('#backfill-btn');
  await page.locator('#status', { hasText: 'no end given: up to the latest complete partition, 2024-01-01T05:00:00+00:00' })
    .waitFor({ timeout: WAIT });
  check(!(await page.getAttribute('#status', 'class') || '').includes('bad'), 'a backfill without To goes up to the latest partition');
  await shot('05c-outside-range');

  // --- open a log and watch it tail ---
  await page.goto(URL + '/dags/tail/runs/t1/tasks/slow');
  await page.locator('#log', { hasText: 'first line' }).waitFor({ timeout: WAIT });
  check(!(await page.textContent('#log')).includes('second line'), 'the log so far');
  check((await page.textContent('#log-state')).includes('running'), 'the log is followed while the try runs');
  await shot('06-log-running');
  await page.evaluate(() => { window.notReloaded = true; });
  fs.writeFileSync(path.join(T, 'go'), 'go');
  await page.locator('#log', { hasText: 'second line' }).waitFor({ timeout: WAIT });
  check(await page.evaluate(() => window.notReloaded === true), 'new lines appear without reloading');
  check(await page.evaluate(() => window.xss === undefined), 'a hostile log line stays inert');
  check((await page.textContent('#log')).includes('<img src=x onerror="window.xss=1">'), 'and is shown as text');
  await page.locator('#log-state', { hasText: 'finished' }).waitFor({ timeout: WAIT });
  check(true, 'the tail ends when the try ends');
  await page.locator('#ti-state', { hasText: 'success' }).waitFor({ timeout: WAIT });
  check(true, 'the state on the page follows the try');
  await shot('07-log-tailed');

  // --- graph and audit ---
  await page.goto(URL + '/dags/g/graph?partition=' + encodeURIComponent(parts[0]));
  check(await page.locator('svg#graph g.node.st-success').count() === 3, 'graph shows the partition\'s states');
  await shot('08-graph');
  // a node's name reads on its state's colour (WCAG's 4.5:1), a failed one's too
  await page.goto(URL + '/dags/g');
  const failedPart = await page.locator('#grid td.cell.st-failed[data-task="b"]').first().getAttribute('data-partition');
  await page.goto(URL + '/dags/g/graph?partition=' + encodeURIComponent(failedPart));
  check(await page.locator('svg#graph g.node.st-failed').count() === 1, 'the graph of ' + failedPart + ' has a failed node');
  const faintNodes = await page.evaluate(() => {
    const lum = (c) => {
      const [r, g, b] = (c.match(/[\d.]+/g) || []).slice(0, 3).map(Number).map((v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    return [...document.querySelectorAll('svg#graph g.node')].map((g) => {
      const a = lum(getComputedStyle(g.querySelector('text')).fill), b = lum(getComputedStyle(g.querySelector('rect')).fill);
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      return ratio < 4.5 ? g.querySelector('text').textContent + ' (' + g.getAttribute('class') + ', ' + ratio.toFixed(2) + ')' : '';
    }).filter(Boolean);
  });
  check(faintNodes.length === 0, 'each node\'s name contrasts 4.5:1 with its state\'s colour: ' + faintNodes.join(', '));
  await shot('08a-graph-failed');
  // a chain of nine tasks at 1024px: the graph scrolls in its box, not the page
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.goto(URL + '/dags/wide/graph');
  const wide = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    box: document.querySelector('.graph-wrap') !== null &&
      document.querySelector('.graph-wrap').scrollWidth > document.querySelector('.graph-wrap').clientWidth,
  }));
  check(wide.page <= 0 && wide.box, `a wide graph scrolls in its own box, the page does not (${wide.page}px too wide)`);
  const labels = await page.locator('svg#graph g.node').evaluateAll((gs) => gs.map((g) => ({
    fits: g.querySelector('text').getBBox().width <= g.querySelector('rect').getBBox().width - 8,
    text: g.querySelector('text').textContent, title: g.querySelector('title').textContent })));
  const long = labels.find((l) => l.title.startsWith('load_the_customer'));
  check(labels.length === 9 && labels.every((l) => l.fits), 'every task\'s name fits inside its box');
  check(await page.locator('svg#graph a[href="#"]').count() === 0, 'without a run, no node is a dead "#" link');
  check(long.text.endsWith('…') && long.title.startsWith('load_the_customer_lifetime_value_segments_into_the_warehouse_staging'),
    'a long name ends in an ellipsis, whole in its tooltip');
  await shot('08b-graph-wide');
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(URL + '/audit');
  check((await page.textContent('#audit')).includes('web:ops'), 'the audit log names the person');
  check(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
    'the audit page does not overflow sideways (a long detail wraps)');
  const spilled = await page.evaluate(() => [...document.querySelectorAll('#audit td time')].filter((t) => {
    const td = t.closest('td');
    return t.getBoundingClientRect().right > td.getBoundingClientRect().right - parseFloat(getComputedStyle(td).paddingRight) + 0.5;
  }).map((t) => t.textContent));
  const auditTimes = await page.locator('#audit td time').allTextContents();
  check(spilled.length === 0 && auditTimes.length > 0 && auditTimes.every((t) => t.endsWith('+00:00')) &&
    (await page.textContent('#audit')).includes('delete_run'),
    'each time stays inside its column, none over the Who column, all in UTC (a DAG in +05:30 too): ' + spilled.join(', '));
  check(auditTimes.every((t, i) => i === 0 || t <= auditTimes[i - 1]), 'the times read newest first, in one zone');
  // (the DAG column: "inventoryrollu|ps" once; a longer name after a "_")
  const dagCells = await midWordBreaks(page, '#audit tbody td:nth-child(4)');
  check(dagCells.broken.length === 0 && Math.max(...dagCells.lines) > 1,
    'the audit\'s DAG names break between their words only: ' + dagCells.broken.join(', '));
  const audit = await page.textContent('#audit');
  // (each detail as key: value lines, not JSON)
  const cleared = await page.locator('#audit tbody td:nth-child(5) .kv', { hasText: 'partitions:' }).first().textContent();
  check(parts.every((p) => cleared.includes(p)) && cleared.startsWith('partitions: '),
    'the clear is audited by partition keys: ' + cleared);
  check(!audit.includes('{"') && !audit.includes('":'), 'the audit\'s details read as key: value, not JSON');
  check(await page.evaluate(async () => (await fetch('/favicon.ico')).status) === 200, 'the favicon is served');
  await shot('09-audit');
  // at 640px each entry's detail reads across the width (the four first
  // columns' 47em once left it a column of one letter), nothing sideways
  await page.setViewportSize({ width: 640, height: 860 });
  const narrow = await page.evaluate(() => {
    const table = document.getElementById('audit').getBoundingClientRect().width;
    return { over: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      thin: [...document.querySelectorAll('#audit tbody td:nth-child(5)')].filter((td) => td.getBoundingClientRect().width < table / 2).length };
  });
  check(narrow.over <= 0 && narrow.thin === 0,
    `at 640px the audit fits (${narrow.over}px too wide) and each detail has the width (${narrow.thin} squeezed)`);
  await shot('09b-audit-640');
  await page.setViewportSize({ width: 1280, height: 860 });
  check(errors.length === 0, 'no script errors: ' + errors.join('; '));
} catch (e) {
  console.error(e.message);
  await shot('failure').catch(() => {});
  await browser.close();
  process.exit(1);
}
await browser.close();
console.log('web_ui: ok');

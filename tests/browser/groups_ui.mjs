// Task groups in the grid and the graph, in headless Chromium driven by
// playwright-core. Run by tests/web_groups_browser.sh, which starts
// `sluice standalone` with DAG grp (run p1: group extract failed, group
// steps succeeded) and sets URL, OPS_PW, SHOTS. Every wait is a bounded
// wait for a state, never a sleep.
import { check, openPage } from './lib.mjs';

const { URL, OPS_PW, SHOTS } = process.env;
const WAIT = 30000;
const { browser, page, errors, shot } = await openPage(1100, 700, SHOTS);
const count = (sel) => page.locator(sel).count();
const cls = (sel) => page.locator(sel).first().getAttribute('class');

try {
  await page.goto(URL + '/dags/grp');
  await page.fill('#username', 'ops');
  await page.fill('#password', OPS_PW);
  await page.click('#login');
  await page.waitForURL(URL + '/dags/grp', { timeout: WAIT });

  // --- the grid: each group one column, in its aggregate state ---
  await page.locator('#grid th.group[data-group="extract"]').waitFor({ timeout: WAIT });
  check(await count('#grid td.cell[data-task="x1"]') === 0, 'grid: the tasks of a collapsed group have no column');
  check(await count('#grid td.cell[data-task="prep"]') === 1, 'grid: a task outside groups has its column');
  check((await cls('#grid td.cell.group[data-group="extract"]')).includes('st-failed'),
    'grid: group extract shows failed (x2 failed)');
  check((await cls('#grid td.cell.group[data-group="steps"]')).includes('st-success'),
    'grid: group steps shows success');
  const heads = await page.locator('#grid thead th').evaluateAll((ths) => ths.map((th) => th.textContent));
  check(JSON.stringify(heads) === JSON.stringify(['partition', 'prep', '+ extract (3)', 'load', 'create_cluster',
    '+ steps (2)', 'terminate_cluster']), 'grid: the group columns stand where their first task is: ' + heads);
  await shot('01-grid-collapsed');

  // --- a click shows the group's tasks after its column ---
  await page.click('#grid th.group[data-group="extract"]');
  await page.locator('#grid td.cell[data-task="x2"]').waitFor({ timeout: WAIT });
  check((await cls('#grid td.cell[data-task="x2"]')).includes('st-failed'), 'grid expanded: x2 failed');
  check((await cls('#grid td.cell[data-task="x1"]')).includes('st-success'), 'grid expanded: x1 succeeded');
  check(await count('#grid td.cell[data-task="step_1"]') === 0, 'grid: the other group stays collapsed');
  check((await page.locator('#grid th.group[data-group="extract"]').textContent()).startsWith('−'),
    'grid: the open group says it can collapse');
  await shot('02-grid-expanded');
  // a click on the group's cell collapses it again
  await page.click('#grid td.cell.group[data-group="extract"]');
  await page.locator('#grid td.cell[data-task="x2"]').waitFor({ state: 'detached', timeout: WAIT });
  check(true, 'grid: a click on the group cell collapses it');

  // --- the clear preview of a step inside a setup's scope names the
  // setup and the teardown too ---
  await page.click('#grid th.group[data-group="steps"]');
  await page.locator('#grid td.cell[data-task="step_1"]').waitFor({ timeout: WAIT });
  await page.click('#grid td.cell[data-task="step_1"]');
  await page.click('#clear-btn');
  await page.locator('#preview:not([hidden])').waitFor({ timeout: WAIT });
  const rows = await page.locator('#preview-table tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const tasks = rows.map((r) => r[1]).sort();
  check(JSON.stringify(tasks) === JSON.stringify(['create_cluster', 'step_1', 'terminate_cluster']),
    'the clear preview of step_1 lists its setup and teardown: ' + JSON.stringify(rows));
  await shot('05-clear-preview');
  await page.click('#preview-cancel');

  // --- the graph: one box per group, expanded on click ---
  await page.goto(URL + '/dags/grp/graph');
  await page.locator('#graph g.node.group[data-group="extract"]').waitFor({ timeout: WAIT });
  check(await count('#graph g.node[data-task="x1"]') === 0, 'graph: a collapsed group has no task boxes');
  check((await cls('#graph g.node.group[data-group="extract"]')).includes('st-failed'), 'graph: group extract is failed');
  check((await cls('#graph g.node.group[data-group="steps"]')).includes('st-success'), 'graph: group steps succeeded');
  check((await cls('#graph g.node[data-task="load"]')).includes('st-upstream_failed'), 'graph: load is upstream_failed');
  await shot('03-graph-collapsed');
  await page.click('#graph g.node.group[data-group="extract"]');
  await page.locator('#graph g.node[data-task="x2"]').waitFor({ timeout: WAIT });
  check(page.url().includes('expand=extract'), 'graph: the click expands the group (' + page.url() + ')');
  check((await cls('#graph g.node[data-task="x2"]')).includes('st-failed'), 'graph expanded: x2 failed');
  check(await count('#graph g.node.group[data-group="extract"]') === 0, 'graph expanded: no group box for it');
  check(await count('#graph g.node.group[data-group="steps"]') === 1, 'graph expanded: the other group stays a box');
  await shot('04-graph-expanded');
  // the toolbar collapses it again
  await page.click('#graph-groups a.group-toggle[data-group="extract"]');
  await page.locator('#graph g.node.group[data-group="extract"]').waitFor({ timeout: WAIT });
  check(true, 'graph: the group toggle collapses it');

  // --- the graph's legend: each state's badge in the colour its boxes
  // have; a graph that fits says nothing of scrolling ---
  const legend = () => page.evaluate(() => {
    const out = {};
    for (const b of document.querySelectorAll('#graph-legend .badge'))
      out[b.textContent] = getComputedStyle(b).backgroundColor;
    return out;
  });
  const fills = () => page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#graph g.node')].map((g) =>
    [g.getAttribute('class').match(/st-(\S+)/)[1], getComputedStyle(g.querySelector('rect')).fill])));
  const keyOf = await legend(), drawn = await fills();
  check(Object.keys(keyOf).length === 10 && Object.entries(drawn).every(([st, c]) => keyOf[st] === c),
    'graph: a legend of the states, in the boxes\' colours: ' + JSON.stringify(drawn));
  check(await page.isHidden('#graph-more'), 'graph: one that fits its box says nothing of scrolling');
  // --- at 390 px the expanded graph scrolls sideways: the shade on the
  // side with more to see, and a line saying so ---
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(URL + '/dags/grp/graph?expand=extract,steps');
  await page.locator('#graph g.node[data-task="x2"]').waitFor({ timeout: WAIT });
  const cue = () => page.evaluate(() => {
    const box = document.getElementById('graph-box'), w = document.getElementById('graph-wrap');
    const shade = (where) => getComputedStyle(box, where).opacity;
    return { over: w.scrollWidth - w.clientWidth, left: shade('::before'), right: shade('::after'),
      line: !document.getElementById('graph-more').hidden, legend: !!document.getElementById('graph-legend'),
      boxRight: Math.round(box.getBoundingClientRect().right) };
  });
  await page.waitForFunction(() => !document.getElementById('graph-more').hidden, null, { timeout: WAIT });
  let c = await cue();
  check(c.over > 0 && c.line && c.right === '1' && c.left === '0' && c.legend && c.boxRight <= 390,
    'graph at 390 px: wider than the window, its box framed inside it, shaded on the right, a line says it scrolls: ' + JSON.stringify(c));
  await shot('06-graph-390');
  await page.evaluate(() => { const w = document.getElementById('graph-wrap'); w.scrollLeft = w.scrollWidth; });
  await page.waitForFunction(() => document.getElementById('graph-box').classList.contains('more-left'), null, { timeout: WAIT });
  c = await cue();
  check(c.left === '1' && c.right === '0', 'graph at 390 px scrolled to its end: shaded on the left only: ' + JSON.stringify(c));
  await shot('07-graph-390-end');
  await page.setViewportSize({ width: 1100, height: 700 });

  check(errors.length === 0, 'no page errors: ' + errors.join('; '));
} finally {
  await browser.close();
}

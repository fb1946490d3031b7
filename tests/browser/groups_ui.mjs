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

  check(errors.length === 0, 'no page errors: ' + errors.join('; '));
} finally {
  await browser.close();
}

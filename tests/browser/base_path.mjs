// The UI behind a reverse proxy that serves it under a path (web.base_url
// https://host/sluice/), in headless Chromium: a deep link opens the
// login, the login leads back to it, the grid fills from the API, a cell
// opens its task page and its log, the Trigger form makes a run, the
// partition map draws and a click on a cell opens the grid there, the
// users page lists the users, and Log out returns to the login. Every
// request the pages make stays under the path (tests/web_base_path.sh
// also reads the proxy's log of what came outside it).
// Env: URL (the proxy's address with the path), USER, PASSWORD, SHOTS.
import { check, journey } from './lib.mjs';

const { URL, USER, PASSWORD, SHOTS } = process.env;
const WAIT = 30000;

await journey(1280, 860, SHOTS, async (page, shot) => {
  const outside = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(URL + '/') && !r.url().startsWith('data:')) outside.push(r.method() + ' ' + r.url());
  });
  await page.goto(URL + '/dags/chain');
  check(page.url().startsWith(URL + '/login?next='), 'a deep link without a session opens the login under the path: ' + page.url());
  await page.fill('#username', USER);
  await page.fill('#password', PASSWORD);
  await page.click('#login');
  await page.waitForURL(URL + '/dags/chain', { timeout: WAIT });
  check(true, 'the login leads back to the deep link');
  await page.locator('#grid td.cell[data-task="b"]').first().waitFor({ timeout: WAIT });
  await shot('01-grid');
  check(await page.locator('header a.brand').getAttribute('href') === '/sluice/', 'the header links under the path');

  // a cell opens its task page (Enter), whose log comes through the API
  await page.locator('#grid td.cell[data-task="b"]').first().dblclick();
  await page.waitForURL(/\/sluice\/dags\/chain\/runs\/.*\/tasks\/b/, { timeout: WAIT });
  await page.locator('#log').filter({ hasText: 'b ran' }).waitFor({ timeout: WAIT });
  await shot('02-task');
  check(true, 'a cell opens its task page under the path, with its log');
  await page.click('#run-link');
  await page.waitForURL(/\/sluice\/dags\/chain\/runs\//, { timeout: WAIT });
  check(true, 'the task page links its run under the path');

  // Trigger: a POST of the API under the path
  await page.goto(URL + '/dags/chain');
  await page.click('#trigger summary');
  await page.fill('#trigger-partition', 'by-proxy');
  await page.click('#trigger-btn');
  await page.locator('#grid tr[data-partition="by-proxy"]').waitFor({ timeout: WAIT });
  check(true, 'the Trigger form makes a run through the path');

  // the partition map of a scheduled DAG: drawn, a cell opens the grid
  await page.goto(URL + '/dags/hourly/map');
  await page.locator('#map[data-painted-ms]').waitFor({ timeout: WAIT });
  await shot('03-map');
  // a partition with a run (the test made one): its cell opens the grid
  const at = await page.evaluate(() => {
    const m = window.sluiceMap;
    for (let i = m.cells() - 1; i >= 0; i--)
      if (!['missing', 'future'].includes(m.state(i))) return m.center(i);
    return null;
  });
  check(at !== null, 'the map shows the partition that has a run');
  await page.mouse.click(at.x, at.y);
  await page.waitForURL(/\/sluice\/dags\/hourly\?at=/, { timeout: WAIT });
  check(true, 'a map cell opens the grid under the path: ' + page.url());

  await page.click('#nav-users');
  await page.waitForURL(URL + '/users', { timeout: WAIT });
  await page.locator('#users tbody tr').first().waitFor({ timeout: WAIT });
  await shot('04-users');
  check(true, 'the users page lists the users through the path');

  await page.click('header form.logout button');
  await page.waitForURL(URL + '/login', { timeout: WAIT });
  check(true, 'Log out returns to the login under the path');
  check(outside.length === 0, 'no request left the path: ' + outside.join(', '));
});
console.log('base_path: ok');

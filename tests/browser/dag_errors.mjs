// A broken DAG file on the DAG list at 1280 and 640 px wide: its first
// errors, "and N more" opening the rest, nothing wider than the page.
import { check, journey } from './lib.mjs';

const { URL, OPS_PW, SHOTS } = process.env;
const WAIT = 10000;

for (const width of [1280, 640, 390]) {
  await journey(width, 800, SHOTS, async (page, shot) => {
    await page.goto(URL + '/login');
    await page.fill('#username', 'ops');
    await page.fill('#password', OPS_PW);
    await page.click('#login');
    await page.locator('#dag-errors').waitFor({ timeout: WAIT });
    const cell = page.locator('#dag-errors td.error');
    check((await cell.locator('pre.file-errors').first().textContent()).split('\n').length === 3,
      width + ': three errors shown');
    const more = cell.locator('details.more-errors');
    check(!(await more.locator('pre').isVisible()), width + ': the rest folded');
    await shot('dag-errors-' + width + '-folded');
    await more.locator('summary').click();
    check(await more.locator('pre').isVisible(), width + ': and 3 more opens the rest');
    check((await cell.textContent()).includes('<b>nope</b>'),
      width + ': the markup in an error is shown as text');
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(wide <= 0, width + ': no sideways scroll (' + wide + ' px too wide)');
    // the errors get the table's width, not what the file's path leaves
    // (at 390 px it took 269 px, the errors 56 px, a few letters a line)
    const room = await page.evaluate(() => {
      const t = document.getElementById('dag-errors').getBoundingClientRect();
      return Math.round(100 * document.querySelector('#dag-errors pre.file-errors').getBoundingClientRect().width / t.width);
    });
    check(room >= 45, width + ': the errors take ' + room + '% of the table\'s width');
    await shot('dag-errors-' + width + '-open');
    // a DAG page of a name no file defines says which name, as text
    const missing = await page.goto(URL + '/dags/' + encodeURIComponent('no_such_<i>dag'));
    const said = await page.textContent('main');
    check(missing.status() === 404 && said.includes("no DAG named 'no_such_<i>dag'") &&
      await page.locator('main i').count() === 0, width + ': an unknown DAG\'s page names it: ' + said);
  });
}

// The partition map of a DAG that runs every minute, on a screen of
// twice the density (deviceScaleFactor 2), driven by playwright-core.
// Run by tests/web_partition_map_browser.sh, which adds DAG minutely
// (start 150 days back: more minutes than the map's 200,000) and sets
// URL, OPS_PW and SHOTS. With no range the page shows the newest 200,000
// partitions and says so; its canvas stays within what a browser holds
// (a side of 32,767 pixels): at full density, 200,000 cells of the
// default height asked for a canvas of 2,220 x 120,000 and the tab died.
// Every wait is a bounded wait for a state, never a sleep.
import { check, launch } from './lib.mjs';

const { URL, OPS_PW, SHOTS } = process.env;
const browser = await launch();
const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 2 });
const page = await ctx.newPage();
let crashed = false;
page.on('crash', () => { crashed = true; });
await page.goto(URL + '/dags/minutely/map');
await page.fill('#username', 'ops');
await page.fill('#password', OPS_PW);
await page.click('#login');
await page.waitForURL(URL + '/dags/minutely/map', { timeout: 30000 });
await page.locator('#map[data-painted-ms]').waitFor({ timeout: 60000 });
check(!crashed, 'the tab is alive');
const got = await page.evaluate(() => {
  const c = document.querySelector('#map canvas');
  const m = document.getElementById('map').dataset;
  return { w: c.width, h: c.height, cells: Object.values(JSON.parse(m.counts)).reduce((a, b) => a + b, 0),
    layout: m.layout, text: document.body.innerText };
});
console.log('# long strip: ' + JSON.stringify({ w: got.w, h: got.h, cells: got.cells, layout: got.layout }));
check(got.layout === 'strip', 'a minutely DAG is a strip');
check(got.cells === 200000, 'the newest 200,000 partitions: ' + got.cells);
check(got.w <= 32767 && got.h <= 32767, `a canvas the browser holds: ${got.w} x ${got.h}`);
check(got.text.includes('the map shows the newest 200000 partitions of DAG minutely'), 'the page says the map was cut');
await page.screenshot({ path: SHOTS + '/10-long-strip.png' });
await browser.close();
console.log('map_long_strip: ok');

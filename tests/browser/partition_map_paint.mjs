// The partition map's first paint, measured in headless Chromium (Debian's)
// for bench/partition_map.sh: LOADS loads of PAGE on each server of URLS
// (space-separated; more than one: base and new, alternated load by load,
// the order swapped every other round so neither always goes first).
// Three kinds of load, each carrying the session cookie of one login:
//   cold       a fresh browser context (nothing cached: a first visit),
//              navigated as soon as it is made. Each fresh context opens
//              a browser window, and Chromium does its own work for that
//              window (its omnibox popup page, in a renderer of its own)
//              while the page loads, on the same two cores.
//   cold-open  a fresh context too (nothing cached), but its window first
//              shows about:blank and the browser's processes are let go
//              idle before the page is opened: a first visit in a browser
//              that is already open, as a person opens the map from a
//              link. The target's figure.
//   warm       the cold-open context's page loaded again (the assets
//              cached, as on a reload; before 2026-12-07 the cold
//              context's, its window still busy).
// "map" is the page's own stamp (data-painted-ms, from navigation start):
// when the picture of the whole range (web/map_image.c) was on screen, as
// Chromium reports it (Element Timing's renderTime: the frame's
// presentation); before that picture existed (a BASE build older than
// 2026-12-06) it was performance.now() in the animation frame after the
// canvas was drawn, which is earlier than that frame's presentation.
// "rendered" is when map.js had drawn its canvas; the others come from
// the Navigation and Resource Timing entries. Prints one JSON line per
// load and, per server and kind, the median, min and max of each figure,
// then each fetch's median end and in how many loads it blocked the first
// paint.
// Env: URLS, PAGE (a path), USER, PASSWORD, LOADS (default 15).
import fs from 'node:fs';
import { launch } from './lib.mjs';

const { URLS, PAGE, USER, PASSWORD } = process.env;
const LOADS = Number(process.env.LOADS || 15);
const WAIT = 30000;
const urls = URLS.split(' ').filter(Boolean);

const browser = await launch();

// one login per server; its cookies start every fresh context
const cookies = {};
for (const url of urls) {
  const ctx = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(url + PAGE);
  await page.fill('#username', USER);
  await page.fill('#password', PASSWORD);
  await page.click('#login');
  await page.locator('#map[data-painted-ms]').waitFor({ timeout: WAIT });
  cookies[url] = await ctx.cookies();
  await ctx.close();
}

// CPU ticks (1/100 s) used so far by every Chromium process of this
// machine, from /proc
function chromiumTicks() {
  let ticks = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(pid)) continue;
    let stat;
    try { stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { continue; }
    const close = stat.lastIndexOf(')');
    if (!/chrom/.test(stat.slice(stat.indexOf('(') + 1, close))) continue;
    const f = stat.slice(close + 2).split(' ');
    ticks += Number(f[11]) + Number(f[12]);	// utime, stime
  }
  return ticks;
}

// Wait until Chromium used at most one tick in 100 ms (bounded: 10 s);
// returns the ms waited, or -1 when it never went idle.
async function browserIdle() {
  let last = chromiumTicks();
  for (let waited = 100; waited <= 10000; waited += 100) {
    await new Promise((done) => setTimeout(done, 100));
    const now = chromiumTicks();
    if (now - last <= 1) return waited;
    last = now;
  }
  return -1;
}

async function measure(page, url) {
  await page.goto(url + PAGE);
  await page.locator('#map[data-painted-ms]').waitFor({ timeout: WAIT });
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    const m = document.getElementById('map').dataset;
    const counts = JSON.parse(m.counts);
    // each fetch of the page: when it ended and whether it held the
    // first paint (Chromium's renderBlockingStatus)
    const res = {}, blocking = [];
    for (const e of performance.getEntriesByType('resource')) {
      const name = e.name.replace(/^.*\//, '');
      res[name] = Math.round(e.responseEnd);
      if (e.renderBlockingStatus === 'blocking') blocking.push(name);
    }
    return {
      html: Math.round(nav.responseEnd), bytes: nav.transferSize, dcl: Math.round(nav.domContentLoadedEventEnd),
      fetched: Number(m.fetchedMs), rendered: Number(m.renderedMs), map: Number(m.paintedMs),
      fcp: fcp ? Math.round(fcp.startTime) : null,
      cells: Object.values(counts).reduce((a, b) => a + b, 0), res, blocking,
    };
  });
}

const runs = {};   // url -> kind -> [timing]
const KINDS = ['cold', 'cold-open', 'warm'];
for (let i = 0; i < LOADS; i++) {
  const order = i % 2 ? [...urls].reverse() : urls;
  for (const url of order) {
    const loads = [];
    let ctx = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    await ctx.addCookies(cookies[url]);
    let page = await ctx.newPage();
    loads.push(['cold', await measure(page, url)]);
    await ctx.close();
    ctx = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    await ctx.addCookies(cookies[url]);
    page = await ctx.newPage();
    await page.goto('about:blank');
    const idleMs = await browserIdle();
    loads.push(['cold-open', { ...await measure(page, url), idleMs }]);
    loads.push(['warm', await measure(page, url)]);
    await ctx.close();
    for (const [kind, t] of loads) {
      if (t.cells < 8000) throw new Error('the map drew ' + t.cells + ' cells, not a year of hours');
      ((runs[url] = runs[url] || {})[kind] = runs[url][kind] || []).push(t);
      console.log(JSON.stringify({ load: i, url, kind, ...t }));
    }
  }
}
await browser.close();

const med = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
for (const url of urls)
  for (const kind of KINDS) {
    const list = runs[url][kind];
    const line = ['html', 'dcl', 'fetched', 'rendered', 'map', 'fcp'].map((f) => {
      const v = list.map((t) => t[f]).filter((x) => x !== null);
      return v.length ? `${f} ${med(v)} (${Math.min(...v)}-${Math.max(...v)})` : `${f} -`;
    }).join(', ');
    const idle = list.filter((t) => t.idleMs !== undefined);
    const waited = idle.filter((t) => t.idleMs >= 0).map((t) => t.idleMs);
    console.log(`# ${url} ${kind}, median (min-max) ms of ${list.length} loads: ${line}; ` +
      `the year drawn / 200 ms target: ${(med(list.map((t) => t.map)) / 200).toFixed(2)}` +
      (idle.length ? `; the browser idle after ${waited.length ? med(waited) : '-'} ms (median), ` +
        `not idle within 10 s in ${idle.length - waited.length}/${idle.length} loads` : ''));
    // Resource Timing: each fetch's end (median), and in how many loads
    // it was render-blocking
    const names = [...new Set(list.flatMap((t) => Object.keys(t.res)))].sort();
    console.log(`#   fetches: ` + (names.map((n) => {
      const v = list.map((t) => t.res[n]).filter((x) => x !== undefined);
      const b = list.filter((t) => t.blocking.includes(n)).length;
      return `${n} ${med(v)}${b ? ` (render-blocking in ${b}/${list.length})` : ''}`;
    }).join(', ') || 'none'));
  }

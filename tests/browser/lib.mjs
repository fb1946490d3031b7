// What the Chromium journeys share: Debian's Chromium launched headless
// by playwright-core, a page that records its errors and unexpected
// dialogs, a screenshot helper and the TAP-like check.
import { chromium } from 'playwright-core';
import path from 'node:path';

export function check(cond, what) {
  if (!cond) throw new Error('FAIL: ' + what);
  console.log('ok - ' + what);
}

// Debian's Chromium, headless, as every browser test and the map bench
// start it; with BROWSER_PROXY set (http://127.0.0.1:PORT), every
// request goes through that HTTP proxy, so a page can be opened at a
// public name such as http://sluice.example.com/ that only the proxy
// serves.
export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    ...(process.env.BROWSER_PROXY ? { proxy: { server: process.env.BROWSER_PROXY } } : {}),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

// { browser, page, errors, shot(name) } for a viewport of width x height;
// screenshots go to the folder shots.
export async function openPage(width, height, shots) {
  const browser = await launch();
  const page = await (await browser.newContext({ viewport: { width, height } })).newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => { errors.push('unexpected dialog: ' + d.message()); d.dismiss(); });
  const shot = (name) => page.screenshot({ path: path.join(shots, name + '.png'), fullPage: true });
  return { browser, page, errors, shot };
}

// Run body(page, shot) on a fresh page; on a failure, a screenshot
// 99-failure, the message and the page's errors, and exit 1; at the end,
// no page error may have happened.
export async function journey(width, height, shots, body) {
  const { browser, page, errors, shot } = await openPage(width, height, shots);
  try {
    await body(page, shot);
    check(errors.length === 0, 'no page errors: ' + errors.join('; '));
  } catch (e) {
    await shot('99-failure').catch(() => {});
    console.error(e.message);
    console.error('page errors: ' + errors.join('; '));
    await browser.close();
    process.exit(1);
  }
  await browser.close();
}

// The inputs (by id, or every one a CSS selector such as
// '#trigger-form input.param' matches) whose placeholder does not fit in
// the box: its text measured in the input's font against the room inside
// its padding.
export function placeholdersFit(page, ids) {
  return page.evaluate((ids) => ids.flatMap((id) => {
    const found = document.getElementById(id);
    return (found ? [found] : [...document.querySelectorAll(id)]).map((i) => {
      const cs = getComputedStyle(i);
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = cs.font;
      const room = i.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      return !i.placeholder || ctx.measureText(i.placeholder).width <= room ? '' :
        (i.id || i.dataset.param || id) + ' (' + i.placeholder + ')';
    });
  }).filter(Boolean), ids);
}

// The partition map's first frame (the picture the server draws,
// web/map_image.c, painted before any script runs) against the canvas
// map.js draws over it, at page's viewport: the map at path is opened
// once without JavaScript (only the picture) and screenshot, then on
// page. The picture must sit where the canvas's cells start; at every
// cell's middle in view (a wide map scrolls in its box; both are
// scrolled to its newest end, as map.js does) the screenshot
// must show the canvas's colour there (a missing cell, which the canvas
// hatches: one light tone, not white), and just right of a cell (its
// gap) the map's white. Returns what differs (empty: all).
export async function firstFrameMatches(page, path) {
  const url = new URL(path, page.url()).href;
  const ctx = await page.context().browser().newContext({ viewport: page.viewportSize(), javaScriptEnabled: false });
  await ctx.addCookies(await page.context().cookies());
  const still = await ctx.newPage();
  await still.goto(url);
  // a wide map scrolls inside its box: to its newest end, as map.js does
  // before the first frame
  const stillOver = await still.locator('.map-wrap').evaluate((w) => { w.scrollLeft = w.scrollWidth; return w.scrollWidth - w.clientWidth; });
  const img = await still.locator('#map-img').count() ? await still.locator('#map-img').boundingBox() : null;
  const wrap = await still.locator('.map-wrap').boundingBox();
  const png = (await still.screenshot({ fullPage: true })).toString('base64');
  await ctx.close();
  if (!img) return ['the page has no picture of the map (#map-img)'];
  await page.goto(url);
  await page.locator('#map[data-painted-ms]').waitFor({ timeout: 30000 });
  return page.evaluate(async ({ png, img, wrap, stillOver }) => {
    const shot = new Image();
    shot.src = 'data:image/png;base64,' + png;
    await shot.decode();
    const sc = document.createElement('canvas');
    sc.width = shot.width;
    sc.height = shot.height;
    sc.getContext('2d').drawImage(shot, 0, 0);
    const sd = sc.getContext('2d').getImageData(0, 0, sc.width, sc.height).data;
    const live = document.getElementById('map-canvas'), r = live.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const ld = live.getContext('2d').getImageData(0, 0, live.width, live.height).data;
    const at = (d, w, x, y) => { const k = (Math.floor(y) * w + Math.floor(x)) * 4; return [d[k], d[k + 1], d[k + 2]]; };
    const near = (a, b) => a.every((v, k) => Math.abs(v - b[k]) <= 3);
    const out = [];
    let missingTone = null;
    const x0 = r.left + scrollX, y0 = r.top + scrollY, m = window.sluiceMap, first = m.origin();
    const box = live.closest('.map-wrap');
    if (stillOver > 0 && box.scrollWidth <= box.clientWidth)
      out.push(`the picture is ${stillOver}px wider than the map's box, the canvas fits it`);
    if (Math.abs(img.x - (x0 + first.left)) > 0.5 || Math.abs(img.y - (y0 + first.top)) > 0.5)
      out.push(`the picture starts at ${img.x},${img.y}, the canvas's cells at ${x0 + first.left},${y0 + first.top}`);
    for (let i = 0; i < m.cells() && out.length < 8; i++) {
      const b = m.cellBox(i), cx = b.x + b.w / 2, cy = b.y + b.h / 2;
      if (img.x - first.left + b.x + b.w + 1 >= wrap.x + wrap.width - 1 ||
          img.x - first.left + b.x - 1 <= wrap.x) continue;   // scrolled out of view
      const got = at(sd, sc.width, img.x - first.left + cx, img.y - first.top + cy);
      if (m.state(i) === 'missing') {
        // the canvas hatches it; the picture has one light tone for every
        // missing cell, not the white of no partition
        missingTone = missingTone || got;
        if (!near(got, missingTone) || near(got, [255, 255, 255]) || got.some((v) => v < 200))
          out.push(`cell ${i} (${m.key(i)}, missing): the picture shows ${got}, not one light tone (${missingTone})`);
      } else {
        const want = at(ld, live.width, cx * dpr, cy * dpr);
        if (!near(got, want)) out.push(`cell ${i} (${m.key(i)}, ${m.state(i)}): the picture shows ${got}, the canvas ${want}`);
      }
      const gap = at(sd, sc.width, img.x - first.left + b.x + b.w, img.y - first.top + cy);
      if (!near(gap, [255, 255, 255]))
        out.push(`cell ${i} (${m.key(i)}): the gap on its right shows ${gap}`);
    }
    return out;
  }, { png, img, wrap, stillOver });
}

// Whether the partition map on page fits its box (.map-wrap) across:
// { over: how far its content passes the box (px, <= 0: it fits), least:
// its cells are of the least size (then a long range scrolls, as meant),
// labels: the month labels drawn past the canvas's edge }.
export function mapFits(page) {
  return page.evaluate(() => {
    const wrap = document.querySelector('.map-wrap'), canvas = document.getElementById('map-canvas');
    const w = canvas.getBoundingClientRect().width;
    return { over: wrap.scrollWidth - wrap.clientWidth, least: window.sluiceMap.cellBox(0).w <= 2,
      labels: window.sluiceMap.labels().filter((l) => l.x < 0 || l.x + l.w > w + 0.5).map((l) => l.text) };
  });
}

// The partition keys and times (2026-12-03T10:00:00+00:00, 2026-12-03T10:00,
// 2026-12-03) in the elements matching selector that are broken over two
// lines: each one's text measured as a range, wherever it sits.
export function brokenKeys(page, selector) {
  return page.evaluate((selector) => {
    const out = [];
    for (const box of document.querySelectorAll(selector)) {
      const walk = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
      for (let t = walk.nextNode(); t; t = walk.nextNode())
        for (const m of t.textContent.matchAll(/\d{4}-\d\d-\d\d(T[\d:]+)?(Z|[+-]\d\d:\d\d)?/g)) {
          const r = document.createRange();
          r.setStart(t, m.index);
          r.setEnd(t, m.index + m[0].length);
          if (new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size > 1) out.push(m[0]);
        }
    }
    return out;
  }, selector);
}

// How far (px) the element matching selector reaches past the right edge
// of its parent's content box (<= 0: it fits).
export function overReach(page, selector) {
  return page.evaluate((selector) => {
    const e = document.querySelector(selector), p = e.parentElement, cs = getComputedStyle(p);
    const edge = p.getBoundingClientRect().right - parseFloat(cs.borderRightWidth) - parseFloat(cs.paddingRight);
    return Math.round(e.getBoundingClientRect().right - edge);
  }, selector);
}

// The elements matching selector whose text and background contrast less
// than WCAG's 4.5:1 (text under 18px), as "text (ratio)".
export function lowContrast(page, selector) {
  return page.evaluate((selector) => {
    const rgb = (c) => (c.match(/[\d.]+/g) || []).slice(0, 3).map(Number);
    const lum = (c) => {
      const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    return [...document.querySelectorAll(selector)].map((e) => {
      const cs = getComputedStyle(e), a = lum(cs.color), b = lum(cs.backgroundColor);
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      return ratio < 4.5 ? `${e.textContent} (${ratio.toFixed(2)})` : '';
    }).filter(Boolean);
  }, selector);
}

// The checkboxes in labels matching selector that do not sit level with
// their label's text: each box's middle against the middle of the text's
// line (its glyphs' box, as a range measures it), as "label (dy px)" when
// they differ by more than 1px.
export function checkboxesOffLine(page, selector) {
  return page.evaluate((selector) => [...document.querySelectorAll(selector)].map((label) => {
    const box = label.querySelector('input[type="checkbox"]');
    if (!box || box.offsetParent === null) return '';
    const r = document.createRange();
    const walk = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
    let first = null, last = null;
    for (let t = walk.nextNode(); t; t = walk.nextNode())
      if (t.textContent.trim()) { first = first || t; last = t; }
    if (!first) return '';
    r.setStart(first, first.textContent.search(/\S/));
    r.setEnd(last, last.textContent.trimEnd().length);
    const text = r.getClientRects()[0], b = box.getBoundingClientRect();
    const dy = (b.top + b.height / 2) - (text.top + text.height / 2);
    return Math.abs(dy) > 1 ? `${label.textContent.trim()} (${dy.toFixed(1)}px)` : '';
  }).filter(Boolean), selector);
}

// The names (a DAG, task, dataset) in the elements matching selector that
// are broken over two lines inside a word: each letter's line measured as
// a range, a new line allowed only after a "_", "." or "-" (text_html_name's
// <wbr>) or a space. As "name (at 'postgres_re|plica')"; lines: how many
// lines each element's text took ({ broken, lines }), so a test can tell
// that a name did wrap.
export function midWordBreaks(page, selector) {
  return page.evaluate((selector) => {
    const broken = [], lines = [];
    for (const e of document.querySelectorAll(selector)) {
      const chars = [];
      const walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
      for (let t = walk.nextNode(); t; t = walk.nextNode())
        for (let i = 0; i < t.textContent.length; i++) {
          const r = document.createRange();
          r.setStart(t, i);
          r.setEnd(t, i + 1);
          const b = r.getClientRects()[0];
          if (b) chars.push({ c: t.textContent[i], top: Math.round(b.top) });
        }
      let n = chars.length ? 1 : 0;
      for (let i = 1; i < chars.length; i++) {
        if (chars[i].top === chars[i - 1].top) continue;
        n++;
        if (!/[_.\-\s]/.test(chars[i - 1].c) && !/\s/.test(chars[i].c)) {
          const text = chars.map((x) => x.c).join('');
          broken.push(`${text.trim()} (at '${text.slice(Math.max(0, i - 11), i)}|${text.slice(i, i + 6)}')`);
        }
      }
      lines.push(n);
    }
    return { broken, lines };
  }, selector);
}

// The swatches (small boxes of colour, as the map's legend draws them)
// matching selector that cannot be told from what lies behind them: the
// larger of the contrasts of their fill and of their edge (a border or an
// inset box-shadow) against the first opaque background behind them under
// WCAG's 3:1 for parts of a graphic (1.4.11), as "state (ratio)".
export function faintSwatches(page, selector) {
  return page.evaluate((selector) => {
    const rgba = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const lum = (c) => {
      const [r, g, b] = rgba(c).slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const opaque = (c) => { const v = rgba(c); return v.length === 3 || v[3] === 1; };
    const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
    return [...document.querySelectorAll(selector)].map((e) => {
      let behind = 'rgb(255, 255, 255)';
      for (let p = e.parentElement; p; p = p.parentElement) {
        const bg = getComputedStyle(p).backgroundColor;
        if (opaque(bg)) { behind = bg; break; }
      }
      const cs = getComputedStyle(e), parts = [];
      if (opaque(cs.backgroundColor) && cs.backgroundImage === 'none') parts.push(cs.backgroundColor);
      if (parseFloat(cs.borderTopWidth) > 0) parts.push(cs.borderTopColor);
      const shadow = cs.boxShadow.match(/rgba?\([^)]*\)(?=[^,]*inset)/);
      if (shadow) parts.push(shadow[0]);
      const best = Math.max(0, ...parts.map((c) => ratio(c, behind)));
      return best < 3 ? `${e.closest('[data-state]')?.dataset.state || e.className} (${best.toFixed(2)})` : '';
    }).filter(Boolean);
  }, selector);
}

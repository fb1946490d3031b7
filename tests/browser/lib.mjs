// What the Chromium journeys share: Debian's Chromium launched headless
// by playwright-core, a page that records its errors and unexpected
// dialogs, a screenshot helper and the TAP-like check.
import { chromium } from 'playwright-core';
import path from 'node:path';

export function check(cond, what) {
  if (!cond) throw new Error('FAIL: ' + what);
  console.log('ok - ' + what);
}

// { browser, page, errors, shot(name) } for a viewport of width x height;
// screenshots go to the folder shots.
export async function openPage(width, height, shots) {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
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

// The inputs (by id) whose placeholder does not fit in the box: its text
// measured in the input's font against the room inside its padding.
export function placeholdersFit(page, ids) {
  return page.evaluate((ids) => ids.map((id) => {
    const i = document.getElementById(id), cs = getComputedStyle(i);
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = cs.font;
    const room = i.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    return ctx.measureText(i.placeholder).width <= room ? '' : id + ' (' + i.placeholder + ')';
  }).filter(Boolean), ids);
}

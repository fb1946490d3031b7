// Open a link as a person would: in headless Chromium, log in on the
// page the link leads to, land on the linked page, and check it shows
// what it should. Run by tests/email_link.sh with:
//   LINK (the link, from a mail), USER, PASSWORD, WANT (a CSS selector
//   the page must show).
// Every wait is a bounded wait for a state, never a sleep.
import { launch } from './lib.mjs';

const { LINK, USER, PASSWORD, WANT } = process.env;
const WAIT = 30000;

const browser = await launch();
const page = await (await browser.newContext()).newPage();
try {
  await page.goto(LINK);
  if (!page.url().includes('/login')) throw new Error('FAIL: the link without a session should lead to the login: ' + page.url());
  await page.fill('#username', USER);
  await page.fill('#password', PASSWORD);
  const [resp] = await Promise.all([
    page.waitForNavigation({ url: LINK, timeout: WAIT }),
    page.click('#login'),
  ]);
  if (resp === null || resp.status() !== 200) throw new Error('FAIL: the linked page answered ' + (resp && resp.status()));
  await page.locator(WANT).waitFor({ state: 'attached', timeout: WAIT });
  console.log('ok - ' + LINK + ' opens after logging in and shows ' + WANT);
} catch (e) {
  console.error(e.message);
  await browser.close();
  process.exit(1);
}
await browser.close();

// The live preview reloads an open page by itself (Debian's Chromium via playwright-core).
// Usage: node tests/browser/preview.mjs <page-url> <text> [timeout-ms]
// Opens the page, prints "ready" once it has loaded and connected to the reload channel, then
// waits until the page, without any action of ours, has reloaded and shows <text>.
// Prints one JSON line {"reloads": n, "seconds": s} and exits 0; exits 1 on timeout.
import { chromium } from 'playwright-core';

const [url, text, timeoutArg] = process.argv.slice(2);
const timeout = Number(timeoutArg || 300000);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--disable-quic'] });
let code = 1;
try {
  const page = await browser.newPage();
  let loads = 0;
  page.on('load', () => { loads += 1; });
  const channel = page.waitForResponse(r => r.url().includes('/__preview/events'), { timeout: 60000 });
  await page.goto(url, { waitUntil: 'load' });
  await channel;
  if (await page.evaluate(t => document.body.innerText.includes(t), text)) throw new Error('the text is already there');
  console.log('ready');
  const t0 = Date.now();
  await page.waitForFunction(t => document.body.innerText.includes(t), text, { timeout, polling: 100 });
  // The new text can be on screen before the reloaded page's 'load' event (its images, such as the
  // maps, still loading): count the reload once the page has finished loading.
  await page.waitForLoadState('load', { timeout });
  console.log(JSON.stringify({ reloads: loads - 1, seconds: (Date.now() - t0) / 1000 }));
  code = loads > 1 ? 0 : 1;
} catch (e) {
  console.error(String(e));
} finally {
  await browser.close();
}
process.exit(code);

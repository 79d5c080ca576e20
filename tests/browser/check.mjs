// Browser checks of the built web edition in Debian's Chromium (never a downloaded browser).
// Usage: node tests/browser/check.mjs <site-dir> [<sub-dir>]  -> prints one JSON report on stdout.
// With <sub-dir>, the pages checked are those of that folder, served from <site-dir> (so links up work).
// For every HTML page: axe-core (wcag2a, wcag2aa, wcag21a, wcag21aa) with 0 violations allowed,
// no horizontal scrolling at 320 px, no request to any other host, and every download link answers 200.
import { chromium } from 'playwright-core';
import http from 'node:http';
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const root = path.resolve(process.argv[2]);
const types = { '.html': 'text/html; charset=utf-8', '.svg': 'image/svg+xml', '.css': 'text/css',
  '.ttf': 'font/ttf', '.csv': 'text/csv; charset=utf-8', '.pdf': 'application/pdf', '.png': 'image/png' };
const server = http.createServer(async (req, res) => {
  try {
    const p = path.join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!p.startsWith(root)) throw new Error('outside');
    const body = await readFile(p);
    res.writeHead(200, { 'content-type': types[path.extname(p)] || 'application/octet-stream' });
    res.end(body);
  } catch { res.writeHead(404); res.end(); }
}).listen(0, '127.0.0.1');
await new Promise(r => server.once('listening', r));
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--disable-quic'] });
const sub = process.argv[3] ? process.argv[3].replace(/\/+$/, '') + '/' : '';
const pages = (await readdir(path.join(root, sub))).filter(f => f.endsWith('.html')).sort().map(f => sub + f);
const report = { pages: [], axeVersion: null };
for (const name of pages) {
  const entry = { page: name, violations: [], external: [], overflow320: null, downloads: [] };
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('request', req => { const u = new URL(req.url()); if (u.hostname !== '127.0.0.1' && u.protocol !== 'data:') entry.external.push(req.url()); });
  await page.goto(base + name, { waitUntil: 'load' });
  await page.addScriptTag({ path: axePath });
  const axe = await page.evaluate(async () => await window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  report.axeVersion = axe.testEngine.version;
  entry.violations = axe.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }));
  // downloads: every link with a download attribute (PDF, CSV) must answer 200
  const links = await page.$$eval('a[download]', as => as.map(a => a.href));
  for (const href of links) {
    const r = await context.request.get(href);
    entry.downloads.push({ href: href.replace(base, ''), status: r.status() });
  }
  await page.setViewportSize({ width: 320, height: 800 });
  await page.waitForTimeout(50);
  entry.overflow320 = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await context.close();
  report.pages.push(entry);
}
await browser.close();
server.close();
console.log(JSON.stringify(report));

// Emails as a phone and a desktop show them, in Debian's headless Chromium, JavaScript off:
//   node tests/browser/email.mjs OUTDIR NAME=FILE.html [NAME=FILE.html ...]
// Opens each message's HTML part at 360 px and 1280 px, measures whether anything sticks out
// sideways (the page's scroll width against the window's), where the right edge of the widest
// link lies, and whether the message holds a button-like link, then writes a full-page
// screenshot OUTDIR/mail-NAME-WIDTH.png. Prints one JSON summary on stdout; exits non-zero
// (with the reason on stderr) when a step fails.
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';

const [outdir, ...files] = process.argv.slice(2);
if (!outdir || files.length === 0) {
  console.error('usage: node email.mjs OUTDIR NAME=FILE.html [NAME=FILE.html ...]');
  process.exit(2);
}

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const browser = await chromium.launch({ executablePath, args, headless: true, timeout: 60_000 });
const summary = {};
try {
  for (const width of [360, 1280]) {
    const context = await browser.newContext({
      viewport: { width, height: 800 },
      javaScriptEnabled: false,
    });
    const page = await context.newPage();
    for (const entry of files) {
      const [name, path] = entry.split('=');
      await page.goto(pathToFileURL(path).href);
      const measured = await page.evaluate(() => {
        const links = [...document.querySelectorAll('a')];
        return {
          width: window.innerWidth,
          scroll: document.documentElement.scrollWidth,
          // The right edge of the furthest-reaching link (the raw personal link is the
          // longest word of an invitation).
          links_right: Math.ceil(Math.max(0, ...links.map((a) => a.getBoundingClientRect().right))),
          links: links.length,
        };
      });
      summary[`${name}_${width}`] = measured;
      await page.screenshot({ path: `${outdir}/mail-${name}-${width}.png`, fullPage: true });
    }
    await context.close();
  }
  console.log(JSON.stringify(summary));
} catch (error) {
  console.log(JSON.stringify(summary));
  console.error(error.stack || String(error));
  process.exitCode = 1;
} finally {
  await browser.close();
}

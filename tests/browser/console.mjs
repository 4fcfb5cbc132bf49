// An organizer uses the console in Debian's headless Chromium, with JavaScript off:
//   node tests/browser/console.mjs BASE EMAIL PASSWORD OUTDIR
// Signs in at 1280 px, opens the demo's SFO 2018 campaign, drills into KW-ACEH's KPPN, opens
// KW-ACEH's unit page, downloads the XLSX into OUTDIR/results.xlsx, then looks at the same
// pages at 360 px. Screenshots go to OUTDIR. Prints one JSON summary on stdout; exits non-zero
// (with the reason on stderr) when a step fails.
import { chromium } from 'playwright-core';

const [base, email, password, outdir] = process.argv.slice(2);
if (!outdir) {
  console.error('usage: node console.mjs BASE EMAIL PASSWORD OUTDIR');
  process.exit(2);
}

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function widths(page) {
  return page.evaluate(() => [window.innerWidth, document.documentElement.scrollWidth]);
}

const browser = await chromium.launch({ executablePath, args, headless: true, timeout: 60_000 });
const summary = {};
try {
  const desktop = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    javaScriptEnabled: false,
    acceptDownloads: true,
  });
  const page = await desktop.newPage();
  const first = await page.goto(`${base}/console/`);
  summary.first_url = new URL(page.url()).pathname;
  summary.first_status = first.status();
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  summary.after_sign_in = new URL(page.url()).pathname;
  await Promise.all([page.waitForNavigation(), page.click('text=Survei SFO DJPb 2018')]);
  summary.campaign_url = new URL(page.url()).pathname;
  summary.campaign_heading = (await page.textContent('h1')).trim();
  summary.ranking_rows = await page.$$eval('table.ranking tbody tr', (rows) => rows.length);
  summary.svg_titles = await page.$$eval('table.ranking svg title', (t) => t.length);
  await page.screenshot({ path: `${outdir}/campaign-1280.png`, fullPage: true });
  [summary.campaign_width_1280, summary.campaign_scroll_1280] = await widths(page);

  // Drill down: the units below KW-ACEH.
  await Promise.all([page.waitForNavigation(), page.click('a.drill[href*="under=KW-ACEH"]')]);
  summary.drill_codes = await page.$$eval('table.ranking tbody th .code', (c) => c.map((e) => e.textContent));
  // KW-ACEH's own page, from the breadcrumb.
  await Promise.all([page.waitForNavigation(), page.click('.crumbs a[href$="/units/KW-ACEH"]')]);
  summary.unit_url = new URL(page.url()).pathname;
  summary.unit_facts = await page.$$eval('dl.facts dd', (d) => d.map((e) => e.textContent));
  summary.profile_rows = await page.$$eval('table.profile tbody tr', (rows) => rows.length);
  summary.trend_rows = await page.$$eval('section[aria-labelledby=trend] tbody tr', (rows) => rows.length);
  await page.screenshot({ path: `${outdir}/unit-1280.png`, fullPage: true });

  // The XLSX from the campaign page's link.
  await page.goto(`${base}${summary.campaign_url}`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#xlsx')]);
  summary.download_name = download.suggestedFilename();
  await download.saveAs(`${outdir}/results.xlsx`);

  // A phone: the same session, 360 px wide.
  const state = await desktop.storageState();
  const phone = await browser.newContext({
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    javaScriptEnabled: false,
    storageState: state,
  });
  const small = await phone.newPage();
  const opened = await small.goto(`${base}${summary.campaign_url}`);
  summary.phone_status = opened.status();
  [summary.campaign_width_360, summary.campaign_scroll_360] = await widths(small);
  await small.screenshot({ path: `${outdir}/campaign-360.png`, fullPage: true });
  await small.goto(`${base}${summary.unit_url}`);
  [summary.unit_width_360, summary.unit_scroll_360] = await widths(small);
  await small.screenshot({ path: `${outdir}/unit-360.png`, fullPage: true });
  await small.goto(`${base}/console/`);
  [summary.list_width_360, summary.list_scroll_360] = await widths(small);
  await small.screenshot({ path: `${outdir}/campaigns-360.png`, fullPage: true });
  check(summary.phone_status === 200, `phone page status ${summary.phone_status}`);
} catch (error) {
  console.error(error.stack || String(error));
  console.log(JSON.stringify(summary));
  await browser.close();
  process.exit(1);
}
await browser.close();
console.log(JSON.stringify(summary));

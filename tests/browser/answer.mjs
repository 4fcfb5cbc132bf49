// Answers a kinerja survey link in Debian's headless Chromium, as a respondent on a phone would:
//   node tests/browser/answer.mjs LINK [SCREENSHOT.png ...]
// Opens LINK at 360 px wide, answers every required item by clicking its option's label, saves
// ("save and continue later"), reloads and checks the answers came back, submits, expects the
// thank-you page, then opens LINK again and expects the already-submitted page. Prints one JSON
// summary on stdout; exits non-zero (with the reason on stderr) when a step fails.
import { chromium } from 'playwright-core';

const link = process.argv[2];
const screenshots = process.argv.slice(3);
if (!link) {
  console.error('usage: node answer.mjs LINK [SCREENSHOT.png ...]');
  process.exit(2);
}

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const args = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// Every radio group of the form: item id, whether it is optional, its values.
async function radioGroups(page) {
  return page.$$eval('form fieldset.item', (items) =>
    items.map((item) => {
      const radios = [...item.querySelectorAll('input[type=radio]')];
      return {
        id: radios[0]?.name ?? '',
        optional: item.querySelector('.optional') !== null,
        values: radios.map((r) => r.value),
      };
    }),
  );
}

// item id -> checked value (absent when nothing is checked).
async function checkedAnswers(page) {
  return page.$$eval('form input[type=radio]:checked', (radios) =>
    Object.fromEntries(radios.map((r) => [r.name, r.value])),
  );
}

const browser = await chromium.launch({ executablePath, args, headless: true, timeout: 60_000 });
const summary = {};
try {
  const context = await browser.newContext({
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    javaScriptEnabled: false, // the form must work without script
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);

  const opened = await page.goto(link);
  summary.form_status = opened.status();
  check(opened.status() === 200, `GET link: ${opened.status()}`);
  summary.title = await page.title();
  summary.lang = await page.getAttribute('html', 'lang');
  for (const path of screenshots) {
    await page.screenshot({ path, fullPage: false });
  }
  // Nothing may stick out sideways on a phone.
  const widths = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  summary.scroll_width = widths.scroll;
  summary.viewport_width = widths.client;
  check(widths.scroll <= widths.client, `page is ${widths.scroll} px wide at ${widths.client} px`);

  const groups = await radioGroups(page);
  summary.items = groups.length;
  summary.optional_items = groups.filter((g) => g.optional).map((g) => g.id);
  check(groups.length > 0, 'no radio groups on the form');

  // A varied answer per required item: value index (position % count).
  const chosen = {};
  let position = 0;
  for (const group of groups) {
    position += 1;
    if (group.optional) continue;
    const numeric = group.values.filter((v) => v !== '');
    const value = numeric[position % numeric.length];
    const input = page.locator(`input[type=radio][name="${group.id}"][value="${value}"]`);
    const id = await input.getAttribute('id');
    // The label is tied to its input by for=: clicking the label's text must select it.
    const label = page.locator(`label[for="${id}"]`);
    await label.locator('span').click();
    check(await input.isChecked(), `clicking the label of ${group.id}=${value} did not select it`);
    chosen[group.id] = value;
  }
  summary.answered = Object.keys(chosen).length;
  // Keyboard: the radios are reachable and an arrow key moves the choice within a group.
  const firstRequired = groups.find((g) => !g.optional);
  const firstValue = chosen[firstRequired.id];
  await page.focus(`input[type=radio][name="${firstRequired.id}"][value="${firstValue}"]`);
  const arrowTarget = firstRequired.values[firstRequired.values.indexOf(firstValue) + 1] ?? null;
  if (arrowTarget !== null) {
    await page.keyboard.press('ArrowRight');
    const now = (await checkedAnswers(page))[firstRequired.id];
    check(now === arrowTarget, `ArrowRight chose ${now}, expected ${arrowTarget}`);
    chosen[firstRequired.id] = arrowTarget;
    summary.keyboard = true;
  }

  // Save and continue later.
  const saveButton = page.locator('button[name=action][value=save]');
  summary.save_label = (await saveButton.innerText()).trim();
  await Promise.all([page.waitForNavigation(), saveButton.click()]);
  summary.saved_url_has_flag = page.url().includes('saved=1');
  summary.saved_notice = (await page.locator('p.notice').innerText()).trim();

  // Open the link afresh: the draft is restored.
  const reopened = await page.goto(link);
  check(reopened.status() === 200, `reopening the link: ${reopened.status()}`);
  const restored = await checkedAnswers(page);
  const lost = Object.entries(chosen).filter(([id, v]) => restored[id] !== v);
  summary.restored = Object.keys(chosen).length - lost.length;
  check(lost.length === 0, `answers not restored: ${JSON.stringify(lost)}`);

  // Submit.
  const submitButton = page.locator('button[name=action][value=submit]');
  const [submitted] = await Promise.all([page.waitForNavigation(), submitButton.click()]);
  summary.thanks_status = submitted.status();
  summary.thanks_url = new URL(page.url()).pathname + new URL(page.url()).search;
  summary.thanks_heading = (await page.locator('h1').innerText()).trim();
  check(submitted.status() === 200, `after submitting: ${submitted.status()}`);

  // The link is used up.
  const again = await page.goto(link);
  summary.again_status = again.status();
  summary.again_heading = (await page.locator('h1').innerText()).trim();
  summary.again_has_form = (await page.locator('form').count()) > 0;

  summary.ok = true;
} catch (error) {
  summary.ok = false;
  summary.error = String(error && error.stack ? error.stack : error);
  console.error(summary.error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(summary));
process.exit(summary.ok ? 0 : 1);

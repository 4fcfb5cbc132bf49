// Answers kinerja survey links in Debian's headless Chromium, as respondents would, with
// JavaScript off (the form must work without script):
//   node tests/browser/answer.mjs PHONE_LINK DESKTOP_LINK CLOSED_LINK SCREENSHOT_DIR
// On a 360 px phone, PHONE_LINK: answers three items, switches language (the answers must
// survive), submits too early (422: title, focus, one line per problem), answers the rest by
// clicking labels, saves, reopens, submits, sees the thank-you page, then the link refused as
// already submitted (409). On a 1280 px desktop, DESKTOP_LINK: every scale in one row, the
// chosen option's box, the focus rings' contrast, a 422, a language switch, a submission.
// CLOSED_LINK (a closed campaign) at both widths: 410. Every page is checked for sideways
// overflow. Prints one JSON summary on stdout; exits non-zero (with the reason on stderr)
// when a step fails. Screenshots go to SCREENSHOT_DIR as form-*.png.
import { chromium } from 'playwright-core';
import path from 'node:path';

const [phoneLink, desktopLink, closedLink, shotDir] = process.argv.slice(2);
if (!phoneLink || !desktopLink || !closedLink || !shotDir) {
  console.error('usage: node answer.mjs PHONE_LINK DESKTOP_LINK CLOSED_LINK SCREENSHOT_DIR');
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

// Clicks the text of the option's label (tied to its input by for=) and checks it selected it.
async function choose(page, id, value) {
  const input = page.locator(`input[type=radio][name="${id}"][value="${value}"]`);
  const inputId = await input.getAttribute('id');
  await page.locator(`label[for="${inputId}"]`).locator('span').click();
  check(await input.isChecked(), `clicking the label of ${id}=${value} did not select it`);
}

// A varied answer for the n-th item: value index (n % count), never "not answered".
function answerFor(group, n) {
  const numeric = group.values.filter((v) => v !== '');
  return numeric[n % numeric.length];
}

// Records whether the page sticks out sideways under `name`, and fails if it does.
async function noOverflow(page, summary, name) {
  const widths = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
  }));
  summary[`${name}_scroll`] = widths.scroll;
  summary[`${name}_width`] = widths.inner;
  check(widths.scroll <= widths.inner, `${name}: ${widths.scroll} px wide at ${widths.inner} px`);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shotDir, `form-${name}.png`), fullPage: false });
}

async function heading(page) {
  return (await page.locator('h1').innerText()).trim();
}

// The organizer's address on an end page (mailto link), or null.
async function contact(page) {
  const link = page.locator('p.contact a');
  return (await link.count()) > 0 ? link.getAttribute('href') : null;
}

// Submits with the button of `value` and waits for the page that follows.
async function press(page, value) {
  const button = page.locator(`form button[name=action][value="${value}"]:not(.default-action)`);
  const [response] = await Promise.all([page.waitForNavigation(), button.click()]);
  return response;
}

// Presses the language switch (a button of the form, which saves a draft first); the response.
async function switchTo(page, lang) {
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.locator(`button[name=action][value="lang-${lang}"]`).click(),
  ]);
  return response;
}

// What a 422 page shows: status, title, where the focus is, the problem lines.
async function problemsPage(page, response, summary, prefix) {
  summary[`${prefix}_status`] = response.status();
  summary[`${prefix}_title`] = await page.title();
  summary[`${prefix}_focus`] = await page.evaluate(() => document.activeElement?.id ?? null);
  const lines = await page.$$eval('#problems li', (items) => items.map((i) => i.innerText.trim()));
  summary[`${prefix}_lines`] = lines.length;
  summary[`${prefix}_distinct_lines`] = new Set(lines).size;
  summary[`${prefix}_first_line`] = lines[0] ?? null;
  summary[`${prefix}_first_href`] = await page
    .locator('#problems li a')
    .first()
    .getAttribute('href');
}

// The answered-questions line as assistive technology reads it: the count that CSS writes
// (a counter over the checked options) is in the accessibility tree, not in innerText.
async function progressText(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = await cdp.send('DOM.getDocument');
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: 'p.progress' });
    const { node } = await cdp.send('DOM.describeNode', { nodeId });
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    const byId = new Map(nodes.map((n) => [n.nodeId, n]));
    const texts = (n) =>
      n.role?.value === 'StaticText'
        ? [n.name?.value ?? '']
        : (n.childIds ?? []).flatMap((id) => (byId.has(id) ? texts(byId.get(id)) : []));
    const paragraph = nodes.find((n) => n.backendDOMNodeId === node.backendNodeId);
    return paragraph ? texts(paragraph).join('').trim() : null;
  } finally {
    await cdp.detach();
  }
}

// WCAG contrast ratio of two computed colours ("rgb(r, g, b)" / "rgba(...)").
function contrast(a, b) {
  const luminance = (css) => {
    const [r, g, bl] = css.match(/[\d.]+/g).slice(0, 3).map(Number);
    const channel = (c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(bl);
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100;
}

// The focused element's ring: the outline of the element that draws it (the option's box for
// a radio, else the element itself), and the background it is drawn on (the first opaque
// background from the ring's parent up).
async function focusRing(page) {
  return page.evaluate(() => {
    const focused = document.activeElement;
    const ringed = focused.matches('input[type=radio]') ? focused.closest('label') : focused;
    const style = getComputedStyle(ringed);
    let under = ringed.parentElement;
    let background = 'rgb(255, 255, 255)';
    while (under) {
      const bg = getComputedStyle(under).backgroundColor;
      if (bg !== 'transparent' && !bg.startsWith('rgba(0, 0, 0, 0)')) {
        background = bg;
        break;
      }
      under = under.parentElement;
    }
    return {
      tag: ringed.tagName.toLowerCase(),
      style: style.outlineStyle,
      width: parseFloat(style.outlineWidth),
      color: style.outlineColor,
      background,
    };
  });
}

const browser = await chromium.launch({ executablePath, args, headless: true, timeout: 60_000 });
const summary = {};
try {
  // ---- A phone, 360 px.
  const phone = await browser.newContext({
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    javaScriptEnabled: false,
  });
  const page = await phone.newPage();
  page.setDefaultTimeout(20_000);

  const opened = await page.goto(phoneLink);
  summary.form_status = opened.status();
  check(opened.status() === 200, `GET link: ${opened.status()}`);
  summary.title = await page.title();
  summary.lang = await page.getAttribute('html', 'lang');
  summary.facts = (await page.locator('p.facts').innerText()).trim();
  summary.part_headings = await page.$$eval('section.group > h2', (h) => h.map((e) => e.innerText.trim()));
  await shot(page, '360-id');
  await noOverflow(page, summary, 'form_360');

  const groups = await radioGroups(page);
  summary.items = groups.length;
  summary.optional_items = groups.filter((g) => g.optional).map((g) => g.id);
  check(groups.length > 0, 'no radio groups on the form');
  const required = groups.filter((g) => !g.optional);

  // Three answers, then the language switch: a button that saves them as a draft first.
  const early = {};
  for (const [n, group] of required.slice(0, 3).entries()) {
    early[group.id] = answerFor(group, n + 1);
    await choose(page, group.id, early[group.id]);
  }
  summary.progress_after_3 = await progressText(page);
  summary.switch_label = (await page.locator('button[name=action][value="lang-en"]').innerText()).trim();
  const switched = await switchTo(page, 'en');
  summary.switch_status = switched.status();
  summary.switch_url = new URL(page.url()).search;
  summary.switch_lang = await page.getAttribute('html', 'lang');
  const afterSwitch = await checkedAnswers(page);
  summary.switch_kept = Object.entries(early).filter(([id, v]) => afterSwitch[id] === v).length;
  summary.facts_en = (await page.locator('p.facts').innerText()).trim();
  await shot(page, '360-en');
  await noOverflow(page, summary, 'form_360_en');

  // Submitted with 22 required answers missing: 422, every answer kept, focus on the summary.
  const tooEarly = await press(page, 'submit');
  await problemsPage(page, tooEarly, summary, 'problems_360');
  const kept = await checkedAnswers(page);
  summary.problems_kept = Object.entries(early).filter(([id, v]) => kept[id] === v).length;
  await shot(page, '422-360');
  await noOverflow(page, summary, 'problems_360');

  // Back to Indonesian through the switch (the answers again saved on the way).
  await switchTo(page, 'id');
  summary.back_lang = await page.getAttribute('html', 'lang');

  // Every required item answered by clicking its label's text.
  const chosen = { ...early };
  for (const [n, group] of required.entries()) {
    if (chosen[group.id] !== undefined) continue;
    chosen[group.id] = answerFor(group, n + 1);
    await choose(page, group.id, chosen[group.id]);
  }
  summary.answered = Object.keys(chosen).length;
  summary.progress_all = await progressText(page);
  // Keyboard: the radios are reachable and an arrow key moves the choice within a group.
  const first = required[0];
  await page.focus(`input[type=radio][name="${first.id}"][value="${chosen[first.id]}"]`);
  const arrowTarget = first.values[first.values.indexOf(chosen[first.id]) + 1] ?? null;
  if (arrowTarget !== null) {
    await page.keyboard.press('ArrowRight');
    const now = (await checkedAnswers(page))[first.id];
    check(now === arrowTarget, `ArrowRight chose ${now}, expected ${arrowTarget}`);
    chosen[first.id] = arrowTarget;
    summary.keyboard = true;
  }

  // Save and continue later: the notice names the closing day.
  summary.save_label = (await page.locator('button[name=action][value=save]').innerText()).trim();
  await press(page, 'save');
  summary.saved_url_has_flag = page.url().includes('saved=1');
  summary.saved_notice = (await page.locator('p.notice').innerText()).trim();

  // Open the link afresh: the draft is restored.
  const reopened = await page.goto(phoneLink);
  check(reopened.status() === 200, `reopening the link: ${reopened.status()}`);
  const restored = await checkedAnswers(page);
  const lost = Object.entries(chosen).filter(([id, v]) => restored[id] !== v);
  summary.restored = Object.keys(chosen).length - lost.length;
  check(lost.length === 0, `answers not restored: ${JSON.stringify(lost)}`);

  // Submit: the thank-you page.
  const submitted = await press(page, 'submit');
  summary.thanks_status = submitted.status();
  summary.thanks_url = new URL(page.url()).pathname.replace(/\/r\/[^/]+\//, '/r/TOKEN/') + new URL(page.url()).search;
  summary.thanks_heading = await heading(page);
  summary.thanks_text = (await page.locator('main > p').allInnerTexts()).map((t) => t.trim());
  check(submitted.status() === 200, `after submitting: ${submitted.status()}`);
  await shot(page, 'thanks-360');
  await noOverflow(page, summary, 'thanks_360');

  // The link is used up: 409, with whom to write to.
  const again = await page.goto(phoneLink);
  summary.again_status = again.status();
  summary.again_heading = await heading(page);
  summary.again_has_form = (await page.locator('form').count()) > 0;
  summary.again_contact = await contact(page);
  await noOverflow(page, summary, 'again_360');

  // A closed campaign's link: 410, with whom to write to.
  const gone = await page.goto(closedLink);
  summary.gone_status = gone.status();
  summary.gone_heading = await heading(page);
  summary.gone_contact = await contact(page);
  await shot(page, 'gone-360');
  await noOverflow(page, summary, 'gone_360');
  await phone.close();

  // ---- A desktop, 1280 px.
  const desktop = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    javaScriptEnabled: false,
  });
  const wide = await desktop.newPage();
  wide.setDefaultTimeout(20_000);
  await wide.goto(desktopLink);
  await shot(wide, '1280-id');
  await noOverflow(wide, summary, 'form_1280');
  // Each scale item's options in one row: every option box of the item has the same top.
  const rows = await wide.$$eval('fieldset.item.scale .options', (lists) =>
    lists.map((list) => new Set([...list.querySelectorAll('label')].map((l) => Math.round(l.getBoundingClientRect().top))).size),
  );
  summary.scale_items_1280 = rows.length;
  summary.one_row_items_1280 = rows.filter((tops) => tops === 1).length;

  // The chosen option's box looks different from the others.
  const wideGroups = await radioGroups(wide);
  const firstWide = wideGroups[0];
  await choose(wide, firstWide.id, firstWide.values[3]);
  const boxes = await wide.evaluate((id) => {
    const labels = [...document.querySelectorAll(`input[name="${id}"]`)].map((i) => i.closest('label'));
    const styleOf = (checked) => {
      const label = labels.find((l) => l.querySelector('input').checked === checked);
      const s = getComputedStyle(label);
      return { background: s.backgroundColor, border: s.borderTopColor };
    };
    return { checked: styleOf(true), unchecked: styleOf(false) };
  }, firstWide.id);
  summary.checked_background = boxes.checked.background;
  summary.unchecked_background = boxes.unchecked.background;
  summary.checked_border = boxes.checked.border;

  // Focus rings, reached by keyboard: a radio's (drawn around its box) and a button's.
  await wide.focus(`input[name="${wideGroups[1].id}"][value="${wideGroups[1].values[0]}"]`);
  await wide.keyboard.press('ArrowRight');
  const radioRing = await focusRing(wide);
  summary.radio_ring = radioRing;
  summary.radio_ring_contrast = contrast(radioRing.color, radioRing.background);
  // From the last option, Tab reaches the submit button.
  const last = wideGroups[wideGroups.length - 1];
  await wide.focus(`input[name="${last.id}"][value="${last.values[0]}"]`);
  await wide.keyboard.press('Tab');
  const buttonRing = await focusRing(wide);
  summary.button_ring = buttonRing;
  summary.button_ring_contrast = contrast(buttonRing.color, buttonRing.background);
  summary.focused_button = await wide.evaluate(() => document.activeElement.value ?? null);

  // A 422 on the desktop, by Enter on a radio: Enter submits (the form's first button is a
  // hidden "submit"), never switches the language.
  await wide.focus(`input[name="${firstWide.id}"]:checked`);
  const [wideEarly] = await Promise.all([wide.waitForNavigation(), wide.keyboard.press('Enter')]);
  await problemsPage(wide, wideEarly, summary, 'problems_1280');
  await shot(wide, '422-1280');
  await noOverflow(wide, summary, 'problems_1280');

  // Switch to English, answer everything, submit.
  await switchTo(wide, 'en');
  summary.switch_1280_lang = await wide.getAttribute('html', 'lang');
  summary.switch_1280_kept = (await checkedAnswers(wide))[firstWide.id] ?? null;
  await shot(wide, '1280-en');
  await noOverflow(wide, summary, 'form_1280_en');
  for (const [n, group] of wideGroups.entries()) {
    if (group.optional) continue;
    await wide.locator(`input[name="${group.id}"][value="${answerFor(group, n)}"]`).check();
  }
  const wideDone = await press(wide, 'submit');
  summary.thanks_1280_status = wideDone.status();
  summary.thanks_1280_heading = await heading(wide);
  await shot(wide, 'thanks-1280');
  await noOverflow(wide, summary, 'thanks_1280');
  const wideAgain = await wide.goto(desktopLink);
  summary.again_1280_status = wideAgain.status();
  await noOverflow(wide, summary, 'again_1280');
  const wideGone = await wide.goto(`${closedLink}?lang=en`);
  summary.gone_1280_status = wideGone.status();
  summary.gone_1280_heading = await heading(wide);
  await shot(wide, 'gone-1280');
  await noOverflow(wide, summary, 'gone_1280');
  await desktop.close();

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

// Helpers of the browser tests (web.test.mjs): the browser, logging in as a person,
// acting through a document's forms and their confirmation pages, and the artefacts
// (screenshot + HTML of every open page) kept when a test fails.
//
// Everything comes from run.sh through the environment:
//   VANBAN_URL        the server's address ("http://127.0.0.1:PORT/")
//   VANBAN_PASS       every person's passphrase
//   VANBAN_ARTIFACTS  where screenshots and HTML of failing tests go
//   VANBAN_OUT        a scratch folder (the downloaded PDF, for run.sh to verify)
//   VANBAN_CHROMIUM   the browser (default /usr/bin/chromium, Debian's package)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the browser tests through tests/browser/run.sh`);
  return v;
}

export const BASE = need('VANBAN_URL').replace(/\/?$/, '/');
export const PASS = need('VANBAN_PASS');
export const ARTIFACTS = need('VANBAN_ARTIFACTS');
export const OUT = need('VANBAN_OUT');
export const CHROMIUM = process.env.VANBAN_CHROMIUM || '/usr/bin/chromium';
// Every wait of one step is bounded by this (the issue: at most 15 s per step).
export const STEP_MS = 15_000;

// playwright-core exactly as package.json pins it (setup.sh runs `npm ci`).
function loadPlaywright() {
  const pinned = JSON.parse(fs.readFileSync(new URL('./package.json', import.meta.url))).dependencies['playwright-core'];
  let pw, version;
  try {
    pw = require('playwright-core');
    version = require('playwright-core/package.json').version;
  } catch (e) {
    throw new Error(`playwright-core is not installed in tests/browser/node_modules: run scripts/setup.sh (${e.message})`);
  }
  if (version !== pinned)
    throw new Error(`playwright-core ${version} is installed, package.json pins ${pinned}: run scripts/setup.sh`);
  return pw;
}
const { chromium } = loadPlaywright();

export async function launch() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (Debian package chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: STEP_MS,
  });
}

// The people of the organisation run.sh makes (tests/e2e/lib.sh, setup_org).
export const PEOPLE = {
  chuyenvien: 'Hoàng Văn Chuyên',  // drafter
  tp1: 'Lương Thị Hoa',            // reviewer
  tp2: 'Vi Văn Thắng',             // reviewer
  pgd: 'Nông Đức Toàn',            // signer, Phó Giám đốc
  vanthu: 'Lăng Thị Thư',          // clerk
  giamdoc: 'Trịnh Tuyết Mai',      // admin, signer, Giám đốc
};

// A file name made of a test's name: "main flow" -> "main-flow" (ASCII, diacritics dropped).
function slug(name) {
  return name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D')
    .replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 80);
}

// The people logged in so far (login -> page), one browser context each, shared by the
// tests: logging in costs an Argon2id on the server and a new context in Chromium.
const loggedIn = new Map();
export async function closeAll() {
  for (const page of loggedIn.values()) await page.context().close().catch(() => {});
  loggedIn.clear();
}

// What one test uses: browser contexts (one per person: separate cookies), its own or
// shared (loggedIn). When it fails, every page it used that is still open is kept as
// NAME-N-LOGIN.png/.html in ARTIFACTS and the paths are printed; its own contexts are
// closed either way.
export class Session {
  constructor(browser, name) {
    this.browser = browser;
    this.name = slug(name);
    this.pages = [];  // [{label, page}]
    this.contexts = [];
  }

  // A fresh browser (own cookies) for `label`, not logged in.
  async page(label) {
    const t0 = Date.now();
    const context = await this.browser.newContext({ acceptDownloads: true, locale: 'vi-VN' });
    context.setDefaultTimeout(STEP_MS);
    context.setDefaultNavigationTimeout(STEP_MS);
    const page = await context.newPage();
    // No page of vanban may open a dialog (an alert would mean injected script ran).
    page.dialogs = [];
    page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(String(e)));
    // Console errors other than a failed load (the 401/403/404 pages the tests ask for):
    // a Content-Security-Policy refusal (an inline script or handler) shows up here.
    page.consoleErrors = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) page.consoleErrors.push(m.text());
    });
    this.contexts.push(context);
    this.pages.push({ label, page });
    slow(t0, `a new browser context for ${label}`);
    return page;
  }

  // A browser logged in as `login` (through the login form, once for all the tests);
  // `own`: a context of this test's alone (e.g. to log out). Not necessarily on the inbox.
  async as(login, { own = false } = {}) {
    const shared = own ? undefined : loggedIn.get(login);
    if (shared && !shared.isClosed()) {
      if (!this.pages.some((p) => p.page === shared)) this.pages.push({ label: login, page: shared });
      return shared;
    }
    const page = await this.page(login);
    await login_(page, login, PASS);
    await page.locator('main h1', { hasText: 'Việc cần xử lý' }).waitFor();
    if (!own) this.share(login, page);
    return page;
  }

  // `page`, logged in as `login` by the test, is shared with the tests after it.
  share(login, page) {
    const i = this.contexts.indexOf(page.context());
    if (i >= 0) this.contexts.splice(i, 1);
    loggedIn.set(login, page);
  }

  // Screenshots and HTML of every open page, and the error, named after the test (and
  // the step, when given); once per error.
  async keep(error, step = '') {
    if (error && typeof error === 'object') {
      if (error.vanbanKept) return;
      error.vanbanKept = true;
    }
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const name = step ? `${this.name}--${slug(step)}` : this.name;
    const kept = [];
    let n = 0;
    for (const { label, page } of this.pages) {
      if (page.isClosed()) continue;
      const base = path.join(ARTIFACTS, `${name}-${++n}-${label}`);
      try {
        await page.screenshot({ path: `${base}.png`, fullPage: true, timeout: 5_000 });
        kept.push(`${base}.png`);
      } catch (e) {
        kept.push(`(no screenshot of ${label}: ${e.message.split('\n')[0]})`);
      }
      try {
        fs.writeFileSync(`${base}.html`, `<!-- ${page.url()} -->\n` + (await page.content()));
        kept.push(`${base}.html`);
      } catch (e) {
        kept.push(`(no HTML of ${label}: ${e.message.split('\n')[0]})`);
      }
    }
    fs.writeFileSync(path.join(ARTIFACTS, `${name}.error.txt`), String(error?.stack || error) + '\n');
    kept.push(path.join(ARTIFACTS, `${name}.error.txt`));
    console.error(`# artefacts of the failed test "${name}":\n` + kept.map((k) => `#   ${k}`).join('\n'));
  }

  async close() {
    for (const c of this.contexts) await c.close().catch(() => {});
  }
}

// Runs `fn(session)` and keeps the artefacts if it throws.
export async function withSession(browser, name, fn) {
  const s = new Session(browser, name);
  try {
    await fn(s);
  } catch (e) {
    await s.keep(e);
    throw e;
  } finally {
    await s.close();
  }
}

// Clicks `locator` and waits for the page it loads; returns the main response.
export async function submit(page, locator) {
  const t0 = Date.now();
  const [response] = await Promise.all([page.waitForNavigation({ timeout: STEP_MS }), locator.click()]);
  slow(t0, `${response?.request().method()} ${pathOf(page)}`);
  return response;
}

// A navigation that took long is said (on stderr): where the time of a slow run went.
export function slow(t0, what) {
  const ms = Date.now() - t0;
  if (ms > 2_000) console.error(`# slow: ${what} took ${ms} ms`);
}

async function login_(page, login, passphrase) {
  const t0 = Date.now();
  await page.goto(BASE);
  slow(t0, 'GET / (login form)');
  await page.locator('select[name=login]').selectOption(login);
  await page.locator('input[name=passphrase]').fill(passphrase);
  return submit(page, page.getByRole('button', { name: 'Đăng nhập', exact: true }));
}
export { login_ as login };

export function pathOf(page) { return new URL(page.url()).pathname; }

export async function text(page, selector) {
  return ((await page.locator(selector).first().textContent()) || '').trim();
}

// The document page of `id`.
export async function openDoc(page, id) {
  const t0 = Date.now();
  const r = await page.goto(`${BASE}doc/${id}`);
  slow(t0, `GET /doc/${id.slice(0, 12)}`);
  assert.equal(r.status(), 200, `GET /doc/${id}`);
  return page;
}

// The action forms on the page now: ["route", "comment", ...].
export async function actions(page) {
  return page.locator('form.action[data-action]').evaluateAll((fs) => fs.map((f) => f.dataset.action));
}

// One document action as a person does it: fill the form (`fill(form)`), press its
// button `button`, check the confirmation page (`check(page)`), press "Xác nhận và ký",
// and land back on the document page with no notice.
export async function act(page, id, action, button, { fill, check } = {}) {
  assert.equal(pathOf(page), `/doc/${id}`, 'on the document page');
  const form = page.locator(`form.action[data-action="${action}"]`);
  assert.equal(await form.count(), 1, `one "${action}" form on the page`);
  if (fill) await fill(form);
  let r = await submit(page, form.getByRole('button', { name: button }));
  assert.equal(r.status(), 200, `"${button}": the confirmation page (${await noticeOf(page)})`);
  assert.match(await text(page, 'main h1'), /^Xác nhận/, `"${button}" leads to a confirmation`);
  await page.locator('dl.will-sign').waitFor();
  if (check) await check(page);
  r = await submit(page, page.getByRole('button', { name: 'Xác nhận và ký' }));
  assert.equal(pathOf(page), `/doc/${id}`, `"${button}" confirmed: back on the document (${await noticeOf(page)})`);
  assert.equal(r.status(), 200);
  assert.equal(await page.locator('.notice').count(), 0, `no notice after "${button}": ${await noticeOf(page)}`);
}

// What the page says went wrong (a notice, field errors), without waiting: for messages.
export async function noticeOf(page) {
  const said = await page.locator('.notice, .field-error').allTextContents();
  return said.length ? `notice: ${said.map((t) => t.trim()).join(' | ')}` : 'no notice';
}

// Does this server have `route` (a logged-in page's GET is not 404)? For a page of issue 5
// still being built (/verify): until it answers, the step that needs it is reported as
// skipped with the reason, never passed.

// A form built in `page` and posted as the browser would post it (cookie sent, same
// origin), to `action` with `fields`; the navigation's response.
export async function postForm(page, action, fields) {
  const [r] = await Promise.all([
    page.waitForNavigation({ timeout: STEP_MS }),
    page.evaluate(({ action, fields }) => {
      const f = document.createElement('form');
      f.method = 'post';
      f.action = action;
      for (const [k, v] of Object.entries(fields)) {
        const i = document.createElement('input');
        i.type = 'hidden'; i.name = k; i.value = v;
        f.appendChild(i);
      }
      document.body.appendChild(f);
      setTimeout(() => f.submit(), 0);  // after evaluate() has returned
    }, { action, fields }),
  ]);
  return r;
}

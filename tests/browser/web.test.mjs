// The web interface end to end in headless Chromium (issue 5): every step through the
// pages, as a person clicks. Run by run.sh, which makes the organisation (tests/e2e/lib.sh
// setup_org), starts `vanban web` and checks the downloaded PDF with `vanban verify`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  BASE, PASS, OUT, PEOPLE, STEP_MS, launch, closeAll, withSession, submit, login, pathOf, text, noticeOf, openDoc, actions, act,
  postForm,
} from './lib.mjs';

// A draft of chuyenvien's that run.sh made with the CLI, for the CSRF test.
const CSRF_DOC = process.env.VANBAN_DOC_CSRF;
// A bundle of more than 5 MiB (a long report drafted on a copy of the node) and that report's id.
const BIG_BUNDLE = process.env.VANBAN_BUNDLE;
const BIG_DOC = process.env.VANBAN_DOC_BIG;
const XSS = '<script>alert(1)</script>';
let browser;
before(async () => {
  const t0 = Date.now();
  browser = await launch();
  console.error(`# Chromium ${browser.version()} started in ${Date.now() - t0} ms`);
});
after(async () => {
  await closeAll();
  await browser?.close();
});

// Subtests that stop at the first failure (later ones are reported as skipped) and keep
// the screenshots and HTML of every open page of `s` at the moment of the failure.
function stepper(t, s) {
  let broken = '';
  return async (name, fn, { skip } = {}) => {
    if (broken) return t.test(name, { skip: `not run: the step "${broken}" failed` }, () => {});
    if (skip) return t.test(name, { skip }, () => {});
    return t.test(name, { timeout: 4 * STEP_MS }, async () => {
      try {
        await fn();
      } catch (e) {
        broken = name;
        await s.keep(e, name);
        throw e;
      }
    });
  };
}

// Nothing went wrong in any page of `s` that the steps did not look at: no dialog (an
// alert means injected script ran), no script error, no Content-Security-Policy refusal.
function assertQuiet(s) {
  for (const { label, page } of s.pages) {
    assert.deepEqual(page.dialogs, [], `no dialog in ${label}'s browser`);
    assert.deepEqual(page.errors, [], `no script error in ${label}'s browser`);
    assert.deepEqual(page.consoleErrors, [], `no console error in ${label}'s browser`);
  }
}

// "Soạn mới" from the menu, the form filled as a person types it (the title first: the
// preview shows the document once it has one).
async function startCompose(page, { kind, title, recipients, body }) {
  await submit(page, page.locator('nav.main').getByRole('link', { name: 'Soạn mới' }));
  assert.equal(pathOf(page), '/new');
  await page.locator('select[name=kind]').selectOption(kind);
  await page.locator('input[name=title]').fill(title);
  await page.locator('textarea[name=recipients]').fill(recipients.join('\n'));
  await page.locator('textarea[name=body]').fill(body);
}

// "Lưu bản nháp": lands on the new document's page; returns its id.
async function saveDraft(page) {
  await submit(page, page.getByRole('button', { name: 'Lưu bản nháp', exact: true }));
  const m = pathOf(page).match(/^\/doc\/([0-9a-f]{64})$/);
  if (!m) assert.fail(`not saved: on ${page.url()}, not a document's page (${await noticeOf(page)})`);
  // For run.sh: the node must hold exactly the documents the CLI made and these (so a
  // refused form saved nothing).
  fs.appendFileSync(path.join(OUT, 'composed'), m[1] + '\n');
  return m[1];
}

// The document's text as the page shows it.
const DOC_TEXT = 'article.doc, pre.text';

const TITLE = 'Kế hoạch kiểm tra công tác quản lý biên giới năm 2024';
const BODY = [
  'Căn cứ chương trình công tác năm 2024 của Sở, Giám đốc Sở Ngoại vụ tỉnh Lạng Sơn ban hành Kế hoạch kiểm tra như sau:',
  '',
  '## I. MỤC ĐÍCH, YÊU CẦU',
  '',
  '1. Nắm chắc tình hình quản lý biên giới tại các cửa khẩu trên địa bàn tỉnh.',
  '',
  '2. Kiểm tra đúng trọng tâm, không gây phiền hà cho đơn vị.',
  '',
  '## II. NỘI DUNG',
  '',
  'Kiểm tra việc thực hiện các hiệp định về biên giới tại cặp cửa khẩu Chi Ma - Ái Điểm.',
].join('\n');
const RECIPIENTS = ['Ủy ban nhân dân tỉnh (báo cáo)', 'Các phòng, đơn vị thuộc Sở', 'Lưu: VT, VP.'];

test('wrong passphrase: the error, still the login form, no session cookie', { timeout: 4 * STEP_MS }, async () => {
  await withSession(browser, 'wrong passphrase', async (s) => {
    const page = await s.page('giamdoc');
    const r = await login(page, 'giamdoc', 'không phải mật khẩu');
    assert.equal(r.status(), 401);
    assert.equal(await text(page, '.notice'), 'Mật khẩu không đúng.');
    await page.locator('select[name=login]').waitFor();
    assert.equal(await page.locator('input[name=passphrase]').count(), 1, 'still the login form');
    assert.equal(await page.locator('nav.main').count(), 0, 'no navigation: not logged in');
    const cookies = await page.context().cookies();
    assert.deepEqual(cookies.map((c) => c.name), [], 'no session cookie');
    // The form shown with the error is a fresh one (new one-time token): the right passphrase works.
    await page.locator('select[name=login]').selectOption('giamdoc');
    await page.locator('input[name=passphrase]').fill(PASS);
    await submit(page, page.getByRole('button', { name: 'Đăng nhập', exact: true }));
    await page.locator('main h1', { hasText: 'Việc cần xử lý' }).waitFor();
    assert.match(await text(page, 'header .who'), /Trịnh Tuyết Mai/);
    assertQuiet(s);
    s.share('giamdoc', page);
  });
});

test('a directive from draft to issue, each step through the pages', { timeout: 150_000 }, async (t) => {
  await withSession(browser, 'main flow', async (s) => {
    const step = stepper(t, s);
    const pages = {};
    const as = async (who) => (pages[who] ??= await s.as(who));
    let id = '';

    await step('the drafter composes a directive in "Soạn mới" (field errors, live preview, saved)', async () => {
      const page = await as('chuyenvien');
      // No title yet: the error beside the field, 400, nothing saved, what was typed kept
      // (a browser's own check of `required`, if the field had it, is turned off).
      await startCompose(page, { kind: 'directive', title: '', recipients: RECIPIENTS, body: BODY });
      await page.locator('input[name=title]').evaluate((el) => { el.form.noValidate = true; });
      const bad = await submit(page, page.getByRole('button', { name: 'Lưu bản nháp', exact: true }));
      assert.equal(bad.status(), 400, 'an empty title is refused');
      await page.locator('#error-title.field-error').waitFor();
      assert.notEqual(await text(page, '#error-title'), '', 'the error says something');
      assert.equal(await page.locator('#error-body').count(), 0, 'no error on the body');
      assert.equal(await page.locator('textarea[name=body]').inputValue(), BODY, 'the body typed is kept');
      // The preview follows the typing.
      await page.locator('input[name=title]').fill(TITLE);
      await page.locator('#preview', { hasText: 'MỤC ĐÍCH, YÊU CẦU' }).waitFor();
      await page.locator('#preview', { hasText: TITLE }).waitFor();
      const more = 'Thời gian kiểm tra: quý III năm 2024.';
      await page.locator('textarea[name=body]').press('Control+End');
      await page.locator('textarea[name=body]').pressSequentially(`\n\n${more}`);
      await page.locator('#preview', { hasText: more }).waitFor();
      id = await saveDraft(page);
      assert.equal(await text(page, 'main h1'), TITLE);
      assert.equal(await text(page, '#state'), 'nháp');
      assert.match(await text(page, DOC_TEXT), /Chi Ma - Ái Điểm/);
      assert.match(await text(page, DOC_TEXT), new RegExp(more));
    });

    await step('the drafter routes it to tp1 ("Xin ý kiến"): đang xin ý kiến', async () => {
      const page = await openDoc(await as('chuyenvien'), id);
      assert.equal(await text(page, '#state'), 'nháp');
      await act(page, id, 'route', 'Xin ý kiến', {
        fill: (f) => f.locator('input[name=to][value=tp1]').check(),
        check: async (p) => assert.match(await text(p, 'dl.will-sign'), new RegExp(PEOPLE.tp1)),
      });
      assert.equal(await text(page, '#state'), 'đang xin ý kiến');
    });

    await step('buttons: the reviewer not asked (tp2) has no "Thông qua"; tp1 has', async () => {
      const tp2 = await openDoc(await as('tp2'), id);
      assert.equal(await tp2.getByRole('button', { name: 'Thông qua bản hiện tại' }).count(), 0);
      assert.ok(!(await actions(tp2)).includes('approve'));
      const tp1 = await openDoc(await as('tp1'), id);
      assert.equal(await tp1.getByRole('button', { name: 'Thông qua bản hiện tại' }).count(), 1);
    });

    await step('the reviewer finds it in the inbox, comments ("Gửi ý kiến")', async () => {
      const page = await as('tp1');
      await page.goto(BASE);
      const link = page.locator('main table a', { hasText: TITLE });
      assert.equal(await link.count(), 1, 'the document is in tp1\'s inbox');
      await submit(page, link);
      assert.equal(pathOf(page), `/doc/${id}`);
      const said = 'Đề nghị ghi rõ thời hạn hoàn thành của từng phòng.';
      await act(page, id, 'comment', 'Gửi ý kiến', {
        fill: (f) => f.locator('textarea[name=text]').fill(said),
        check: async (p) => assert.match(await text(p, 'dl.will-sign'), new RegExp(said)),
      });
      assert.equal(await page.locator('.comment', { hasText: said }).count(), 1, 'the comment is shown');
    });

    await step('the reviewer approves ("Thông qua bản hiện tại")', async () => {
      const page = await as('tp1');
      await act(page, id, 'approve', 'Thông qua bản hiện tại');
      assert.match(await page.locator('h2:has-text("Thông qua") + ul').textContent(), /^tp1, /);
      assert.equal(await page.getByRole('button', { name: 'Thông qua bản hiện tại' }).count(), 0, 'approved once');
    });

    await step('the drafter submits it to the deputy ("Trình ký"): trình ký', async () => {
      const page = await openDoc(await as('chuyenvien'), id);
      await act(page, id, 'submit', 'Trình ký', {
        fill: (f) => f.locator('select[name=to]').selectOption('pgd'),
        check: async (p) => assert.match(await text(p, 'dl.will-sign'), new RegExp(PEOPLE.pgd)),
      });
      assert.equal(await text(page, '#state'), 'trình ký');
    });

    await step('buttons: the drafter has no "Ký văn bản", the clerk no issue, the director no sign', async () => {
      const drafter = await openDoc(await as('chuyenvien'), id);
      assert.equal(await drafter.getByRole('button', { name: 'Ký văn bản' }).count(), 0);
      assert.ok(!(await actions(drafter)).includes('sign'));
      const clerk = await openDoc(await as('vanthu'), id);
      assert.equal(await clerk.getByRole('button', { name: 'Ban hành (cấp số, đóng dấu)' }).count(), 0);
      assert.deepEqual(await actions(clerk), [], 'the clerk can do nothing before the signature');
      const director = await openDoc(await as('giamdoc'), id);
      assert.ok(!(await actions(director)).includes('sign'), 'submitted to pgd, not to the director');
    });

    await step('the deputy signs on behalf ("Ký thay (KT.)", "Ký văn bản"): đã ký', async () => {
      const page = await as('pgd');
      await page.goto(BASE);
      await submit(page, page.locator('main table a', { hasText: TITLE }));
      assert.deepEqual((await actions(page)).filter((a) => a === 'sign' || a === 'return'), ['return', 'sign']);
      await act(page, id, 'sign', 'Ký văn bản', {
        fill: (f) => f.getByLabel('Ký thay (KT.)').check(),
        check: async (p) => assert.match(await text(p, 'dl.will-sign'), /KT\. Phó Giám đốc/),
      });
      assert.equal(await text(page, '#state'), 'đã ký');
      const sig = await page.locator('h2:has-text("Chữ ký") + ul').textContent();
      assert.match(sig, new RegExp(`KT\\. ${PEOPLE.pgd} — Phó Giám đốc`));
      assert.match(sig, /hợp lệ/);
      assert.doesNotMatch(sig, /không hợp lệ/);
    });

    await step('the clerk issues it ("Ban hành"): đã ban hành, number 01/KH-SNgV', async () => {
      const page = await openDoc(await as('vanthu'), id);
      await act(page, id, 'issue', 'Ban hành (cấp số, đóng dấu)');
      assert.equal(await text(page, '#state'), 'đã ban hành');
      assert.match(await text(page, '#number'), /^01\/KH-SNgV, \d{4}-\d{2}-\d{2}$/);
    });

    const pdfPath = path.join(OUT, 'issued.pdf');
    await step('the PDF downloads ("Tải PDF")', async () => {
      const page = await as('vanthu');
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: STEP_MS }),
        page.getByRole('link', { name: 'Tải PDF' }).click(),
      ]);
      assert.equal(new URL(download.url()).search, '?download=1');
      assert.match(download.suggestedFilename(), /^[0-9a-f]{12}\.pdf$/);
      await download.saveAs(pdfPath);
      const bytes = fs.readFileSync(pdfPath);
      assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
      assert.ok(bytes.length > 10_000, `a whole PDF (${bytes.length} bytes)`);
      // For run.sh: `vanban verify` checks the same file independently.
      fs.writeFileSync(path.join(OUT, 'issued.number'), (await text(page, '#number')).split(',')[0]);
      fs.writeFileSync(path.join(OUT, 'issued.id'), id);
    });

    await step('"Kiểm tra PDF": the downloaded PDF is valid, signed by the deputy; one byte changed is not', async () => {
      const page = await as('vanthu');
      await submit(page, page.locator('nav.main').getByRole('link', { name: 'Kiểm tra PDF' }));
      assert.equal(pathOf(page), '/verify');
      await page.locator('input[type=file][name=pdf]').setInputFiles(pdfPath);
      await submit(page, page.getByRole('button', { name: 'Kiểm tra', exact: true }));
      const result = await text(page, '#verify-result');
      assert.match(result, /hợp lệ/);
      assert.doesNotMatch(result, /không hợp lệ/);
      assert.match(result, new RegExp(PEOPLE.pgd));
      assert.match(result, /01\/KH-SNgV/);
      // A byte of the page content changed (as tests/e2e/pdf.sh does): both signatures break.
      const bad = fs.readFileSync(pdfPath);
      bad[3000] ^= 1;
      const badPath = path.join(OUT, 'changed.pdf');
      fs.writeFileSync(badPath, bad);
      await page.goto(`${BASE}verify`);
      await page.locator('input[type=file][name=pdf]').setInputFiles(badPath);
      await submit(page, page.getByRole('button', { name: 'Kiểm tra', exact: true }));
      assert.match(await text(page, '#verify-result'), /không hợp lệ/);
    });

    await step('"Kiểm tra PDF" takes a 3 MiB PDF (the signed one, line breaks after its end): valid, not 413', async () => {
      const page = await as('vanthu');
      // Line breaks after the last %%EOF change no signed byte: still a valid signed PDF.
      const big = Buffer.concat([fs.readFileSync(pdfPath), Buffer.alloc(3 * 1024 * 1024, '\n')]);
      const bigPath = path.join(OUT, 'issued-3mib.pdf');
      fs.writeFileSync(bigPath, big);
      await page.goto(`${BASE}verify`);
      await page.locator('input[type=file][name=pdf]').setInputFiles(bigPath);
      const r = await submit(page, page.getByRole('button', { name: 'Kiểm tra', exact: true }));
      assert.equal(r.status(), 200, `a ${big.length}-byte upload checked (${await noticeOf(page)})`);
      const result = await text(page, '#verify-result');
      assert.match(result, /hợp lệ/);
      assert.doesNotMatch(result, /không hợp lệ/);
      assert.match(result, /01\/KH-SNgV/);
    });

    await step('nothing unexpected in any browser (dialogs, script errors, CSP)', async () => assertQuiet(s));
  });
});

test('uploads of several MiB: a 5 MiB bundle is imported through "Đồng bộ" (not refused as too large)', { timeout: 6 * STEP_MS }, async () => {
  await withSession(browser, 'large bundle', async (s) => {
    const size = fs.statSync(BIG_BUNDLE).size;
    assert.ok(size >= 5 * 1024 * 1024, `a bundle of 5 MiB or more (${size} bytes)`);
    const page = await s.as('giamdoc');
    await submit(page, page.locator('nav.main').getByRole('link', { name: 'Đồng bộ' }));
    assert.equal(pathOf(page), '/peers');
    await page.locator('#bundle-import input[type=file][name=bundle]').setInputFiles(BIG_BUNDLE);
    const r = await submit(page, page.locator('#bundle-import').getByRole('button', { name: 'Nhập gói', exact: true }));
    assert.equal(r.status(), 200, `imported (${await noticeOf(page)})`);
    await page.locator('#bundle-report').waitFor();
    assert.equal(await text(page, '#bundle-kept'), '1', 'the long report is new here');
    assert.equal(await text(page, '#bundle-refused'), '0');
    // The report is on the node now: listed among its documents.
    await page.goto(`${BASE}docs`);
    assert.equal(await page.locator(`main a[href="/doc/${BIG_DOC}"]`).count(), 1, 'the imported report is listed');
    assertQuiet(s);
  });
});

test('escaping: a title <script>alert(1)</script> shows as text, nothing runs', { timeout: 6 * STEP_MS }, async () => {
  await withSession(browser, 'escaping', async (s) => {
    const page = await s.as('chuyenvien');
    const body = 'Đoạn có <img src=x onerror="alert(2)"> và <b>chữ đậm</b> viết tay.\n\n## <i>Mục</i> một\n\nHết.';
    await startCompose(page, { kind: 'directive', title: XSS, recipients: ['<b>Lưu</b>: VT.'], body });
    await page.locator('#preview', { hasText: 'chữ đậm' }).waitFor();
    // The live preview (HTML the server renders) shows the markup as text, makes no element of it.
    assert.match(await text(page, '#preview'), /<img src=x onerror="alert\(2\)">/);
    assert.match(await text(page, '#preview'), /<script>alert\(1\)<\/script>/);
    assert.equal(await page.locator('#preview :is(img, b, i, script)').count(), 0);
    const id = await saveDraft(page);
    assert.match(await text(page, DOC_TEXT), /<img src=x onerror="alert\(2\)">/);
    assert.match(await text(page, DOC_TEXT), /<b>Lưu<\/b>: VT\./);
    // Shown literally (CSP would stop an injected inline script anyway: so the elements
    // and the text are what is checked, not only the absence of a dialog).
    assert.equal(await text(page, 'main h1'), XSS);
    assert.equal(await page.title(), `${XSS} — vanban`);
    assert.equal(await page.locator('main :is(script, img)').count(), 0, 'no element made from the title or body');
    assert.equal(await page.locator(':is(h1, article.doc) :is(b, i)').count(), 0, 'no markup made from the text');
    assert.match(await page.content(), /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    // A comment with markup: text too.
    const said = '<img src=y onerror="alert(3)"> đồng ý';
    await act(page, id, 'comment', 'Gửi ý kiến', {
      fill: (f) => f.locator('textarea[name=text]').fill(said),
      check: async (p) => assert.equal(await p.locator('dl.will-sign img').count(), 0),
    });
    assert.equal(await page.locator('.comment', { hasText: said }).count(), 1);
    assert.equal(await page.locator('main img').count(), 0);
    assertQuiet(s);
  });
});

test('CSRF: a POST with a wrong or missing token is refused (403) and changes nothing', { timeout: 6 * STEP_MS }, async () => {
  await withSession(browser, 'csrf', async (s) => {
    const other = await s.as('tp1');  // another session's token is no better than none
    const foreign = await other.locator('input[name=csrf]').first().inputValue();
    const page = await openDoc(await s.as('chuyenvien'), CSRF_DOC);
    const mine = await page.locator('input[name=csrf]').first().inputValue();
    assert.match(mine, /^[0-9a-f]{64}$/);
    assert.notEqual(foreign, mine);

    const post = (action, fields) => postForm(page, action, fields);
    const comment = `/doc/${CSRF_DOC}/comment`;
    for (const csrf of ['0'.repeat(64), foreign, '']) {
      const r = await post(comment, { csrf, text: 'Ý kiến từ trang lạ', confirm: 'yes' });
      assert.equal(r.status(), 403, `csrf "${csrf.slice(0, 8)}…"`);
      assert.match(await text(page, '.notice'), /CSRF/);
    }
    const route = await post(`/doc/${CSRF_DOC}/route`, { csrf: foreign, to: 'tp1', confirm: 'yes' });
    assert.equal(route.status(), 403);
    // The same from the page's request context, without any token.
    const api = await page.request.post(`${BASE}doc/${CSRF_DOC}/comment`, {
      form: { text: 'Ý kiến từ trang lạ', confirm: 'yes' }, maxRedirects: 0,
    });
    assert.equal(api.status(), 403);
    assert.match(await api.text(), /CSRF/, 'refused for the token, not for a missing session');
    const out = await page.request.post(`${BASE}logout`, { form: { csrf: foreign }, maxRedirects: 0 });
    assert.equal(out.status(), 403, 'logout needs the token too');

    // Nothing changed: still a draft, no comment, still logged in.
    await openDoc(page, CSRF_DOC);
    assert.equal(await text(page, '#state'), 'nháp');
    assert.equal(await page.locator('.comment').count(), 0, 'no comment recorded');
    // The control: the same form with the session's own token goes through.
    const good = await post(comment, { csrf: mine, text: 'Ý kiến thật', confirm: 'yes' });
    assert.equal(good.status(), 200);
    assert.equal(pathOf(page), `/doc/${CSRF_DOC}`);
    assert.equal(await page.locator('.comment', { hasText: 'Ý kiến thật' }).count(), 1);
    assert.equal(await page.locator('.comment', { hasText: 'trang lạ' }).count(), 0);
  });
});

test('refusals are said in Vietnamese: three actions the rules refuse, each with its reason', { timeout: 6 * STEP_MS }, async () => {
  await withSession(browser, 'refusals', async (s) => {
    // Forms posted as a stale page would post them (the buttons are not offered now):
    // the rules refuse, the document page says why in Vietnamese, nothing changes.
    const refused = async (who, action, fields) => {
      const page = await openDoc(await s.as(who), CSRF_DOC);
      const csrf = await page.locator('input[name=csrf]').first().inputValue();
      const r = await postForm(page, `/doc/${CSRF_DOC}/${action}`, { csrf, confirm: 'yes', ...fields });
      assert.equal(r.status(), 409, `${who} ${action}: refused (${await noticeOf(page)})`);
      assert.equal(pathOf(page), `/doc/${CSRF_DOC}/${action}`);
      return text(page, '.notice');
    };
    assert.equal(await refused('tp2', 'comment', { text: 'Ý kiến khi chưa được hỏi' }),
      "'tp2' không được cho ý kiến: không được xin ý kiến, không phải người soạn hay người ký.");
    assert.equal(await refused('chuyenvien', 'submit', { to: 'tp1' }),
      "'tp1' không có vai trò ký tại Sở Ngoại vụ tỉnh Lạng Sơn.");
    assert.match(await refused('vanthu', 'issue', {}),
      /^Không thể ban hành văn bản đang ở trạng thái «nháp» \(chỉ được khi «đã ký»/);
    // Nothing changed: still a draft, no comment of tp2's.
    const page = await openDoc(await s.as('chuyenvien'), CSRF_DOC);
    assert.equal(await text(page, '#state'), 'nháp');
    assert.equal(await page.locator('.comment', { hasText: 'chưa được hỏi' }).count(), 0);
  });
});

test('logout ends the session: the login form, the old cookie no longer works', { timeout: 4 * STEP_MS }, async () => {
  await withSession(browser, 'logout', async (s) => {
    const page = await s.as('tp2', { own: true });
    const [cookie] = (await page.context().cookies()).filter((c) => c.name === 'vanban');
    assert.ok(cookie?.httpOnly, 'an HttpOnly session cookie');
    await submit(page, page.getByRole('button', { name: 'Đăng xuất' }));
    await page.locator('select[name=login]').waitFor();
    assert.equal(await page.locator('nav.main').count(), 0);
    assert.deepEqual((await page.context().cookies()).filter((c) => c.name === 'vanban' && c.value), []);
    // The server forgot it: the old cookie put back opens nothing.
    await page.context().addCookies([cookie]);
    await page.goto(`${BASE}doc/${CSRF_DOC}`);
    assert.equal(pathOf(page), '/');
    await page.locator('select[name=login]').waitFor();
    assertQuiet(s);
  });
});

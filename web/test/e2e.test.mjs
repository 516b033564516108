// The playground end to end in headless Chromium (Debian's, driven by
// playwright-core): the page loads the wasm engine, shows the view and a log
// of incremental changes while writes stream in; a knob re-materializes the
// view; the table always equals a fresh query of the running code. Saves a
// screenshot (RINDLE_E2E_SCREENSHOT, default playground.png in the cwd).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../serve.mjs';

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  throw new Error('playwright-core is not installed in web/node_modules: run scripts/npm_deps.sh');
}

const PKG = process.env.RINDLE_WASM_PKG;
const CHROMIUM = process.env.RINDLE_CHROMIUM ?? '/usr/bin/chromium';
const SHOT = process.env.RINDLE_E2E_SCREENSHOT ?? 'playground.png';

test('the playground keeps its view current and re-materializes on a knob', { timeout: 180000 }, async () => {
  assert.ok(PKG, 'RINDLE_WASM_PKG is not set (run through ctest)');
  const server = await startServer({ pkg: PKG });
  const profile = mkdtempSync(join(tmpdir(), 'rindle-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    viewport: { width: 1600, height: 1000 },
  });
  const errors = [];
  try {
    const page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.ready === '1' || document.body.dataset.error, null, { timeout: 90000 });
    assert.equal(await page.evaluate(() => document.body.dataset.error ?? null), null, 'the page failed to start');

    // Writes stream in and the log shows their effect on the view.
    await page.waitForFunction(() => Number(document.body.dataset.writes ?? 0) >= 30, null, { timeout: 60000 });
    const before = await page.evaluate(() => ({
      rows: [...document.querySelectorAll('#view tbody tr')].map((tr) => Number(tr.dataset.id)),
      statuses: [...document.querySelectorAll('#view tbody .status')].map((s) => s.textContent),
      changed: [...document.querySelectorAll('#log li')].filter((li) => Number(li.dataset.changes) > 0).length,
      code: document.querySelector('#code-js').textContent,
    }));
    assert.equal(before.rows.length, 50);
    assert.ok(before.statuses.every((s) => s === 'open'), 'the default filter shows open issues');
    assert.ok(before.changed > 0, 'some writes changed the view, and the log shows it');
    assert.match(before.code, /\.where\('i\.status', '=', 'open'\)/);
    assert.deepEqual(await page.evaluate(() => window.playground.verify().ok), true, 'table == fresh query');

    // Turn a knob: closed issues, 25 of them.
    await page.selectOption('#knob-status', 'closed');
    await page.selectOption('#knob-limit', '25');
    await page.waitForFunction(() => Number(document.body.dataset.materializations) >= 3);
    const after = await page.evaluate(() => ({
      rows: [...document.querySelectorAll('#view tbody tr')].map((tr) => Number(tr.dataset.id)),
      statuses: [...document.querySelectorAll('#view tbody .status')].map((s) => s.textContent),
      code: document.querySelector('#code-js').textContent,
      writes: Number(document.body.dataset.writes),
    }));
    assert.equal(after.rows.length, 25);
    assert.ok(after.statuses.every((s) => s === 'closed'), `statuses after the knob: ${after.statuses}`);
    assert.notDeepEqual(after.rows, before.rows.slice(0, 25));
    assert.match(after.code, /\.where\('i\.status', '=', 'closed'\)/);
    assert.match(after.code, /\.limit\(25\)/);

    // More writes arrive; the new view changes in place and still equals a fresh query.
    await page.waitForFunction((n) => Number(document.body.dataset.writes) >= n + 60, after.writes, { timeout: 60000 });
    const log = await page.evaluate(() => [...document.querySelectorAll('#log li')].slice(0, 40).map((li) => ({
      source: li.querySelector('.src').textContent, changes: Number(li.dataset.changes), ms: li.querySelector('.ms').textContent,
    })));
    assert.ok(log.some((l) => l.source !== 'view' && /µs$/.test(l.ms)), 'per-change engine times are logged');
    assert.ok(log.some((l) => l.changes > 0), 'the new view received incremental changes');
    const check = await page.evaluate(() => window.playground.verify());
    assert.ok(check.ok, `table == fresh query after the knob: ${JSON.stringify(check)}`);

    // Unjoin the reactions: the sort falls back and the code panel follows.
    await page.uncheck('#knob-reactions');
    await page.waitForFunction(() => Number(document.body.dataset.materializations) >= 4);
    const code = await page.evaluate(() => document.querySelector('#code-js').textContent);
    assert.doesNotMatch(code, /reactions/);
    assert.equal(await page.evaluate(() => window.playground.verify().ok), true);

    await page.check('#knob-reactions');
    await page.waitForFunction(() => Number(document.body.dataset.materializations) >= 5);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: SHOT, fullPage: true });
    console.log(`screenshot: ${SHOT}`);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

// A session's life from the page: start it with the fake tool, watch its
// states live, see auto-confirm answer a safe prompt, answer a dangerous one
// with the buttons, type into the tool, resize, phone layout, kill. The task
// text carries an HTML injection that must show as text and run nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Harness, sleep } from './harness.mjs';

// The fake tool's script (tests/faketool): a safe edit that auto-confirm
// answers, then a command that a danger rule keeps for a person; the second
// task (typed from the page) asks for another dangerous command, denied.
const SCRIPT = `think 1500
say I'll write the notes first.
ask write notes.txt
think 1200
say Now the old build outputs go.
ask bash rm -rf /var/tmp/cm-browser-test-old-builds
think 1200
done
---
think 1000
ask bash sudo rm -rf /opt/cm-browser-test
think 500
done
`;
const TASK = '<img src=x onerror=alert(1)> tidy the build';

const t = await Harness.start('session', [], (T) => {
  fs.writeFileSync(`${T}/faketool.script`, SCRIPT);
  return { FAKETOOL_SCRIPT: `${T}/faketool.script` };
});
const page = await t.newPage();
let id = null;

const row = () => `.session-row[data-session-id="${id}"]`;
const screenText = () => page.textContent('#term-box .xterm-rows');
// Every state the page has shown for each session, in order (recorded by an
// observer in the page, so that short states are not missed between polls).
const seenStates = () => page.evaluate((sid) => (window.cmSeen || {})[sid] || [], id);

await t.check('sign in', async () => {
  await t.signIn(page);
  await page.evaluate(() => {
    window.cmSeen = {};
    const record = () => {
      for (const r of document.querySelectorAll('.session-row')) {
        const list = (window.cmSeen[r.dataset.sessionId] ||= []);
        if (list[list.length - 1] !== r.dataset.state) list.push(r.dataset.state);
      }
    };
    new MutationObserver(record).observe(document.querySelector('#session-list'), { childList: true, subtree: true });
  });
});

await t.check('the start form offers the agent\'s profiles, the fake tool among them', async () => {
  await page.click('#new-session-btn');
  await page.waitForSelector('#new-dialog[open]');
  // The list comes with the agent's list_profiles reply, which may still be on its way.
  await page.waitForSelector('#new-tool option[value="fake"]', { state: 'attached' })
    .catch(() => {});
  const tools = await page.$$eval('#new-tool option', (o) => o.map((x) => x.value));
  assert.ok(tools.includes('fake'), `tools: ${tools}`);
  await page.selectOption('#new-tool', 'fake');
  await page.fill('#new-task', TASK);
  // A directory that does not exist: the agent's refusal shows in the form.
  await page.fill('#new-path', `${t.T}/no-such-dir`);
  await page.click('#new-submit');
  await page.waitForFunction(() => document.querySelector('#new-error').textContent !== '');
  assert.ok(await page.isVisible('#new-dialog'));
  assert.equal(await page.locator('.session-row').count(), 0);
  await page.fill('#new-path', `${t.T}/work`);
  await page.check('#new-auto');
  await t.screenshot(page, 'new-session-form');
});

await t.check('a session started from the page appears in the list', async () => {
  await page.click('#new-submit');
  await page.waitForSelector('#new-dialog', { state: 'hidden' });
  id = (await page.textContent('#detail-id')).trim();
  assert.match(id, /^cm-\d+(-\d+)?$/);
  await page.waitForSelector(row());
  assert.equal(await page.textContent(`${row()} .tool-tag`), 'fake');
  const shown = (await page.textContent(`${row()} .row-meta .path`)).replace(/^…/, '');
  assert.ok(`${t.T}/work`.endsWith(shown), `path shown: ${shown}`);
  assert.equal(await page.getAttribute(`${row()} .row-meta .path`, 'title'), `${t.T}/work`);
});

await t.check('the injected task shows as text and runs nothing', async () => {
  assert.equal(await page.textContent(`${row()} .row-task`), TASK);
  assert.equal(await page.textContent('#detail-task'), TASK);
  assert.equal(await page.locator('img[src="x"]').count(), 0, 'no <img> was made from the task');
  await page.waitForFunction((task) => document.querySelector('#term-box .xterm-rows').textContent.includes(task), TASK);
  assert.deepEqual(t.dialogs, []);
});

await t.check('its state changes live, with words and time in state', async () => {
  await page.waitForFunction((sid) => ((window.cmSeen || {})[sid] || []).some((s) => ['thinking', 'editing', 'running'].includes(s)), id, { timeout: 30000 });
  const pill = await page.textContent(`${row()} .state-pill`);
  assert.ok(pill.length > 0);
  assert.match(await page.textContent(`${row()} .since`), /^\d+s$/);
});

await t.check('auto-confirm answers the safe prompt and says what it answered', async () => {
  await page.waitForFunction(() => [...document.querySelectorAll('#event-list .event')]
    .some((e) => /Auto-confirmed/.test(e.textContent) && /answered 1/.test(e.textContent)), null, { timeout: 30000 });
});

await t.check('a dangerous prompt waits for a person, with its text, options and the buttons', async () => {
  // (The safe prompt may show for a moment before auto-confirm answers it.)
  await page.waitForFunction(() => !document.querySelector('#prompt-box').classList.contains('hidden')
    && /rm -rf/.test(document.querySelector('#prompt-box').textContent), null, { timeout: 30000 });
  assert.equal(await page.getAttribute(row(), 'data-state'), 'waiting_confirm');
  assert.ok(await page.isVisible(`${row()} .badge-waiting`), 'the list shows the badge');
  assert.match(await page.textContent('#waiting-count'), /1 waiting/);
  const prompt = `${await page.textContent('#prompt-text')}\n${await page.textContent('#prompt-command')}`;
  assert.match(prompt, /Do you want to proceed\?/);
  assert.match(prompt, /rm -rf \/var\/tmp\/cm-browser-test-old-builds/);
  const options = await page.$$eval('#prompt-options li', (l) => l.map((x) => x.textContent));
  assert.ok(options.some((o) => /Yes/.test(o)), `options: ${options}`);
  assert.match(await page.textContent('#prompt-reason'), /Not auto-confirmed: .+/);
  assert.ok(await page.isVisible('#approve-btn'));
  assert.ok(await page.isVisible('#deny-btn'));
  assert.match(await page.textContent('#approve-btn'), /Approve once/);
  await page.waitForFunction(() => [...document.querySelectorAll('#event-list .event')]
    .some((e) => /Needs a person/.test(e.textContent) && /danger rule .*rm -rf/.test(e.textContent)));
  await t.screenshot(page, 'waiting-prompt');
});

await t.check('a page opened later shows the waiting prompt from the session list', async () => {
  const other = await t.newPage();
  await t.signIn(other);
  await other.waitForSelector(`${row()}.waiting .badge-waiting`);
  await other.click(`${row()} .session-open`);
  await other.waitForSelector('#prompt-box:not(.hidden)');
  assert.match(await other.textContent('#prompt-command'), /rm -rf \/var\/tmp\/cm-browser-test-old-builds/);
  assert.match(await other.textContent('#prompt-reason'), /danger rule/);
  assert.equal(await other.title(), '(1) cm dashboard');
  await other.close();
});

await t.check('approving moves the session on to done', async () => {
  await page.click('#approve-btn');
  await page.waitForFunction(() => /^Approved/.test(document.querySelector('#prompt-result').textContent)
    || document.querySelector('#prompt-box').classList.contains('hidden'));
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.state === 'done', row(), { timeout: 30000 });
  assert.ok(await page.isHidden('#prompt-box'));
  assert.ok(await page.isHidden('#waiting-count'));
  await page.waitForFunction(() => [...document.querySelectorAll('#event-list .event-text')]
    .some((e) => e.textContent.startsWith('Approved by')));
  const states = await seenStates();
  assert.ok(states.indexOf('waiting_confirm') < states.lastIndexOf('done'), `states: ${states}`);
  await t.screenshot(page, 'done');
});

let typedRows = 0;
await t.check('the terminal is read-only until "Type"; then typing reaches the tool', async () => {
  await page.click('#term-box');
  await page.keyboard.type('ignored');
  await sleep(500);
  assert.ok(!(await screenText()).includes('ignored'), 'keys are not sent while watching');
  await page.click('#type-btn');
  assert.equal(await page.textContent('#type-btn'), 'Stop typing');
  await page.keyboard.type('hello from the browser');
  await page.waitForFunction(() => document.querySelector('#term-box .xterm-rows').textContent.includes('hello from the browser'));
  await t.screenshot(page, 'typing');
  await page.keyboard.press('Enter');
  // The typed task runs and asks again.
  await page.waitForFunction(() => !document.querySelector('#prompt-box').classList.contains('hidden')
    && /sudo rm -rf/.test(document.querySelector('#prompt-box').textContent), null, { timeout: 30000 });
});

await t.check('"Deny" answers no: the tool rejects the command and waits for input', async () => {
  await page.click('#deny-btn');
  await page.waitForFunction(() => /^Denied/.test(document.querySelector('#prompt-result').textContent)
    || document.querySelector('#prompt-box').classList.contains('hidden'));
  await page.waitForFunction((sel) => ['idle', 'done'].includes(document.querySelector(sel)?.dataset.state), row(), { timeout: 30000 });
  await page.waitForFunction(() => document.querySelector('#term-box .xterm-rows').textContent.includes('User rejected'));
  assert.ok(await page.isHidden('#prompt-box'));
  await page.waitForFunction(() => [...document.querySelectorAll('#event-list .event-text')]
    .some((e) => e.textContent.startsWith('Denied by')));
});

await t.check('typing fits the terminal to its box and resizes the session to match', async () => {
  // The resize goes out after a short pause; wait for the agent's answer to
  // the size the terminal has now (it may change once more as the layout settles).
  await page.waitForFunction(() => {
    const box = document.querySelector('#term-box');
    const rows = box.querySelectorAll('.xterm-rows > div').length;
    return box.dataset.size && box.dataset.size.endsWith(`x${rows}`);
  }, null, { timeout: 30000 });
  await sleep(300);
  await page.waitForFunction(() => {
    const box = document.querySelector('#term-box');
    return box.dataset.size.endsWith(`x${box.querySelectorAll('.xterm-rows > div').length}`);
  });
  typedRows = await page.$$eval('#term-box .xterm-rows > div', (d) => d.length);
  assert.ok(typedRows > 5 && typedRows !== 40, `rows while typing: ${typedRows}`);
  await page.reload();
  await page.waitForSelector('#conn-status.conn-online');
  await page.click(`${row()} .session-open`);
  await page.waitForFunction((n) => document.querySelectorAll('#term-box .xterm-rows > div').length === n, typedRows);
  assert.equal(await page.textContent('#type-btn'), 'Type', 'a new page starts read-only');
});

await t.check('phone-sized screen: one pane at a time', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('.tab[data-tab=list]');
  await page.waitForSelector(row());
  assert.ok(await page.isHidden('#detail-pane'));
  await t.screenshot(page, 'phone-list');
  await page.click(`${row()} .session-open`);
  await page.waitForSelector('#detail-pane #term-box .xterm-rows');
  assert.ok(await page.isHidden('#list-pane'));
  await t.screenshot(page, 'phone-session');
  await page.click('.tab[data-tab=events]');
  await t.screenshot(page, 'phone-events');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page does not scroll sideways (${width}px)`);
  await page.setViewportSize({ width: 1440, height: 900 });
});

await t.check('kill removes the session after a confirmation', async () => {
  await page.click(`${row()} .session-open`);
  await page.click('#kill-btn');
  await page.waitForSelector('#kill-dialog[open]');
  await page.click('#kill-confirm');
  await page.waitForSelector(row(), { state: 'detached' });
  await page.waitForFunction(() => [...document.querySelectorAll('#event-list .event-text')]
    .some((e) => e.textContent.startsWith('Killed')));
  assert.ok(await page.isVisible('#session-empty'));
});

await t.check('a start form opened before the agent lists its tools fills them in when they come', async () => {
  // The agent's profile_list reply is held back until the form is open.
  const late = await t.newPage();
  let release;
  const held = new Promise((r) => { release = r; });
  await late.routeWebSocket(/\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    server.onMessage(async (m) => {
      if (typeof m === 'string' && m.includes('"profile_list"')) await held;
      ws.send(m);
    });
  });
  try {
    await t.signIn(late);
    await late.click('#new-session-btn');
    await late.waitForSelector('#new-dialog[open]');
    assert.equal(await late.inputValue('#new-tool'), '', 'no tools yet');
    release();
    await late.waitForSelector('#new-tool option[value="fake"]', { state: 'attached', timeout: 10000 });
  } finally {
    release();
    await late.close();
  }
});

await t.check('no dialog opened (nothing injected ran), no CSP violation, no script error', async () => {
  assert.deepEqual(t.dialogs, []);
  assert.deepEqual(t.cspViolations, []);
  assert.deepEqual(t.pageErrors, []);
});

await t.finish();

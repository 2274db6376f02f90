// The page recovers by itself when the agent restarts, and catches up.
import assert from 'node:assert/strict';
import { Harness, sleep } from './harness.mjs';

const t = await Harness.start('reconnect');
const page = await t.newPage();
let sessionId = null;

// The text on the open session's terminal.
const screen = () => page.textContent('#term-box .xterm-rows');

// Starts a session of the `cat` test profile from the page (cat echoes what it gets).
async function startCat(p, task) {
  await p.click('#new-session-btn');
  await p.selectOption('#new-tool', 'cat');
  await p.fill('#new-task', task);
  await p.fill('#new-path', `${t.T}/work`);
  await p.click('#new-submit');
  await p.waitForSelector('#new-dialog', { state: 'hidden' });
  await p.waitForSelector('#detail:not(.hidden)');
  return p.textContent('#detail-id');
}

await t.check('sign in and start a session that echoes', async () => {
  await t.signIn(page);
  sessionId = await startCat(page, 'echo before and after a restart');
  assert.match(sessionId, /^cm-\d+/);
  await page.waitForSelector(`.session-row[data-session-id="${sessionId}"]`);
  await page.click('#type-btn');
  await page.keyboard.type('before-restart');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => (document.querySelector('#term-box .xterm-rows').textContent.match(/before-restart/g) || []).length >= 2);
});

await t.check('a stopped agent shows as a lost connection with a retry countdown', async () => {
  await t.stopAgent();
  await page.waitForSelector('#conn-status.conn-waiting');
  assert.match(await page.textContent('#conn-status'), /Connection lost, retrying in \d+s/);
  await t.screenshot(page, 'connection-lost');
});

await t.check('on a phone, with the connection lost, "Sign out" stays on screen in the top bar', async () => {
  const phone = { width: 360, height: 740 };
  await page.setViewportSize(phone);
  try {
    await page.waitForSelector('#conn-status.conn-waiting');
    const out = await page.locator('#sign-out-btn').boundingBox();
    const bar = await page.locator('.topbar').boundingBox();
    assert.ok(out && await page.isVisible('#sign-out-btn'), 'Sign out is shown');
    assert.ok(out.x >= 0 && out.y >= 0 && out.x + out.width <= phone.width &&
      out.y + out.height <= phone.height, `Sign out is inside the viewport (${JSON.stringify(out)})`);
    assert.ok(out.y >= bar.y && out.y + out.height <= bar.y + bar.height,
      `Sign out is inside the top bar (${JSON.stringify(out)} in ${JSON.stringify(bar)})`);
    // The link is there while the countdown runs, not during a retry: wait for it.
    let retry = null;
    for (let i = 0; i < 40 && !retry; i++) {
      await page.waitForSelector('#conn-status .link', { timeout: 10000 });
      retry = await page.locator('#conn-status .link').boundingBox().catch(() => null);
    }
    assert.ok(retry && retry.x >= 0 && retry.x + retry.width <= phone.width, 'Retry now is on screen too');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= phone.width, `the page does not scroll sideways (${width}px)`);
    await t.screenshot(page, 'phone-connection-lost');
  } finally {
    await page.setViewportSize({ width: 1440, height: 900 });
  }
});

let subscribed = 0;
await t.check('the page comes back by itself when the agent is back on the same port', async () => {
  subscribed = Number(await page.getAttribute('#term-box', 'data-subscribed'));
  await sleep(1500); // a few retries fail first
  await t.startAgent(t.agentFlags, t.port);
  await page.waitForSelector('#conn-status.conn-online', { timeout: 30000 });
  // The session outlived the agent and is still listed and open.
  await page.waitForSelector(`.session-row[data-session-id="${sessionId}"]`);
  assert.equal(await page.textContent('#detail-id'), sessionId);
});

await t.check('the missed events were replayed (the restart shows in the events panel)', async () => {
  await page.waitForFunction(() => [...document.querySelectorAll('#event-list .event-text')]
    .filter((e) => e.textContent.startsWith('Agent started')).length >= 2);
});

await t.check('the terminal is live again: typing after the restart reaches the tool', async () => {
  // Typing mode was kept; the output subscription was renewed on the new connection.
  await page.waitForFunction((n) => Number(document.querySelector('#term-box').dataset.subscribed) > n,
    subscribed, { timeout: 30000 });
  assert.equal(await page.textContent('#type-btn'), 'Stop typing');
  await page.click('#term-box');
  await page.keyboard.type('after-restart');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => (document.querySelector('#term-box .xterm-rows').textContent.match(/after-restart/g) || []).length >= 2);
  assert.match(await screen(), /before-restart/);
  await t.screenshot(page, 'recovered');
});

await t.check('events after the restart arrive live (a session started by another client)', async () => {
  const other = await t.newPage();
  await t.signIn(other);
  const id = await startCat(other, 'started from a second tab');
  await page.waitForSelector(`.session-row[data-session-id="${id}"]`);
  await other.close();
});

await t.check('no CSP violation, no script error, no dialog', async () => {
  assert.deepEqual(t.cspViolations, []);
  assert.deepEqual(t.pageErrors, []);
  assert.deepEqual(t.dialogs, []);
});

await t.finish();

// Transcripts from the page: a session typed into and killed shows among the
// ended sessions; its replay plays (at a chosen speed), pauses, seeks on the
// timeline and jumps to its markers (the input typed, the kill); the dialog
// fits a phone's screen.
import assert from 'node:assert/strict';
import { Harness, sleep } from './harness.mjs';

const t = await Harness.start('player');
const page = await t.newPage();
let id = null;
const playerText = () => page.textContent('#player-term .xterm-rows');

await t.check('sign in and start a cat session from the page', async () => {
  await t.signIn(page);
  await page.click('#new-session-btn');
  await page.waitForSelector('#new-dialog[open]');
  await page.selectOption('#new-tool', 'cat');
  await page.fill('#new-path', `${t.T}/work`);
  await page.click('#new-submit');
  await page.waitForSelector('#new-dialog', { state: 'hidden' });
  id = (await page.textContent('#detail-id')).trim();
  assert.match(id, /^cm-\d+(-\d+)?$/);
});

await t.check('type into it, then kill it', async () => {
  await page.click('#type-btn');
  await sleep(300);
  await page.keyboard.type('hello-replay-one');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#term-box .xterm-rows').textContent.includes('hello-replay-one'));
  await sleep(1200);
  await page.keyboard.type('second-line-later');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#term-box .xterm-rows').textContent.includes('second-line-later'));
  await page.click('#type-btn');
  await page.click('#kill-btn');
  await page.waitForSelector('#kill-dialog[open]');
  await page.click('#kill-confirm');
  await page.waitForSelector(`#session-list .session-row[data-session-id="${id}"]`, { state: 'detached' });
});

await t.check('the killed session is listed among the ended sessions', async () => {
  await page.waitForSelector(`#history-list .history-row[data-session-id="${id}"]`, { timeout: 10000 });
  assert.ok(await page.isVisible('#history-head'));
  assert.equal(await page.textContent(`#history-list [data-session-id="${id}"] .tool-tag`), 'cat');
  await t.screenshot(page, 'ended-list');
});

await t.check('its replay opens with the markers: input typed (with who), states, the kill', async () => {
  await page.click(`#history-list [data-session-id="${id}"] .session-open`);
  await page.waitForSelector('#player-dialog[open]');
  await page.waitForSelector('#player-markers li');
  const marks = await page.$$eval('#player-markers li', (l) => l.map((x) => x.textContent));
  // Typed a key at a time, one marker per run of typing, with its text.
  assert.ok(marks.some((m) => m.includes('input:127.0.0.1') && m.includes('hello-replay-one')), marks.join(' | '));
  assert.ok(marks.filter((m) => m.includes('input:')).length <= 4, marks.join(' | '));
  assert.ok(marks.some((m) => m.includes('killed')), marks.join(' | '));
  assert.ok(marks.some((m) => m.includes('state: idle')), marks.join(' | '));
  assert.equal(await page.textContent('#player-id'), id);
  assert.ok(!(await playerText()).includes('hello-replay-one'), 'nothing is drawn before playing');
});

await t.check('play at 4x draws the session as it happened, then pause stops the clock', async () => {
  await page.selectOption('#player-speed', '4');
  await page.click('#player-play');
  assert.equal(await page.textContent('#player-play'), 'Pause');
  await page.waitForFunction(() => document.querySelector('#player-term .xterm-rows').textContent.includes('hello-replay-one'), null, { timeout: 10000 });
  await page.waitForFunction(() => document.querySelector('#player-term .xterm-rows').textContent.includes('second-line-later'), null, { timeout: 10000 });
  await page.waitForFunction(() => document.querySelector('#player-play').textContent === 'Play', null, { timeout: 10000 });
  const at = await page.textContent('#player-time');
  await sleep(400);
  assert.equal(await page.textContent('#player-time'), at, 'paused at the end: the clock stands');
  await t.screenshot(page, 'replay-played');
});

await t.check('seeking to the start clears the screen; a marker jumps to its moment', async () => {
  await page.$eval('#player-seek', (el) => { el.value = '0'; el.dispatchEvent(new Event('input')); });
  await page.waitForFunction(() => !document.querySelector('#player-term .xterm-rows').textContent.includes('hello-replay-one'));
  await page.locator('#player-markers li', { hasText: 'second-line-later' }).first().locator('.marker-jump').click();
  await page.waitForFunction(() => {
    const s = document.querySelector('#player-term .xterm-rows').textContent;
    return s.includes('hello-replay-one') && !s.includes('second-line-later');
  });
  // The kill comes after everything.
  await page.locator('#player-markers li', { hasText: 'killed' }).locator('.marker-jump').click();
  await page.waitForFunction(() => document.querySelector('#player-term .xterm-rows').textContent.includes('second-line-later'));
  const pos = Number(await page.$eval('#player-seek', (el) => el.value));
  assert.ok(pos > 500, `the timeline follows the jump (${pos})`);
});

await t.check('on a phone the replay fits the screen', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await sleep(200);
  const box = await page.$eval('#player-dialog', (d) => d.getBoundingClientRect().width);
  assert.ok(box <= 390, `dialog width ${box}`);
  for (const sel of ['#player-play', '#player-seek', '#player-speed', '#player-close']) {
    assert.ok(await page.isVisible(sel), `${sel} visible`);
    const r = await page.$eval(sel, (el) => el.getBoundingClientRect().right);
    assert.ok(r <= 390, `${sel} inside the screen (${r})`);
  }
  await t.screenshot(page, 'replay-phone');
  await page.click('#player-close');
  await page.waitForSelector('#player-dialog', { state: 'hidden' });
});

await t.finish();

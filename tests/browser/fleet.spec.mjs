// The fleet's dashboard (cm dashboard): three agents behind a real sshd
// (fleet-env.sh), one page. Sessions are listed under their agent, a prompt
// is approved on the second agent only, an agent stopped and started while
// the page is open shows as down and then back by itself, a session started
// by pool placement lands on the pool's least loaded agent, the phone layout
// works, and no frame the browser gets carries an agent's token.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Harness } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const t = new Harness('fleet');
process.on('SIGINT', () => t.finish(130));

// The fleet, driven through its stdin; its lines come back as promises.
const env = spawn('bash', [path.join(here, 'fleet-env.sh')], {
  env: { ...process.env, CM_BUILD_DIR: path.resolve(process.env.CM_BUILD_DIR) },
  stdio: ['pipe', 'pipe', 'inherit'],
});
const lines = [];
let wake = null;
readline.createInterface({ input: env.stdout }).on('line', (l) => {
  lines.push(l);
  if (wake) wake();
});
env.on('exit', () => wake && wake());
async function nextLine(ms = 120000) {
  const end = Date.now() + ms;
  while (!lines.length) {
    if (env.exitCode !== null || Date.now() > end) throw new Error('the fleet did not answer');
    await new Promise((r) => { wake = r; setTimeout(r, 500); });
  }
  return lines.shift();
}
async function command(c) {
  env.stdin.write(`${c}\n`);
  assert.equal(await nextLine(), 'OK');
}

let fleet = null;
let page = null;
const frames = [];
const agentRow = (n) => `.agent-row[data-agent="${n}"]`;
const row = (n) => `.session-row[data-agent="${n}"][data-session-id="${fleet.sessions[n]}"]`;

await t.check('three agents behind sshd, cm dashboard over them', async () => {
  const l = await nextLine();
  assert.match(l, /^READY /);
  fleet = JSON.parse(l.slice(6));
  await t.startBrowser();
  page = await t.newPage();
  page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
});

await t.check('signs in with the dashboard token; every agent shows as connected', async () => {
  await page.goto(fleet.url);
  assert.ok(page.url().endsWith('/fleet/'), page.url());
  assert.equal(await page.textContent('#signin-title'), 'Sign in to the dashboard');
  await page.fill('#token-input', fleet.token);
  await page.click('#signin-btn');
  await page.waitForSelector('#app-view:not(.hidden)');
  for (const n of ['alpha', 'beta', 'gamma']) await page.waitForSelector(`${agentRow(n)}[data-state="up"]`);
});

await t.check('each agent\'s heading shows its health: load, memory, sessions, version', async () => {
  for (const n of ['alpha', 'beta', 'gamma']) {
    await page.waitForSelector(`${agentRow(n)} .agent-health`);
    const text = await page.textContent(`${agentRow(n)} .agent-health`);
    assert.match(text, /^load \d+\.\d\d on \d+ CPUs? · \d+% memory free · \d+\/\d+ sessions · v\d+\.\d+/, text);
  }
  // alpha holds three sessions (its fake one and two `cat`), gamma one.
  assert.match(await page.textContent(`${agentRow('alpha')} .agent-health`), / 3\/\d+ sessions/);
  assert.match(await page.textContent(`${agentRow('gamma')} .agent-health`), / 1\/\d+ sessions/);
});

await t.check('each agent\'s session is listed under its agent', async () => {
  for (const n of ['alpha', 'beta', 'gamma']) await page.waitForSelector(row(n));
  const groups = await page.$$eval('#session-list > li', (lis) => {
    let agent = null;
    return lis.map((li) => {
      if (li.classList.contains('agent-row')) agent = li.dataset.agent;
      return li.classList.contains('session-row') ? [agent, li.dataset.agent] : null;
    }).filter(Boolean);
  });
  assert.equal(groups.length, 5, JSON.stringify(groups)); // alpha has two `cat` sessions more
  for (const [under, own] of groups) assert.equal(under, own);
  await t.screenshot(page, 'grouped');
});

await t.check('a prompt approved on the second agent: only its session moves on', async () => {
  for (const n of ['alpha', 'beta', 'gamma']) {
    await page.waitForSelector(`${row(n)}[data-state="waiting_confirm"]`, { timeout: 30000 });
  }
  await page.click(`${row('beta')} .session-open`);
  await page.waitForSelector('#prompt-box:not(.hidden)');
  assert.match(await page.textContent('#detail-id'), /^beta\//);
  assert.match(await page.textContent('#prompt-command'), /rm -rf \/opt\/cm-fleet-test/);
  await page.click('#approve-btn');
  await page.waitForFunction((sel) => {
    const r = document.querySelector(sel);
    return r && r.dataset.state !== 'waiting_confirm';
  }, row('beta'), { timeout: 30000 });
  for (const n of ['alpha', 'gamma']) {
    assert.equal(await page.getAttribute(row(n), 'data-state'), 'waiting_confirm', n);
  }
});

await t.check('an agent stopped while the page is open shows as down', async () => {
  await command('stop gamma');
  await page.waitForSelector(`${agentRow('gamma')}[data-state="down"]`, { timeout: 30000 });
  for (const n of ['alpha', 'beta']) assert.ok(await page.isVisible(`${agentRow(n)}[data-state="up"]`), n);
  await t.screenshot(page, 'agent-down');
});

await t.check('started again, it comes back by itself with its session', async () => {
  await command('start gamma');
  await page.waitForSelector(`${agentRow('gamma')}[data-state="up"]`, { timeout: 40000 });
  await page.waitForSelector(row('gamma'));
});

await t.check('the start form picks the agent, down ones disabled', async () => {
  await page.click('#new-session-btn');
  await page.waitForSelector('#new-dialog[open]');
  const opts = await page.$$eval('#new-agent option', (o) => o.map((x) => x.value));
  assert.deepEqual(opts, ['alpha', 'beta', 'gamma', 'pool:build', 'pool:']);
  await page.selectOption('#new-agent', 'gamma');
  const tools = await page.$$eval('#new-tool option', (o) => o.map((x) => x.value));
  assert.ok(tools.includes('fake'), String(tools));
  await page.click('#new-cancel');
});

await t.check('"Least loaded of pool build" starts the session on beta, the idler of alpha and beta', async () => {
  await page.click('#new-session-btn');
  await page.waitForSelector('#new-dialog[open]');
  await page.selectOption('#new-agent', 'pool:build');
  const tools = await page.$$eval('#new-tool option', (o) => o.map((x) => x.value));
  assert.ok(tools.includes('cat'), String(tools));
  await page.selectOption('#new-tool', 'cat');
  await page.fill('#new-task', 'placed by the dashboard');
  await page.fill('#new-path', '/tmp');
  await page.click('#new-submit');
  await page.waitForSelector('#new-dialog', { state: 'hidden', timeout: 30000 });
  assert.match(await page.textContent('#detail-id'), /^beta\//);
  await page.waitForSelector('.session-row[data-agent="beta"] .row-task:text("placed by the dashboard")');
  // The choice is kept for the next session, as an agent's name would be.
  await page.click('#new-session-btn');
  assert.equal(await page.inputValue('#new-agent'), 'pool:build');
  await page.click('#new-cancel');
});

await t.check('the phone layout: agents and sessions, then one session\'s screen', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('.tab[data-tab="list"]');
  assert.ok(await page.isVisible(agentRow('alpha')));
  assert.ok(await page.isVisible(row('alpha')));
  await t.screenshot(page, 'phone');
  await page.click(`${row('alpha')} .session-open`);
  await page.waitForSelector('#prompt-box:not(.hidden)');
  assert.ok(await page.isVisible('#approve-btn'));
});

await t.check('over HTTPS (--tls-cert): the page signs in on wss and reaches every agent', async () => {
  const secure = await t.newPage();
  try {
    await secure.goto(fleet.tlsUrl);
    assert.ok(secure.url().startsWith('https://') && secure.url().endsWith('/fleet/'), secure.url());
    await secure.fill('#token-input', fleet.token);
    await secure.click('#signin-btn');
    await secure.waitForSelector('#app-view:not(.hidden)');
    for (const n of ['alpha', 'beta', 'gamma']) await secure.waitForSelector(`${agentRow(n)}[data-state="up"]`);
    await secure.waitForSelector(row('alpha'));
  } finally {
    await secure.close();
  }
});

await t.check('no frame or file the browser got holds an agent token', async () => {
  assert.ok(frames.length > 10, `${frames.length} frames`);
  assert.ok(!frames.some((f) => f.includes(fleet.agentToken)));
  assert.ok(!(await page.content()).includes(fleet.agentToken));
});

await t.check('no CSP violation, no script error, no dialog', async () => {
  assert.deepEqual(t.cspViolations, []);
  assert.deepEqual(t.pageErrors, []);
  assert.deepEqual(t.dialogs, []);
});

env.stdin.end();
await new Promise((r) => (env.exitCode !== null ? r() : env.once('exit', r)));
await t.finish();

// Sign-in, the HTTP side of the dashboard, and its security headers.
import assert from 'node:assert/strict';
import http from 'node:http';
import { Harness } from './harness.mjs';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
  + "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

// A raw GET, so that the request headers are exactly ours.
function get(port, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}

// A WebSocket upgrade with a given Origin: resolves 101, or the refusal's status.
function upgrade(port, origin) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: '/ws',
      headers: {
        Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', Origin: origin, Host: `127.0.0.1:${port}`,
      },
    });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve(101); });
    req.on('response', (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', (e) => resolve(`error ${e.code}`));
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

const t = await Harness.start('signin');

await t.check('GET / serves the page gzip-compressed with the security headers', async () => {
  const r = await get(t.port, '/', { 'Accept-Encoding': 'gzip, deflate, br' });
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/html/);
  assert.equal(r.headers['content-encoding'], 'gzip');
  assert.equal(r.headers['content-security-policy'], CSP);
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.headers['referrer-policy'], 'no-referrer');
  assert.equal(r.headers['x-frame-options'], 'DENY');
  assert.equal(r.headers['set-cookie'], undefined, 'no cookie is set');
  assert.match(r.headers.etag || '', /^"[0-9a-f]{16}"$/);
});

await t.check('a matching If-None-Match gets 304, a missing file 404, no gzip the plain file', async () => {
  const first = await get(t.port, '/app.js', { 'Accept-Encoding': 'gzip' });
  assert.equal(first.status, 200);
  const again = await get(t.port, '/app.js', { 'Accept-Encoding': 'gzip', 'If-None-Match': first.headers.etag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  assert.equal((await get(t.port, '/no-such-file.js', { 'Accept-Encoding': 'gzip' })).status, 404);
  const plain = await get(t.port, '/', { 'Accept-Encoding': 'identity' });
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.match(plain.body.toString(), /<html/i);
});

await t.check('the agent refuses a WebSocket upgrade from another origin', async () => {
  assert.notEqual(await upgrade(t.port, 'http://evil.example'), 101);
  assert.equal(await upgrade(t.port, `http://127.0.0.1:${t.port}`), 101);
});

const page = await t.newPage();

await t.check('the sign-in page shows', async () => {
  await page.goto(t.url);
  await page.waitForSelector('#signin-view:not(.hidden)');
  await page.waitForSelector('#token-input');
  await t.screenshot(page, 'signin');
});

await t.check('a wrong token is refused with a message and no detail', async () => {
  await page.fill('#token-input', `${t.token}x`);
  await page.click('#signin-btn');
  await page.waitForFunction(() => document.querySelector('#signin-error').textContent !== '');
  assert.equal(await page.textContent('#signin-error'), 'Sign-in failed.');
  assert.ok(await page.isVisible('#signin-view'));
  assert.ok(!(await page.isVisible('#app-view')));
  assert.ok(!page.url().includes(t.token), 'no token in the URL');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'a refused token is not kept');
  await t.screenshot(page, 'wrong-token');
});

await t.check('the right token signs in', async () => {
  await page.fill('#token-input', t.token);
  await page.click('#signin-btn');
  await page.waitForSelector('#app-view:not(.hidden)');
  await page.waitForSelector('#conn-status.conn-online');
  assert.equal(page.url(), t.url, 'the URL is unchanged: no token in it');
  // Said once the session list has come (a reply after the sign-in).
  const empty = await page.waitForSelector('#session-empty', { state: 'visible', timeout: 10000 })
    .then(() => true, () => false);
  assert.ok(empty, 'an empty agent says so');
  assert.equal(await page.evaluate(() => localStorage.getItem('cm.token')), null, 'not in localStorage');
  await t.screenshot(page, 'empty-dashboard');
});

await t.check('a reload in the same tab stays signed in; sign out forgets the token', async () => {
  await page.reload();
  await page.waitForSelector('#conn-status.conn-online');
  await page.click('#sign-out-btn');
  await page.waitForSelector('#signin-view:not(.hidden)');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await page.reload();
  await page.waitForSelector('#signin-view:not(.hidden)');
  assert.ok(!(await page.isVisible('#app-view')));
});

await t.check('the agent log never holds the token', async () => {
  assert.ok(!t.tail('agent.log', 100000).includes(t.token));
});

await t.check('no CSP violation, no script error, no dialog', async () => {
  assert.deepEqual(t.cspViolations, []);
  assert.deepEqual(t.pageErrors, []);
  assert.deepEqual(t.dialogs, []);
});

await t.finish();

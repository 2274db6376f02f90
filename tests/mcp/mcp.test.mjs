// cm mcp driven by the official MCP SDK's client (stdio transport), against
// the real agent that tests/integration/test-mcp.sh started. Checks the
// read-only default, the config's contexts and actions, send_text queued
// until the session is idle (never typed over a turn or a prompt), waits,
// approve through the agent, pool placement, hostile arguments, and raw
// JSON-RPC garbage on stdin.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';

const CM = process.env.CM_CLI;
const T = process.env.T;
let passed = 0;
let failed = 0;

function check(what, ok, detail) {
  if (ok) {
    passed++;
    console.log(`PASS: mcp: ${what}`);
  } else {
    failed++;
    console.log(`FAIL: mcp: ${what}${detail === undefined ? '' : ' — ' + JSON.stringify(detail)}`);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A client on `cm mcp` with config.json at configPath (absent: none).
async function open(configPath) {
  const env = { ...process.env, CM_CONFIG: configPath };
  const transport = new StdioClientTransport({ command: CM, args: ['mcp'], env, stderr: 'pipe' });
  const client = new Client({ name: 'cm-mcp-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

// Calls a tool; returns {error, value} from its text content.
async function call(client, name, args) {
  const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 90000 });
  const value = JSON.parse(r.content[0].text);
  return { isError: !!r.isError, value };
}

async function main() {
  const noConfig = path.join(T, 'none.json');
  const full = path.join(T, 'full.json');
  fs.writeFileSync(full, JSON.stringify({
    version: 1,
    mcp: { contexts: ['main'], actions: ['read', 'start', 'send', 'confirm', 'kill'] },
  }));

  // --- read-only by default
  const ro = await open(noConfig);
  check('the SDK client initializes with cm mcp', ro.getServerVersion()?.name === 'cm',
    ro.getServerVersion());
  const tools = (await ro.listTools()).tools.map((t) => t.name).sort();
  check('tools/list has the seven tools', JSON.stringify(tools) === JSON.stringify(
    ['confirm', 'kill_session', 'list_sessions', 'read_screen', 'read_transcript', 'send_text',
      'start_session', 'wait_for_state']), tools);
  let r = await call(ro, 'list_sessions', {});
  const pre = r.value.sessions.find((s) => s.tool === 'cat');
  check('list_sessions covers every context, with CTX/ID names',
    !r.isError && pre && pre.session === `main/${pre.sessionId}` &&
    r.value.unreachable?.length === 1 && r.value.unreachable[0].context === 'down', r.value);
  r = await call(ro, 'read_screen', { session: pre.session });
  check('read_screen returns the screen', !r.isError && typeof r.value.screen === 'string', r);
  for (const [tool, args] of [
    ['start_session', { tool: 'fake', task: 'x' }],
    ['send_text', { session: pre.session, text: 'rm -rf /' }],
    ['confirm', { session: pre.session, approve: true }],
    ['kill_session', { session: pre.session }],
  ]) {
    r = await call(ro, tool, args);
    check(`read-only: ${tool} is refused`, r.isError && r.value.error === 'not_allowed', r.value);
  }
  r = await call(ro, 'list_sessions', {});
  check('read-only: the session is still there',
    r.value.sessions.some((s) => s.session === pre.session));
  await ro.close();

  // --- allowed actions, limited to context main
  const c = await open(full);
  r = await call(c, 'list_sessions', {});
  check('mcp.contexts hides other contexts', !r.isError && !r.value.unreachable, r.value);
  r = await call(c, 'list_sessions', { context: 'down' });
  check('a context outside mcp.contexts is refused', r.isError &&
    r.value.error === 'unknown_context', r.value);
  r = await call(c, 'start_session', { tool: 'fake', task: 'first task', pool: 'p1',
    autoConfirm: false });
  check('start_session places on the pool\'s agent', !r.isError && r.value.context === 'main',
    r.value);
  const sid = r.value.session;
  // The tool shows its input box for a moment before it takes the task.
  r = await call(c, 'wait_for_state', { session: sid, states: ['thinking'], timeoutMs: 20000 });
  check('wait_for_state sees the task start', !r.isError, r.value);
  r = await call(c, 'send_text', { session: sid, text: 'queued follow-up' });
  check('send_text while the session works is queued', !r.isError && r.value.queued === true &&
    r.value.sent === false, r.value);
  r = await call(c, 'wait_for_state', { session: sid, states: ['waiting_confirm'],
    timeoutMs: 20000 });
  check('wait_for_state sees the prompt', !r.isError && r.value.state === 'waiting_confirm',
    r.value);
  r = await call(c, 'read_screen', { session: sid });
  check('the queued text was not typed over the prompt',
    !r.value.screen.includes('queued follow-up'), r.value.screen);
  r = await call(c, 'confirm', { session: sid, approve: true });
  check('confirm approves through the agent', !r.isError && r.value.approved === true, r.value);
  let seen = false;
  for (let i = 0; i < 100 && !seen; i++) {
    r = await call(c, 'read_screen', { session: sid, lines: 200 });
    seen = r.value.screen.includes('queued follow-up');
    if (!seen) await sleep(100);
  }
  check('the queued text is typed once the session is idle', seen, r.value.screen);
  // The follow-up is a turn of its own: "got it", then done.
  let answered = false;
  for (let i = 0; i < 100 && !answered; i++) {
    r = await call(c, 'read_screen', { session: sid, lines: 200 });
    answered = r.value.screen.includes('got it');
    if (!answered) await sleep(100);
  }
  r = await call(c, 'wait_for_state', { session: sid, states: ['done', 'idle'], timeoutMs: 20000 });
  check('the follow-up turn completes', answered && !r.isError, r.value);
  r = await call(c, 'wait_for_state', { session: sid, states: ['exited'], timeoutMs: 300 });
  check('wait_for_state times out with an error', r.isError && r.value.error === 'timeout',
    r.value);
  r = await call(c, 'send_text', { session: sid, text: 'now' });
  check('send_text to an idle session is sent at once', !r.isError && r.value.sent === true,
    r.value);

  // --- the transcript: the store cuts a frame every few seconds
  let tr = '';
  for (let i = 0; i < 100 && !tr.includes('queued follow-up'); i++) {
    r = await call(c, 'read_transcript', { session: sid });
    tr = r.isError ? '' : r.value.data;
    if (!tr.includes('queued follow-up')) await sleep(100);
  }
  check('read_transcript gives what the tool wrote, the follow-up too',
    tr.includes('first task') && tr.includes('queued follow-up'), tr.slice(-300));
  r = await call(c, 'read_transcript', { session: sid, format: 'raw', tail: 3600 });
  check('read_transcript raw keeps the escapes', !r.isError && r.value.data.includes('\x1b['),
    r.isError ? r.value : r.value.data.length);

  // --- a worktree of its own
  const repo = path.join(T, 'mcp-repo');
  fs.mkdirSync(repo);
  const git = (...a) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c',
    'user.email=t@t', ...a], { stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'a.txt'), 'a\n');
  git('add', 'a.txt');
  git('commit', '-q', '-m', 'a');
  r = await call(c, 'start_session', { tool: 'fake', task: 'in a worktree', path: repo,
    worktree: { branch: 'mcp-wt' } });
  check('start_session with a worktree: the session runs on its own branch',
    !r.isError && r.value.worktree && r.value.worktree.branch === 'mcp-wt', r.value);
  if (!r.isError) await call(c, 'kill_session', { session: r.value.session });
  r = await call(c, 'start_session', { tool: 'fake', path: repo, worktree: { branch: '-x' } });
  check('a worktree branch the agent refuses is an error', r.isError, r.value);

  // --- hostile arguments
  const hostile = [
    ['send_text', { session: '../../etc/passwd', text: 'x' }, 'bad_argument'],
    ['send_text', { session: 'main/cm-1;rm -rf', text: 'x' }, 'bad_argument'],
    ['send_text', { session: sid, text: 'x'.repeat(20000) }, 'bad_argument'],
    ['send_text', { session: sid, text: 'x', evil: 1 }, 'bad_argument'],
    ['send_text', { session: sid, text: 42 }, 'bad_argument'],
    ['read_screen', { session: sid, lines: -5 }, 'bad_argument'],
    ['read_screen', { session: 'main/cm-1700000000-1' }, 'unknown_session'],
    ['wait_for_state', { session: sid, states: ['bogus'] }, 'bad_argument'],
    ['wait_for_state', { session: sid, states: ['idle'], timeoutMs: 1e12 }, 'bad_argument'],
    ['start_session', { tool: '../bin/sh', task: 'x' }, 'bad_argument'],
    ['start_session', { tool: 'fake', path: 'relative/dir' }, 'bad_argument'],
    ['start_session', { tool: 'fake', context: 'down' }, 'unknown_context'],
    ['confirm', { session: sid, approve: 'yes' }, 'bad_argument'],
    ['read_transcript', { session: sid, format: 'cast' }, 'bad_argument'],
    ['read_transcript', { session: sid, tail: -1 }, 'bad_argument'],
    ['read_transcript', { session: sid, cursor: 'x'.repeat(100) }, 'bad_argument'],
    ['start_session', { tool: 'fake', worktree: 'main' }, 'bad_argument'],
    ['start_session', { tool: 'fake', worktree: { branch: 'b', evil: 1 } }, 'bad_argument'],
  ];
  for (const [tool, args, code] of hostile) {
    r = await call(c, tool, args);
    check(`hostile ${tool} ${JSON.stringify(args).slice(0, 60)} -> ${code}`,
      r.isError && r.value.error === code, r.value);
  }
  let threw = false;
  try {
    await c.callTool({ name: 'no_such_tool', arguments: {} });
  } catch (e) {
    threw = /unknown tool/.test(String(e.message));
  }
  check('an unknown tool is a JSON-RPC error', threw);
  r = await call(c, 'kill_session', { session: sid });
  check('kill_session with "kill" allowed', !r.isError && r.value.killed === true, r.value);
  await c.close();

  // --- raw garbage on stdin: each line gets its error, the server goes on
  const p = spawn(CM, ['mcp'], { env: { ...process.env, CM_CONFIG: noConfig },
    stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d) => { out += d; });
  const init = (id, v) => JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize',
    params: { protocolVersion: v, capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
  p.stdin.write(init(10, LATEST_PROTOCOL_VERSION) + '\n');
  p.stdin.write(init(11, '1999-01-01') + '\n');
  p.stdin.write('this is not json\n');
  p.stdin.write('[{"jsonrpc":"2.0","id":1,"method":"ping"}]\n');
  p.stdin.write('"just a string"\n');
  p.stdin.write('{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}\n');
  p.stdin.write('{"jsonrpc":"2.0","id":2,"method":"rm -rf"}\n');
  p.stdin.write('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":5}}\n');
  p.stdin.write('{"jsonrpc":"2.0","id":4,"method":"tools/call","params":"x"}\n');
  p.stdin.write('x'.repeat(3 * 1024 * 1024) + '\n');
  p.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
  p.stdin.write('{"jsonrpc":"2.0","id":5,"method":"ping"}\n');
  p.stdin.end();
  const code = await new Promise((res) => p.on('close', res));
  const lines = out.trim().split('\n').map((l) => JSON.parse(l));
  const inits = lines.splice(0, 2);
  check(`initialize answers the SDK's revision ${LATEST_PROTOCOL_VERSION}`,
    inits[0].result?.protocolVersion === LATEST_PROTOCOL_VERSION, inits[0]);
  check('an unknown revision gets the newest the server speaks',
    inits[1].result?.protocolVersion === LATEST_PROTOCOL_VERSION, inits[1]);
  const codes = lines.map((m) => (m.error ? m.error.code : 'ok'));
  check('garbage gets parse, invalid-request, not-found and params errors, then ping answers',
    JSON.stringify(codes) === JSON.stringify(
      [-32700, -32600, -32600, -32600, -32601, -32602, -32602, -32600, 'ok']), codes);
  check('the last answer is the ping\'s (id 5)', lines[lines.length - 1].id === 5);
  check('end of input ends the server with status 0', code === 0, code);

  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.log(`FAIL: mcp: ${e.stack}`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});

// app: the cm dashboard. Sign-in, the live session list, one open session
// (terminal, prompt buttons, kill), the start form and the recent events.
//
// Everything here is driven by the agent's messages (docs/PROTOCOL.md): the
// list is the `session_list` snapshot plus the events after it, never
// polled. Text from outside enters the page only through dom.js (text nodes).
//
// Served by `cm dashboard` at /fleet/, the page is the fleet's: it signs in
// to the dashboard (/fleet/ws, which lists the contexts), then keeps one
// Conn per agent (/ctx/NAME/ws, relayed by the dashboard), each with its
// own reconnect and `since` replay. Sessions are keyed "AGENT/ID", listed
// under their agent with its state, and every request goes to their
// agent's Conn.

import { Action, Type, State, ErrorCode } from './protocol.js';
import { Conn } from './conn.js';
import { h, replace, $ } from './dom.js';
import { stateWord, stateTone, duration, clock, firstLine, shortPath } from './format.js';
import { TermView } from './term.js';
import { initHistory, refreshHistory, openPlayer } from './history.js';
import { openDiff, loadDiff, mergeFromDialog, worktreeRequest } from './diff.js';

const TOKEN_KEY = 'cm.token'; // sessionStorage: this tab only, gone when it closes
const PATH_KEY = 'cm.lastPath'; // localStorage: the last directory used (not a secret)
const MAX_EVENTS = 200;
const FLEET = location.pathname === '/fleet/';
// The fleet's agents: name -> {name, host, pool, conn, state, profiles, info}.
const agents = new Map();

const app = {
  sessions: new Map(), // sessionId -> session (fields of session_list)
  selected: null, // sessionId shown in the detail pane
  term: null, // TermView of the selected session
  events: [], // newest first: {seq, ts, sessionId, text, tone}
  eventSeqs: new Set(), // seqs in events, so that a replay never shows one twice
  profiles: [],
  clockOffset: 0, // agent clock - browser clock, seconds
  tab: 'list', // phone layout: which pane is shown
};

// A session's key in app.sessions: its id, or "AGENT/ID" in the fleet.
function keyOf(agent, id) {
  return FLEET && agent ? `${agent}/${id}` : id;
}

// The Conn a session's requests go to.
function connOf(s) {
  if (!FLEET) return conn;
  const a = s && agents.get(s.agent);
  return a ? a.conn : null;
}

const conn = FLEET ? new Conn({ onStatus: showStatus, onAuthenticated: onFleetAuthenticated }, '/fleet/ws') : new Conn({
  onStatus: showStatus,
  onAuthenticated,
  onEvent: (msg) => {
    applyEvent(msg);
    renderAll();
    // A session that ends joins the ended list (its transcript is kept).
    if (msg.type === Type.SESSION_KILLED || msg.type === Type.SESSION_EXITED) refreshHistory();
  },
  // Events from before sign-in: shown in the panel, never applied to the list.
  onOldEvent: (msg) => {
    if (app.eventSeqs.has(msg.seq)) return;
    applyEvent(msg, { history: true });
    renderEvents();
  },
  onResync: (msg) => {
    replaceSessions(msg.sessions);
    addEvent({ seq: msg.seq, ts: now(), text: 'Synchronised with the agent from a fresh snapshot', tone: 'info' });
    renderAll();
  },
  onOutput: (id, bytes) => {
    if (app.term && id === app.selected) app.term.write(bytes);
  },
  onMessage: (msg) => {
    if (msg.type === Type.OUTPUT_SNAPSHOT && app.term && msg.sessionId === app.selected) {
      app.term.showSnapshot(msg);
    }
  },
});

// ---- time ----------------------------------------------------------------

// The agent's clock, in seconds (its timestamps are compared with it).
function now() {
  return Date.now() / 1000 + app.clockOffset;
}

// Measures the agent's clock against ours with one ping.
async function measureClock() {
  const t0 = Date.now() / 1000;
  try {
    const pong = await conn.request(Action.PING);
    const t1 = Date.now() / 1000;
    if (typeof pong.timestamp === 'number') app.clockOffset = pong.timestamp - (t0 + t1) / 2;
  } catch (e) {
    /* keep the last offset */
  }
}

// ---- sign-in and connection status ----------------------------------------

function showView(name) {
  $('#signin-view').classList.toggle('hidden', name !== 'signin');
  $('#app-view').classList.toggle('hidden', name !== 'app');
  for (const id of ['#new-session-btn', '#sign-out-btn']) $(id).classList.toggle('hidden', name !== 'app');
  if (name === 'signin') {
    $('#conn-status').textContent = '';
    $('#token-input').focus();
  }
}

function signIn(token) {
  $('#signin-error').textContent = '';
  $('#signin-btn').disabled = true;
  $('#signin-btn').textContent = 'Signing in…';
  conn.signIn(token);
}

function signOut(message) {
  conn.stop();
  for (const a of agents.values()) a.conn.stop();
  agents.clear();
  sessionStorage.removeItem(TOKEN_KEY);
  closeDetail();
  app.sessions.clear();
  app.events = [];
  app.eventSeqs.clear();
  showView('signin');
  $('#signin-error').textContent = message || '';
  $('#signin-btn').disabled = false;
  $('#signin-btn').textContent = 'Sign in';
}

function showStatus(st) {
  const el = $('#conn-status');
  document.body.classList.toggle('offline', st.state !== 'online');
  el.className = `conn conn-${st.state}`;
  clearInterval(app.retryTick);
  if (st.state === 'connecting') {
    replace(el, h('span', { class: 'dot' }), 'Connecting…');
  } else if (st.state === 'online') {
    replace(el, h('span', { class: 'dot' }), 'Live');
  } else if (st.state === 'waiting') {
    const paint = () => {
      const left = Math.max(0, Math.ceil((conn.retryAt - Date.now()) / 1000));
      replace(el, h('span', { class: 'dot' }), `Connection lost, retrying in ${left}s `,
        h('button', { type: 'button', class: 'link', on: { click: () => conn.retryNow() } }, 'Retry now'));
    };
    paint();
    app.retryTick = setInterval(paint, 1000);
  } else if (st.state === 'signed-out') {
    // No detail of why: a wrong token and an unknown one look the same.
    const message = st.error === ErrorCode.RATE_LIMITED
      ? 'Too many sign-in attempts. Wait a minute, then try again.'
      : st.wasSignedIn ? 'The agent no longer accepts this token. Sign in again.' : 'Sign-in failed.';
    signOut(message);
  }
  // The first connection never came up: say so on the sign-in form.
  if (!conn.everAuthenticated && st.state === 'waiting') {
    $('#signin-error').textContent = 'Cannot reach the agent. Retrying…';
  }
}

async function onAuthenticated(msg, resumed) {
  const token = conn.token;
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  $('#signin-btn').disabled = false;
  $('#signin-btn').textContent = 'Sign in';
  $('#token-input').value = '';
  showView('app');
  measureClock();
  conn.request(Action.AGENT_INFO).then((info) => {
    $('#agent-host').textContent = info.hostname ? `${info.hostname} · v${info.version}` : '';
  }).catch(() => {});
  loadProfiles();
  refreshHistory();
  if (!resumed) {
    try {
      const list = await conn.request(Action.LIST_SESSIONS);
      replaceSessions(list.sessions);
      renderAll();
      // The recent past, for the events panel only (see onOldEvent).
      if (typeof msg.seq === 'number' && msg.seq > 0) {
        conn.request(Action.SUBSCRIBE, { since: Math.max(0, msg.seq - 100) }).catch(() => {});
      }
    } catch (e) {
      showDetailError(e);
    }
  }
  // The output subscription belongs to a connection: ask again after a drop.
  if (app.selected && app.sessions.has(app.selected)) openSession(app.selected, { keepTab: true });
}

async function loadProfiles() {
  try {
    const r = await conn.request(Action.LIST_PROFILES);
    app.profiles = Array.isArray(r.profiles) ? r.profiles : [];
  } catch (e) {
    app.profiles = [];
  }
  refreshOpenForm();
}

// The start form, if open, lists the tools that just arrived (it may have
// been opened before the agent's list_profiles reply).
function refreshOpenForm() {
  if (!$('#new-dialog').open) return;
  if (FLEET) fillAgents();
  fillTools();
}

// ---- the model: sessions and events ---------------------------------------

function replaceSessions(list, agent = null) {
  if (agent) {
    for (const [k, s] of app.sessions) if (s.agent === agent) app.sessions.delete(k);
  } else {
    app.sessions.clear();
  }
  for (const s of Array.isArray(list) ? list : []) {
    if (s && typeof s.sessionId === 'string') app.sessions.set(keyOf(agent, s.sessionId), { ...s, agent });
  }
}

function sessionLabel(id) {
  const s = app.sessions.get(id);
  if (s && s.task) return firstLine(s.task, 60);
  return id || '';
}

// Keeps the panel in seq order, newest first, each event once.
function addEvent(ev) {
  if (typeof ev.seq === 'number') {
    if (app.eventSeqs.has(ev.seq)) return;
    app.eventSeqs.add(ev.seq);
  }
  let i = 0;
  if (typeof ev.seq === 'number') {
    while (i < app.events.length && !(typeof app.events[i].seq === 'number' && app.events[i].seq < ev.seq)) i++;
  }
  app.events.splice(i, 0, ev);
  while (app.events.length > MAX_EVENTS) app.eventSeqs.delete(app.events.pop().seq);
}

// Applies one event to the list and records it for the events panel; an
// event from history only goes to the panel.
function applyEvent(msg, { history = false, agent = null } = {}) {
  const id = msg.sessionId ? keyOf(agent, msg.sessionId) : msg.sessionId;
  const s = id && !history ? app.sessions.get(id) : null;
  const label = (agent ? `${agent} · ` : '')
    + (msg.type === Type.SESSION_CREATED && msg.task ? firstLine(msg.task, 60) : sessionLabel(id));
  // In the fleet, seqs are the agents' own: the panel orders by time.
  const base = { seq: agent ? undefined : msg.seq, ts: msg.timestamp, sessionId: id, label };
  switch (msg.type) {
    case Type.SESSION_CREATED: {
      if (!history) app.sessions.set(id, {
        sessionId: msg.sessionId, agent, tool: msg.tool, task: msg.task, path: msg.path,
        autoConfirm: msg.autoConfirm, socket: msg.socket, worktree: msg.worktree, state: State.STARTING,
        stateSince: msg.timestamp, created: msg.timestamp, ...(s || {}),
      });
      addEvent({ ...base, tone: 'info', text: `Started ${msg.tool || 'a tool'} in ${msg.path || '?'}` });
      break;
    }
    case Type.STATE_CHANGE: {
      if (s) {
        s.state = msg.state;
        s.stateSince = msg.timestamp;
        if (msg.state !== State.WAITING_CONFIRM) delete s.prompt;
      }
      addEvent({
        ...base, tone: stateTone(msg.state),
        text: `${stateWord(msg.previous)} → ${stateWord(msg.state)}`,
        // What the classifier saw: for the curious, on hover.
        title: msg.rule ? `rule ${msg.rule}${msg.evidence ? `: ${firstLine(msg.evidence, 200)}` : ''}` : '',
      });
      break;
    }
    case Type.CONFIRM_NEEDED: {
      if (s) {
        s.prompt = {
          text: msg.prompt, options: msg.options, reason: msg.reason,
          command: msg.command, fingerprint: msg.fingerprint,
        };
        if (s.state !== State.WAITING_CONFIRM) {
          s.state = State.WAITING_CONFIRM;
          s.stateSince = msg.timestamp;
        }
      }
      addEvent({
        ...base, tone: 'waiting',
        text: `Needs a person: ${firstLine(msg.prompt, 100) || 'a prompt'}`,
        detail: msg.reason ? `Not auto-confirmed: ${msg.reason}` : '',
      });
      break;
    }
    case Type.AUTO_CONFIRMED: {
      const opts = Array.isArray(msg.options) ? msg.options : [];
      // Options may come numbered ("1. Yes") or not ("Yes", in screen order).
      const n = /^\d+$/.test(String(msg.answer)) ? Number(msg.answer) : 0;
      const chosen = opts.find((o) => String(o).trim().startsWith(`${msg.answer}.`))
        || (n >= 1 && n <= opts.length ? opts[n - 1] : null);
      addEvent({
        ...base, tone: 'done',
        text: `Auto-confirmed “${firstLine(msg.prompt, 80)}”`,
        detail: `answered ${msg.answer}${chosen ? ` (${firstLine(chosen, 60)})` : ''}`,
      });
      break;
    }
    case Type.PROMPT_ANSWERED: {
      if (s) delete s.prompt;
      addEvent({
        ...base, tone: msg.approve ? 'done' : 'error',
        text: `${msg.approve ? 'Approved' : 'Denied'} by ${msg.by || 'someone'}`,
        detail: msg.keys ? `keys ${msg.keys}` : '',
      });
      break;
    }
    case Type.SESSION_COMPLETED:
      addEvent({ ...base, tone: 'done', text: 'Finished its task' });
      break;
    case Type.SESSION_EXITED:
      if (s) s.exitStatus = msg.exitStatus;
      addEvent({ ...base, tone: 'gone', text: `Tool exited${msg.exitStatus !== undefined ? ` (status ${msg.exitStatus})` : ''}` });
      break;
    case Type.SESSION_KILLED:
      addEvent({ ...base, tone: 'gone', text: `Killed: ${sessionLabel(id)}` });
      if (history) break;
      app.sessions.delete(id);
      if (app.selected === id) closeDetail();
      break;
    case Type.SESSION_RECOVERED:
      addEvent({ ...base, tone: 'info', text: `Tool started again (${msg.reason}, attempt ${msg.attempt})${msg.resumed ? ', resuming its conversation' : ''}` });
      break;
    case Type.SESSION_STALLED:
      addEvent({ ...base, tone: 'waiting', text: `No output for ${Math.round((msg.silentMs || 0) / 1000)}s while ${msg.state}` });
      break;
    case Type.AUTO_CONTINUED:
      addEvent({ ...base, tone: msg.outcome === 'continued' ? 'done' : 'waiting', text: msg.outcome === 'continued' ? 'Continued after the usage limit' : `Not continued after the usage limit (${msg.outcome}): your turn` });
      break;
    case Type.AGENT_STARTED:
      addEvent({ ...base, tone: 'info', text: `${agent ? `${agent}: a` : 'A'}gent started (v${msg.version || '?'}, ${msg.sessions ?? 0} sessions)` });
      break;
    default:
      addEvent({ ...base, tone: 'info', text: String(msg.type) });
  }
}

// ---- rendering -------------------------------------------------------------

function renderAll() {
  renderList();
  renderDetail();
  renderEvents();
  renderWaitingCount();
}

function sortedSessions() {
  // Waiting sessions first, then the newest.
  return [...app.sessions.values()].sort((a, b) => {
    const wa = a.state === State.WAITING_CONFIRM ? 1 : 0;
    const wb = b.state === State.WAITING_CONFIRM ? 1 : 0;
    if (wa !== wb) return wb - wa;
    return (b.created || 0) - (a.created || 0);
  });
}

function statePill(state, extra = '') {
  return h('span', { class: `state-pill tone-${stateTone(state)} ${extra}`, dataset: { state: state || '' } },
    h('span', { class: 'dot' }), stateWord(state));
}

// An agent's health in a few words, from its agent_info: load per CPU,
// memory free, sessions against its limit, version; and a tone, warn when
// the machine is overloaded, short of memory or full.
function agentHealth(info) {
  if (!info) return null;
  const perCpu = info.cpus > 0 ? info.load1 / info.cpus : 0;
  const free = info.memTotal > 0 ? info.memAvailable / info.memTotal : 1;
  const full = info.maxSessions > 0 && info.sessions >= info.maxSessions;
  const words = [`load ${Number(info.load1).toFixed(2)} on ${info.cpus} CPU${info.cpus === 1 ? '' : 's'}`];
  if (info.memTotal > 0) words.push(`${Math.round(free * 100)}% memory free`);
  words.push(`${info.sessions}/${info.maxSessions} sessions`);
  if (info.version) words.push(`v${info.version}`);
  return { text: words.join(' · '), warn: perCpu > 1.5 || free < 0.1 || full };
}

// One agent's heading in the fleet's list: its name, whether it is reached,
// and its health.
function agentRow(a) {
  const up = a.state === 'online';
  const word = up ? 'Connected' : a.state === 'connecting' ? 'Connecting…' : 'Down, reconnecting';
  const health = up ? agentHealth(a.info) : null;
  return h('li', { class: `agent-row agent-${up ? 'up' : 'down'}`, dataset: { agent: a.name, state: up ? 'up' : 'down' } },
    h('span', { class: 'agent-name' }, a.name),
    a.host ? h('span', { class: 'mono muted small' }, a.host) : null,
    health ? h('span', { class: `agent-health small ${health.warn ? 'health-warn' : 'muted'}`,
      dataset: { warn: String(health.warn) } }, health.text) : null,
    h('span', { class: `state-pill agent-state tone-${up ? 'done' : 'error'}` }, h('span', { class: 'dot' }), word));
}

// Every online agent's health, asked again every AGENT_HEALTH_MS.
const AGENT_HEALTH_MS = 30000;
function refreshAgentHealth(a) {
  a.conn.request(Action.AGENT_INFO).then((info) => {
    a.info = info;
    renderList();
  }).catch(() => {});
}
if (FLEET) {
  setInterval(() => {
    for (const a of agents.values()) if (a.state === 'online') refreshAgentHealth(a);
  }, AGENT_HEALTH_MS);
}

function renderList() {
  const list = $('#session-list');
  const sessions = sortedSessions();
  $('#session-count').textContent = sessions.length ? String(sessions.length) : '';
  $('#session-empty').classList.toggle('hidden', sessions.length > 0 || FLEET);
  const rows = (group) => group.map(sessionRow);
  if (FLEET) {
    replace(list, [...agents.values()].flatMap((a) => [agentRow(a), ...rows(sessions.filter((s) => s.agent === a.name))]));
  } else {
    replace(list, rows(sessions));
  }
}

function sessionRow(s) {
    const key = keyOf(s.agent, s.sessionId);
    const waiting = s.state === State.WAITING_CONFIRM;
    return h('li', {
      class: `session-row${key === app.selected ? ' selected' : ''}${waiting ? ' waiting' : ''}`,
      dataset: { sessionId: s.sessionId, state: s.state || '', agent: s.agent || '' },
    }, h('button', {
      type: 'button', class: 'session-open',
      'aria-label': `Open session ${s.sessionId}`,
      on: { click: () => openSession(key) },
    },
    h('div', { class: 'row-top' },
      statePill(s.state),
      waiting ? h('span', { class: 'badge badge-waiting' }, 'Needs you') : null,
      h('span', { class: 'since', dataset: { since: s.stateSince || '' } }, sinceText(s.stateSince))),
    h('div', { class: 'row-task' }, s.task ? firstLine(s.task, 140) : h('span', { class: 'muted' }, 'No task')),
    h('div', { class: 'row-meta' },
      h('span', { class: 'tool-tag' }, s.tool || '?'),
      h('span', { class: 'mono path', title: s.path || '' }, shortPath(s.path, 40)),
      s.autoConfirm ? h('span', { class: 'auto-tag', title: 'Auto-confirm is on' }, 'auto') : null)));
}

function sinceText(since) {
  return typeof since === 'number' ? duration(now() - since) : '';
}

function renderWaitingCount() {
  const n = [...app.sessions.values()].filter((s) => s.state === State.WAITING_CONFIRM).length;
  const el = $('#waiting-count');
  el.classList.toggle('hidden', n === 0);
  el.textContent = n === 1 ? '1 waiting for you' : `${n} waiting for you`;
  document.title = n ? `(${n}) cm dashboard` : 'cm dashboard';
}

function renderEvents() {
  const only = $('#events-filter').checked && app.selected;
  const events = app.events.filter((e) => !only || e.sessionId === app.selected).slice(0, 100);
  replace($('#event-list'), events.length ? events.map((e) => h('li', { class: `event tone-${e.tone}`, dataset: { seq: e.seq ?? '' }, title: e.title || null },
    h('span', { class: 'event-time mono' }, e.ts ? clock(e.ts - app.clockOffset) : ''),
    h('div', { class: 'event-body' },
      e.sessionId ? h('button', {
        type: 'button', class: 'link event-session',
        on: { click: () => app.sessions.has(e.sessionId) && openSession(e.sessionId) },
      }, e.label || e.sessionId) : null,
      h('span', { class: 'event-text' }, e.text),
      e.detail ? h('span', { class: 'event-detail' }, e.detail) : null))) : h('li', { class: 'muted event-empty' }, 'Nothing yet.'));
}

function renderDetail() {
  const s = app.selected ? app.sessions.get(app.selected) : null;
  $('#detail').classList.toggle('hidden', !s);
  $('#detail-placeholder').classList.toggle('hidden', !!s);
  if (!s) return;
  const pill = $('#detail-state');
  pill.className = `state-pill tone-${stateTone(s.state)}`;
  pill.dataset.state = s.state || '';
  replace(pill, h('span', { class: 'dot' }), stateWord(s.state), ' · ',
    h('span', { class: 'since', dataset: { since: s.stateSince || '' } }, sinceText(s.stateSince)));
  $('#detail-tool').textContent = s.tool || '?';
  $('#detail-id').textContent = s.agent ? `${s.agent}/${s.sessionId}` : s.sessionId;
  $('#detail-task').textContent = s.task || 'No task';
  $('#detail-task').classList.toggle('muted', !s.task);
  $('#detail-path').textContent = s.path || '';
  $('#detail-path').title = s.path || '';
  const alive = s.state !== State.EXITED;
  $('#type-btn').disabled = !alive;
  $('#diff-btn').classList.toggle('hidden', !s.worktree);
  $('#detail-worktree').classList.toggle('hidden', !s.worktree);
  $('#detail-worktree').textContent = s.worktree ? `worktree ${s.worktree.branch} from ${s.worktree.base}` : '';
  renderPrompt(s);
}

// What the prompt is about (the command or file shown above the question);
// the question and options that follow it on screen are shown apart.
function promptBody(p) {
  if (!p || !p.command) return '';
  const lines = String(p.command).split('\n');
  const q = String(p.text || '').trim();
  const at = q ? lines.findIndex((l) => l.trim() === q) : -1;
  return (at > 0 ? lines.slice(0, at) : lines).join('\n').trim();
}

function renderPrompt(s) {
  const box = $('#prompt-box');
  const p = s.prompt;
  const waiting = s.state === State.WAITING_CONFIRM;
  box.classList.toggle('hidden', !waiting);
  if (!waiting) return;
  const key = JSON.stringify([s.sessionId, p && p.fingerprint, p && p.text]);
  if (box.dataset.key === key) return; // unchanged: keep the result line
  box.dataset.key = key;
  $('#prompt-text').textContent = (p && p.text) || 'The tool is asking for confirmation (see its screen).';
  const command = promptBody(p);
  $('#prompt-command').textContent = command;
  $('#prompt-command').classList.toggle('hidden', !command);
  const options = p && Array.isArray(p.options) ? p.options : [];
  // Numbered as on screen (the agent may give them with or without numbers).
  replace($('#prompt-options'), options.map((o, i) => h('li', {},
    /^\s*\d+\.\s/.test(String(o)) ? String(o) : `${i + 1}. ${o}`)));
  $('#prompt-reason').textContent = p && p.reason ? `Not auto-confirmed: ${p.reason}` : '';
  $('#prompt-reason').classList.toggle('hidden', !(p && p.reason));
  $('#prompt-result').textContent = '';
  $('#approve-btn').disabled = false;
  $('#deny-btn').disabled = false;
}

// Time in state ticks locally between events (no request is made).
setInterval(() => {
  for (const el of document.querySelectorAll('.since[data-since]')) {
    const since = Number(el.dataset.since);
    if (since) el.textContent = sinceText(since);
  }
}, 1000);

// ---- the open session -------------------------------------------------------

function showDetailError(e) {
  // Requests lost with the connection are not errors of their own: the top
  // bar already says the connection is down.
  if (e && (e.code === 'offline' || e.code === 'closed')) return;
  $('#detail-error').textContent = e ? (e.message || String(e)) : '';
}

async function openSession(id, { keepTab = false } = {}) {
  const s = app.sessions.get(id);
  if (!s) return;
  if (app.selected !== id || !app.term) {
    closeDetail();
    app.selected = id;
    app.term = new TermView($('#term-box'), connOf(s), s.sessionId, {
      onTypingChange: (on) => {
        $('#type-btn').textContent = on ? 'Stop typing' : 'Type';
        $('#type-btn').setAttribute('aria-pressed', String(on));
        $('#type-btn').classList.toggle('btn-active', on);
        $('#typing-note').classList.toggle('hidden', !on);
      },
      onError: showDetailError,
    });
    if (s.cols && s.rows) app.term.setSize(s.cols, s.rows);
  }
  showDetailError(null);
  if (!keepTab) setTab('detail');
  renderAll();
  const term = app.term;
  try {
    await term.subscribe();
  } catch (e) {
    if (app.term === term) showDetailError(e);
  }
}

function closeDetail() {
  if (app.term) app.term.dispose();
  app.term = null;
  app.selected = null;
  replace($('#term-box'));
  $('#type-btn').textContent = 'Type';
  $('#type-btn').classList.remove('btn-active');
  $('#typing-note').classList.add('hidden');
  $('#prompt-box').dataset.key = '';
  showDetailError(null);
}

async function answerPrompt(approve) {
  const s = app.sessions.get(app.selected);
  if (!s) return;
  const result = $('#prompt-result');
  $('#approve-btn').disabled = true;
  $('#deny-btn').disabled = true;
  result.textContent = approve ? 'Approving…' : 'Denying…';
  const fields = { sessionId: s.sessionId, approve };
  if (s.prompt && s.prompt.fingerprint) fields.prompt = s.prompt.fingerprint;
  try {
    const r = await connOf(s).request(Action.CONFIRM, fields);
    result.textContent = `${approve ? 'Approved' : 'Denied'} (sent ${r.keys || 'keys'})`;
  } catch (e) {
    const why = {
      prompt_changed: 'The prompt on screen changed. Check the terminal.',
      no_prompt: 'No prompt is waiting any more.',
    }[e.code] || e.message;
    result.textContent = why;
    $('#approve-btn').disabled = false;
    $('#deny-btn').disabled = false;
  }
}

// ---- start and kill ----------------------------------------------------------

// The start form's Agent field: an agent's name, or "pool:P" to let the
// dashboard place the session on pool P's least loaded agent ("pool:" for
// the whole fleet's).
const POOL_PREFIX = 'pool:';

// The online agents a choice of the Agent field may land on.
function agentsOfChoice(value) {
  if (!value.startsWith(POOL_PREFIX)) return agents.has(value) ? [agents.get(value)] : [];
  const pool = value.slice(POOL_PREFIX.length);
  return [...agents.values()].filter((a) => a.state === 'online' && (!pool || a.pool === pool));
}

// The tools of the agent the form starts on: for a pool, those every one of
// its online agents has, so that wherever it lands the tool is there.
function fillTools() {
  const choice = FLEET ? agentsOfChoice($('#new-agent').value) : [];
  const profiles = !FLEET ? app.profiles : choice.length === 0 ? [] :
    choice[0].profiles.filter((p) => choice.every((a) => a.profiles.some((q) => q.name === p.name)));
  const select = $('#new-tool');
  const keep = select.value;
  replace(select, profiles.map((p) => h('option', { value: p.name },
    p.description ? `${p.name} (${p.description})` : p.name)));
  if (!profiles.length) replace(select, h('option', { value: '' }, 'No profiles on this agent'));
  else if (profiles.some((p) => p.name === keep)) select.value = keep;
}

// The fleet's Agent field: every agent (down ones disabled), then the pools.
function fillAgents() {
  const sel = $('#new-agent');
  const keep = sel.value;
  const options = [...agents.values()].map((a) => h('option', { value: a.name, disabled: a.state !== 'online' },
    a.state === 'online' ? a.name : `${a.name} (down)`));
  const pools = [...new Set([...agents.values()].map((a) => a.pool).filter(Boolean))].sort();
  for (const p of pools) {
    options.push(h('option', { value: POOL_PREFIX + p, disabled: !agentsOfChoice(POOL_PREFIX + p).length },
      `Least loaded of pool ${p}`));
  }
  if (agents.size > 1) {
    options.push(h('option', { value: POOL_PREFIX, disabled: !agentsOfChoice(POOL_PREFIX).length },
      'Least loaded agent'));
  }
  replace(sel, options);
  const up = [...agents.values()].find((a) => a.state === 'online');
  if (agentsOfChoice(keep).some((a) => a.state === 'online')) sel.value = keep;
  else if (up) sel.value = up.name;
}

function openNewDialog() {
  if (FLEET) fillAgents();
  fillTools();
  if (!$('#new-path').value) $('#new-path').value = localStorage.getItem(PATH_KEY) || '';
  $('#new-error').textContent = '';
  $('#new-submit').disabled = false;
  $('#new-dialog').showModal();
  $('#new-task').focus();
}

async function submitNew(ev) {
  ev.preventDefault();
  const tool = $('#new-tool').value;
  const path = $('#new-path').value.trim();
  if (!tool) {
    $('#new-error').textContent = 'Choose a tool.';
    return;
  }
  if (!path.startsWith('/')) {
    $('#new-error').textContent = 'The directory must be an absolute path on the agent’s machine.';
    return;
  }
  $('#new-submit').disabled = true;
  $('#new-error').textContent = '';
  let agent = FLEET ? $('#new-agent').value : null;
  try {
    if (FLEET && agent.startsWith(POOL_PREFIX)) {
      // The dashboard asks the pool's agents how loaded they are (as cm start --pool).
      const pool = agent.slice(POOL_PREFIX.length);
      $('#new-error').textContent = 'Choosing an agent…';
      const placed = await conn.request('place', pool ? { pool } : {});
      agent = placed.context;
      $('#new-error').textContent = '';
    }
    const target = FLEET ? (agents.get(agent) || {}).conn : conn;
    if (!target) throw new Error('Choose an agent.');
    const r = await target.request(Action.CREATE_SESSION, {
      tool, task: $('#new-task').value, context: { path }, autoConfirm: $('#new-auto').checked,
      worktree: worktreeRequest(),
    });
    localStorage.setItem(PATH_KEY, path);
    $('#new-dialog').close();
    $('#new-task').value = '';
    if (!app.sessions.has(keyOf(agent, r.sessionId))) {
      // The reply is the session_created event; it was applied on arrival.
      applyEvent({ ...r, type: Type.SESSION_CREATED }, { agent });
    }
    openSession(keyOf(agent, r.sessionId));
  } catch (e) {
    $('#new-error').textContent = e.message || 'The agent refused to start the session.';
  } finally {
    $('#new-submit').disabled = false;
  }
}

function openKillDialog() {
  if (!app.selected) return;
  const s = app.sessions.get(app.selected);
  $('#kill-name').textContent = s ? s.sessionId : app.selected;
  $('#kill-error').textContent = '';
  $('#kill-dialog').showModal();
}

async function killSelected() {
  const s = app.sessions.get(app.selected);
  if (!s) return;
  $('#kill-confirm').disabled = true;
  try {
    await connOf(s).request(Action.KILL_SESSION, { sessionId: s.sessionId });
    $('#kill-dialog').close();
  } catch (e) {
    $('#kill-error').textContent = e.message;
  } finally {
    $('#kill-confirm').disabled = false;
  }
}

// ---- the fleet (cm dashboard) ------------------------------------------------------

// Signed in to the dashboard: one Conn per agent, with the same token.
function onFleetAuthenticated(msg) {
  const token = conn.token;
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  $('#signin-btn').disabled = false;
  $('#signin-btn').textContent = 'Sign in';
  $('#token-input').value = '';
  showView('app');
  $('#agent-host').textContent = 'fleet';
  const list = Array.isArray(msg.fleet) ? msg.fleet : [];
  for (const f of list) {
    if (!f || typeof f.name !== 'string' || agents.has(f.name)) continue;
    const a = { name: f.name, host: typeof f.host === 'string' ? f.host : '',
      pool: typeof f.pool === 'string' ? f.pool : '', state: 'connecting', profiles: [] };
    a.conn = new Conn(agentHandlers(a), `/ctx/${encodeURIComponent(f.name)}/ws`);
    agents.set(a.name, a);
    a.conn.signIn(token);
  }
  renderAll();
}

function agentHandlers(a) {
  return {
    onStatus: (st) => {
      if (st.state === 'signed-out') {
        signOut('Sign-in failed.');
        return;
      }
      a.state = st.state;
      renderList();
      refreshOpenForm();
    },
    onAuthenticated: async (msg, resumed) => {
      refreshAgentHealth(a);
      a.conn.request(Action.LIST_PROFILES).then((r) => {
        a.profiles = Array.isArray(r.profiles) ? r.profiles : [];
        refreshOpenForm();
      }).catch(() => {});
      if (!resumed) {
        try {
          const r = await a.conn.request(Action.LIST_SESSIONS);
          replaceSessions(r.sessions, a.name);
        } catch (e) {
          showDetailError(e);
        }
      }
      renderAll();
      const s = app.sessions.get(app.selected);
      if (s && s.agent === a.name) openSession(app.selected, { keepTab: true });
    },
    onEvent: (msg) => {
      applyEvent(msg, { agent: a.name });
      renderAll();
    },
    onResync: (msg) => {
      replaceSessions(msg.sessions, a.name);
      renderAll();
    },
    onOutput: (id, bytes) => {
      if (app.term && keyOf(a.name, id) === app.selected) app.term.write(bytes);
    },
    onMessage: (msg) => {
      if (msg.type === Type.OUTPUT_SNAPSHOT && app.term && keyOf(a.name, msg.sessionId) === app.selected) {
        app.term.showSnapshot(msg);
      }
    },
  };
}

// ---- phone layout: one pane at a time ----------------------------------------

function setTab(tab) {
  app.tab = tab;
  $('#app-view').dataset.tab = tab;
  for (const b of document.querySelectorAll('.tab')) b.classList.toggle('active', b.dataset.tab === tab);
  if (tab === 'detail' && app.term) requestAnimationFrame(() => app.term.layout());
}

// ---- wiring --------------------------------------------------------------------

function init() {
  $('#signin-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = $('#token-input').value.trim();
    if (token) signIn(token);
  });
  $('#sign-out-btn').addEventListener('click', () => signOut(''));
  $('#new-session-btn').addEventListener('click', openNewDialog);
  $('#empty-new-btn').addEventListener('click', openNewDialog);
  $('#new-form').addEventListener('submit', submitNew);
  $('#new-cancel').addEventListener('click', () => $('#new-dialog').close());
  $('#kill-btn').addEventListener('click', openKillDialog);
  $('#kill-cancel').addEventListener('click', () => $('#kill-dialog').close());
  $('#kill-confirm').addEventListener('click', killSelected);
  $('#approve-btn').addEventListener('click', () => answerPrompt(true));
  $('#deny-btn').addEventListener('click', () => answerPrompt(false));
  $('#type-btn').addEventListener('click', () => app.term && app.term.setTyping(!app.term.typing));
  $('#back-btn').addEventListener('click', () => setTab('list'));
  $('#replay-btn').addEventListener('click', () => app.selected && openPlayer(app.selected, app.sessions.get(app.selected)));
  // The fleet's page lists live sessions only (transcripts stay per agent).
  initHistory(FLEET ? null : conn);
  if (FLEET) {
    document.body.classList.add('fleet');
    $('#new-agent-field').classList.remove('hidden');
    $('#new-agent').addEventListener('change', fillTools);
    $('#replay-btn').classList.add('hidden');
    $('#signin-title').textContent = 'Sign in to the dashboard';
    $('#signin-help').textContent = 'Enter the token of cm dashboard (its file is named where it started). It is kept only in this browser tab and is never put in a URL.';
  }
  $('#events-filter').addEventListener('change', renderEvents);
  $('#new-worktree').addEventListener('change', () =>
    $('#new-worktree-fields').classList.toggle('hidden', !$('#new-worktree').checked));
  // The Changes dialog talks to the agent of the session it was opened on.
  let diffConn = conn;
  $('#diff-btn').addEventListener('click', () => {
    const s = app.selected && app.sessions.get(app.selected);
    if (s) openDiff((diffConn = connOf(s)), s);
  });
  $('#diff-turn').addEventListener('change', () => loadDiff(diffConn));
  $('#diff-merge').addEventListener('click', () => mergeFromDialog(diffConn));
  for (const b of document.querySelectorAll('.tab')) b.addEventListener('click', () => setTab(b.dataset.tab));
  setTab('list');

  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) {
    showView('signin');
    signIn(token);
  } else {
    showView('signin');
  }
}

init();

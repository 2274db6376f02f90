// conn: the WebSocket to the agent: sign-in, requests, events, reconnect.
//
// One connection to the same origin, path /ws (or another path on the
// fleet's dashboard, `cm dashboard`: /fleet/ws, /ctx/NAME/ws). The first message is the
// seed's `{"auth_token": ...}`; after a drop the connection comes back by
// itself with backoff (0.5 s doubling to 15 s, with jitter) and
// re-authenticates with `{"auth_token": ..., "since": lastSeq}`, so the agent
// replays what was missed (or answers `resync` with a snapshot). Events whose
// seq was already seen are dropped. The token lives in memory here; app.js
// keeps it in sessionStorage at most. It is never logged, and never put in a
// URL.
//
// Callbacks (all optional):
//   onStatus({state: 'connecting'|'online'|'waiting'|'signed-out', retryIn, error})
//   onAuthenticated(msg, resumed)  onEvent(msg)  onResync(msg)
//   onOldEvent(msg) for an event at or before the last seq (history, overlap)
//   onOutput(sessionId, bytes)     onMessage(msg) for other unsolicited messages

import { Action, Type, ErrorCode } from './protocol.js';

const REQUEST_TIMEOUT_MS = 20000;
const PING_EVERY_MS = 25000;

export class AgentError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

export class Conn {
  constructor(handlers, path = '/ws') {
    this.h = handlers;
    this.path = path;
    this.ws = null;
    this.token = null;
    this.lastSeq = null; // newest event seq applied; null before the first snapshot
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject, timer}
    this.backoff = 500;
    this.retryTimer = null;
    this.pingTimer = null;
    this.authenticated = false;
    this.everAuthenticated = false;
    this.stopped = true;
  }

  // Starts (or restarts) with a token; resolves on the first authentication.
  signIn(token) {
    this.token = token;
    this.stopped = false;
    this.lastSeq = null;
    this.everAuthenticated = false;
    this.backoff = 500;
    this.open();
  }

  // Closes for good (sign out, or a refused token).
  stop() {
    this.stopped = true;
    this.token = null;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.close(1000);
    }
    this.failPending(new AgentError('closed', 'signed out'));
  }

  url() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}${this.path}`;
  }

  open() {
    clearTimeout(this.retryTimer);
    if (this.ws) {
      // A new sign-in while the last attempt is still connecting.
      const old = this.ws;
      this.ws = null;
      old.close();
    }
    this.authenticated = false;
    this.status('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch (e) {
      this.scheduleRetry();
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      const auth = { auth_token: this.token };
      if (this.lastSeq !== null) auth.since = this.lastSeq;
      ws.send(JSON.stringify(auth));
    };
    ws.onmessage = (ev) => {
      if (ws !== this.ws) return;
      if (typeof ev.data === 'string') this.onText(ev.data);
      else this.onBinary(new Uint8Array(ev.data));
    };
    ws.onclose = () => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.authenticated = false;
      clearInterval(this.pingTimer);
      this.failPending(new AgentError('closed', 'connection lost'));
      if (!this.stopped) this.scheduleRetry();
    };
  }

  scheduleRetry() {
    const delay = Math.min(this.backoff, 15000) * (0.8 + Math.random() * 0.4);
    this.backoff = Math.min(this.backoff * 2, 15000);
    this.retryAt = Date.now() + delay;
    this.status('waiting', { retryIn: delay });
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  // Tries again at once (the "Retry now" button).
  retryNow() {
    if (this.stopped || this.ws) return;
    this.open();
  }

  status(state, extra = {}) {
    if (this.h.onStatus) this.h.onStatus({ state, ...extra });
  }

  failPending(err) {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  // Sends a request; resolves with its reply, rejects with an AgentError.
  request(action, fields = {}) {
    return new Promise((resolve, reject) => {
      if (!this.ws || !this.authenticated) {
        reject(new AgentError('offline', 'not connected to the agent'));
        return;
      }
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AgentError('timeout', 'the agent did not answer'));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ action, ...fields, id }));
    });
  }

  onText(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch (e) {
      return;
    }
    if (!msg || typeof msg !== 'object') return;

    if (msg.type === Type.AUTHENTICATED) {
      this.onAuthenticated(msg);
      return;
    }
    if (!this.authenticated && msg.type === Type.ERROR &&
        (msg.code === ErrorCode.AUTH_FAILED || msg.code === ErrorCode.RATE_LIMITED)) {
      // A wrong token, or too many tries: no retry with the same token.
      const wasSignedIn = this.everAuthenticated;
      this.stop();
      this.status('signed-out', { error: msg.code, message: msg.message, wasSignedIn });
      return;
    }

    // Replies to our requests carry our id; some replies are events too
    // (session_created, session_killed), so they go on to the event path.
    if (msg.id !== undefined && this.pending.has(msg.id)) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.type === Type.ERROR) p.reject(new AgentError(msg.code, msg.message));
      else p.resolve(msg);
    }
    if (msg.type === Type.RESYNC) {
      this.lastSeq = typeof msg.seq === 'number' ? msg.seq : this.lastSeq;
      if (this.h.onResync) this.h.onResync(msg);
      return;
    }
    // Events carry both seq and timestamp; replies never carry both.
    if (typeof msg.seq === 'number' && typeof msg.timestamp === 'number' && msg.type !== Type.ERROR) {
      if (this.lastSeq !== null && msg.seq <= this.lastSeq) {
        // Seen already (a replay overlapping live events), or history asked
        // for on purpose: it is never applied twice.
        if (this.h.onOldEvent) this.h.onOldEvent(msg);
        return;
      }
      this.lastSeq = msg.seq;
      if (this.h.onEvent) this.h.onEvent(msg);
      return;
    }
    if (this.h.onMessage) this.h.onMessage(msg);
  }

  onAuthenticated(msg) {
    const resumed = this.lastSeq !== null;
    // A fresh start counts events from the agent's current seq: app.js asks
    // for the session list next, and it includes everything up to here.
    if (!resumed && typeof msg.seq === 'number') this.lastSeq = msg.seq;
    this.authenticated = true;
    this.everAuthenticated = true;
    this.backoff = 500;
    this.status('online');
    clearInterval(this.pingTimer);
    // A ping now and then finds a dead connection that TCP would keep for minutes.
    this.pingTimer = setInterval(() => {
      this.request(Action.PING).catch(() => {
        if (this.ws) this.ws.close();
      });
    }, PING_EVERY_MS);
    // With "since", the agent replays the missed events before this reply;
    // if it no longer holds them, this reply carries a snapshot instead.
    if (resumed && msg.resync === true) {
      if (typeof msg.seq === 'number') this.lastSeq = msg.seq;
      if (this.h.onResync) this.h.onResync(msg);
    }
    if (this.h.onAuthenticated) this.h.onAuthenticated(msg, resumed);
  }

  // Output frame: 0x01, L, L bytes of session id, then raw terminal bytes.
  onBinary(buf) {
    if (buf.length < 2 || buf[0] !== 0x01) return;
    const len = buf[1];
    if (buf.length < 2 + len) return;
    const id = new TextDecoder().decode(buf.subarray(2, 2 + len));
    if (this.h.onOutput) this.h.onOutput(id, buf.subarray(2 + len));
  }
}

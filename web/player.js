// player: replays a session's transcript (docs/PROTOCOL.md, Transcripts) in
// a read-only xterm.js: play, pause, speed, a timeline to seek on, and the
// markers (prompts, answers, state changes, input) to jump to.
//
// The transcript is fetched as asciicast v2 lines (read_transcript, format
// "cast"), chunk by chunk through the cursor, up to MAX_BYTES. Playing
// writes each "o" event when its time comes; seeking resets the terminal
// and writes every output up to the new position at once (xterm.js parses
// megabytes in milliseconds), so the screen is the one of that moment.

import { Action } from './protocol.js';
import { Terminal } from './vendor/xterm.mjs';
import { installStyleShim } from './term.js';

const MAX_BYTES = 64 << 20; // what one replay loads (a longer one is cut, and says so)
const CHUNK = 1 << 20;

// Fetches and parses the cast: {header, events: [[t, code, data]], cut}.
export async function loadCast(conn, sessionId) {
  let text = '';
  let cursor = null;
  let cut = false;
  for (;;) {
    const r = await conn.request(Action.READ_TRANSCRIPT, cursor
      ? { sessionId, format: 'cast', maxBytes: CHUNK, cursor }
      : { sessionId, format: 'cast', maxBytes: CHUNK });
    text += r.data;
    if (!r.more) break;
    if (text.length > MAX_BYTES) { cut = true; break; }
    cursor = r.cursor;
  }
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = JSON.parse(lines.shift() || '{}');
  const events = [];
  for (const l of lines) {
    try {
      const e = JSON.parse(l);
      if (Array.isArray(e) && e.length === 3 && typeof e[0] === 'number') events.push(e);
    } catch (e) { /* a line cut by the byte cap */ }
  }
  return { header, events, cut };
}

// The kind of a marker, for its colour and filter: prompt, answer, input, state, other.
export function markerKind(label) {
  if (label.startsWith('prompt')) return 'prompt';
  if (label.startsWith('answer') || label === 'input:auto') return 'answer';
  if (label.startsWith('input:')) return 'input';
  if (label.startsWith('state')) return 'state';
  return 'other';
}

// The markers to jump to. Input is one "input:WHO" marker and one "i"
// event per send_keys (a key at a time when a person types), so what one
// sender typed in a row (less than 3 s apart, up to an Enter) is one marker
// with its text.
export function buildMarkers(events) {
  const out = [];
  for (let i = 0; i < events.length; i++) {
    const [t, code, label] = events[i];
    if (code !== 'm') continue;
    if (label.startsWith('input:')) {
      const data = i + 1 < events.length && events[i + 1][1] === 'i' ? events[i + 1][2] : '';
      const last = out[out.length - 1];
      if (last && last.who === label && t - last.tEnd < 3 && !/(\r|<Enter>)$/.test(last.text)) {
        last.text += data;
        last.tEnd = t;
        last.label = `${label} ${JSON.stringify(last.text.slice(0, 80))}`;
        continue;
      }
      out.push({ t, tEnd: t, who: label, text: data, kind: markerKind(label), label: `${label} ${JSON.stringify(data.slice(0, 80))}` });
      continue;
    }
    out.push({ t, label, kind: markerKind(label) });
  }
  return out;
}

export class Player {
  constructor(box, cast, { onTick } = {}) {
    installStyleShim();
    this.cast = cast;
    this.events = cast.events;
    this.duration = this.events.length ? this.events[this.events.length - 1][0] : 0;
    this.markers = buildMarkers(this.events);
    this.pos = 0; // seconds into the recording
    this.next = 0; // index of the next event to play
    this.speed = 1;
    this.playing = false;
    this.onTick = onTick || (() => {});
    this.term = new Terminal({
      cols: cast.header.width || 80,
      rows: cast.header.height || 24,
      disableStdin: true,
      convertEol: false,
      scrollback: 1000,
      fontSize: 13,
      theme: { background: '#0b0f14', foreground: '#d7dde5' },
    });
    this.term.open(box);
    this.timer = null;
  }

  // Writes the events [next, until) that change the screen.
  apply(until) {
    let out = '';
    for (; this.next < this.events.length && this.events[this.next][0] <= until; this.next++) {
      const [, code, data] = this.events[this.next];
      if (code === 'o') out += data;
      else if (code === 'r') {
        if (out) { this.term.write(out); out = ''; }
        const m = /^(\d+)x(\d+)$/.exec(data);
        if (m) this.term.resize(Number(m[1]), Number(m[2]));
      }
    }
    if (out) this.term.write(out);
  }

  seek(t) {
    const target = Math.max(0, Math.min(t, this.duration));
    if (target < this.pos || this.next === 0) {
      this.term.reset();
      this.term.resize(this.cast.header.width || 80, this.cast.header.height || 24);
      this.next = 0;
    }
    this.pos = target;
    this.apply(target);
    this.onTick(this);
  }

  play() {
    if (this.playing) return;
    if (this.pos >= this.duration) this.seek(0);
    this.playing = true;
    this.last = performance.now();
    this.timer = setInterval(() => this.step(), 33);
    this.onTick(this);
  }

  pause() {
    this.playing = false;
    clearInterval(this.timer);
    this.timer = null;
    this.onTick(this);
  }

  setSpeed(s) { this.speed = s; }

  step() {
    const t = performance.now();
    // An idle stretch of the recording passes at once (as asciinema's idle limit).
    let pos = this.pos + ((t - this.last) / 1000) * this.speed;
    this.last = t;
    if (this.next < this.events.length && this.events[this.next][0] - this.pos > 2) pos = Math.max(pos, this.events[this.next][0] - 0.5);
    this.pos = Math.min(pos, this.duration);
    this.apply(this.pos);
    if (this.pos >= this.duration) this.pause();
    else this.onTick(this);
  }

  dispose() {
    this.pause();
    this.term.dispose();
  }
}

// format: words, colours and durations shown for sessions and events.

import { State } from './protocol.js';

// Session states (protocol.js, from the protocol table): words for people and a class for colour.
const STATES = {
  [State.STARTING]: { word: 'Starting', tone: 'neutral' },
  [State.IDLE]: { word: 'Idle', tone: 'idle' },
  [State.THINKING]: { word: 'Thinking', tone: 'busy' },
  [State.EDITING]: { word: 'Editing files', tone: 'busy' },
  [State.RUNNING]: { word: 'Running a command', tone: 'busy' },
  [State.WAITING_CONFIRM]: { word: 'Waiting for you', tone: 'waiting' },
  [State.DONE]: { word: 'Done', tone: 'done' },
  [State.ERROR]: { word: 'Error', tone: 'error' },
  [State.EXITED]: { word: 'Exited', tone: 'gone' },
  [State.USAGE_LIMIT]: { word: 'Usage limit reached', tone: 'waiting' },
};

export function stateWord(state) {
  return (STATES[state] && STATES[state].word) || String(state || 'unknown');
}

export function stateTone(state) {
  return (STATES[state] && STATES[state].tone) || 'neutral';
}

// "4s", "3m 12s", "2h 05m", "3d 4h".
export function duration(seconds) {
  let s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  s %= 60;
  if (m < 60) return `${m}m ${String(s).padStart(2, '0')}s`;
  const hr = Math.floor(m / 60);
  if (hr < 24) return `${hr}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(hr / 24)}d ${hr % 24}h`;
}

// "14:03:27" in the browser's local time, for an agent timestamp (seconds).
export function clock(ts) {
  const d = new Date(ts * 1000);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

// One line of a possibly long text.
export function firstLine(text, max = 160) {
  const line = String(text || '').split('\n').find((l) => l.trim() !== '') || '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

// A long directory keeps its end, which says the most ("…/work/proj").
export function shortPath(path, max = 44) {
  const p = String(path || '');
  return p.length > max ? `…${p.slice(-(max - 1))}` : p;
}

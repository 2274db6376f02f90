// history: the ended sessions of this agent (list_transcripts) and the
// replay dialog (player.js) that plays any transcript, ended or live.

import { Action } from './protocol.js';
import { h, replace, $ } from './dom.js';
import { duration, firstLine, shortPath, clock } from './format.js';
import { Player, loadCast } from './player.js';

let conn = null;
let player = null;
let refreshing = null;

// "1:05" or "1:02:05".
function mmss(s) {
  const t = Math.max(0, Math.floor(s));
  const hh = Math.floor(t / 3600), mm = Math.floor((t % 3600) / 60), ss = t % 60;
  const two = (n) => String(n).padStart(2, '0');
  return hh ? `${hh}:${two(mm)}:${two(ss)}` : `${mm}:${two(ss)}`;
}

export function initHistory(c) {
  conn = c;
  $('#player-close').addEventListener('click', closePlayer);
  $('#player-dialog').addEventListener('close', closePlayer);
  $('#player-play').addEventListener('click', () => {
    if (!player) return;
    if (player.playing) player.pause(); else player.play();
  });
  $('#player-speed').addEventListener('change', (ev) => player && player.setSpeed(Number(ev.target.value)));
  $('#player-seek').addEventListener('input', (ev) => {
    if (player) player.seek((Number(ev.target.value) / 1000) * player.duration);
  });
}

// Asks the agent again (at most one request at a time).
export function refreshHistory() {
  if (refreshing || !conn) return refreshing;
  refreshing = conn.request(Action.LIST_TRANSCRIPTS).then((r) => {
    renderHistory((r.transcripts || []).filter((x) => !x.live));
  }).catch(() => {}).finally(() => { refreshing = null; });
  return refreshing;
}

function renderHistory(list) {
  list.sort((a, b) => b.end - a.end);
  $('#history-count').textContent = list.length ? String(list.length) : '';
  $('#history-head').classList.toggle('hidden', list.length === 0);
  replace($('#history-list'), list.map((x) => h('li', {
    class: 'history-row', dataset: { sessionId: x.sessionId },
  }, h('button', {
    type: 'button', class: 'session-open', 'aria-label': `Replay session ${x.sessionId}`,
    on: { click: () => openPlayer(x.sessionId, x) },
  },
  h('div', { class: 'row-top' },
    h('span', { class: 'state-pill tone-muted' }, 'ended'),
    h('span', { class: 'since' }, `${clock(x.start)} · ${duration(x.end - x.start)}`)),
  h('div', { class: 'row-task' }, x.task ? firstLine(x.task, 140) : h('span', { class: 'muted' }, 'No task')),
  h('div', { class: 'row-meta' },
    h('span', { class: 'tool-tag' }, x.tool || '?'),
    h('span', { class: 'mono path', title: x.path || '' }, shortPath(x.path, 40)))))));
}

function tick(p) {
  $('#player-play').textContent = p.playing ? 'Pause' : 'Play';
  $('#player-time').textContent = `${mmss(p.pos)} / ${mmss(p.duration)}`;
  $('#player-seek').value = String(p.duration ? Math.round((p.pos / p.duration) * 1000) : 0);
  for (const li of document.querySelectorAll('#player-markers li')) {
    li.classList.toggle('passed', Number(li.dataset.t) <= p.pos);
  }
}

// Opens the replay of sessionId (info: its list_transcripts entry, if known).
export async function openPlayer(sessionId, info) {
  closePlayer();
  const dlg = $('#player-dialog');
  $('#player-id').textContent = sessionId;
  $('#player-title').textContent = info && info.task ? firstLine(info.task, 80) : 'Replay';
  $('#player-error').textContent = '';
  replace($('#player-markers'));
  replace($('#player-term'));
  if (!dlg.open) dlg.showModal();
  try {
    const cast = await loadCast(conn, sessionId);
    player = new Player($('#player-term'), cast, { onTick: tick });
    if (cast.cut) $('#player-error').textContent = 'Only the start of this long transcript is loaded.';
    replace($('#player-markers'), player.markers.map((m) => h('li', {
      class: `marker marker-${m.kind}`, dataset: { t: String(m.t), kind: m.kind },
    }, h('button', {
      type: 'button', class: 'marker-jump',
      on: { click: () => player && player.seek(m.t) },
    }, h('span', { class: 'mono small' }, mmss(m.t)), ' ', m.label))));
    tick(player);
  } catch (e) {
    $('#player-error').textContent = e && e.message ? e.message : String(e);
  }
}

function closePlayer() {
  if (player) player.dispose();
  player = null;
  const dlg = $('#player-dialog');
  if (dlg.open) dlg.close();
}

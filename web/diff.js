// diff: the review of a worktree session: its changes as files and hunks
// (from the agent's `diff` reply), one turn or all of them against the
// base, and the merge into the base.
//
// The patch is git's unified diff, parsed here into files and hunks; every
// line enters the page as text (dom.js), so a file's content can never be
// markup.
import { Action } from './protocol.js';
import { h, replace, $ } from './dom.js';

// Splits a unified diff into [{path, hunks: [{header, lines: [{kind, text}]}]}].
export function parsePatch(patch) {
  const files = [];
  let file = null;
  let hunk = null;
  for (const line of String(patch || '').split('\n')) {
    if (line.startsWith('diff --git ')) {
      const m = / b\/(.*)$/.exec(line);
      file = { path: m ? m[1] : line.slice(11), hunks: [] };
      files.push(file);
      hunk = null;
    } else if (file && line.startsWith('@@')) {
      hunk = { header: line, lines: [] };
      file.hunks.push(hunk);
    } else if (hunk) {
      const kind = line[0] === '+' ? 'add' : line[0] === '-' ? 'del' : line[0] === '\\' ? 'note' : 'ctx';
      if (line !== '' || kind !== 'ctx') hunk.lines.push({ kind, text: line });
    } else if (file && line.startsWith('Binary files')) {
      file.binary = true;
    }
  }
  return files;
}

const STATUS_WORD = { A: 'added', M: 'modified', D: 'deleted', T: 'type changed' };

// Renders a diff reply into el: the file list with counts, then each file's hunks.
export function renderDiff(el, reply) {
  const stats = new Map((reply.files || []).map((f) => [f.path, f]));
  const parsed = parsePatch(reply.patch);
  if (!(reply.files || []).length) {
    replace(el, h('p', { class: 'muted diff-empty' }, 'No changes.'));
    return;
  }
  replace(el,
    h('ul', { class: 'diff-files' }, (reply.files || []).map((f) => h('li', { class: 'diff-file-row' },
      h('span', { class: `diff-status diff-status-${f.status}`, title: STATUS_WORD[f.status] || f.status }, f.status),
      h('span', { class: 'mono diff-path' }, f.path),
      f.binary ? h('span', { class: 'muted small' }, 'binary')
        : h('span', { class: 'small diff-counts' },
          h('span', { class: 'diff-added' }, `+${f.added || 0}`), ' ',
          h('span', { class: 'diff-deleted' }, `-${f.deleted || 0}`))))),
    parsed.map((f) => h('section', { class: 'diff-file', dataset: { path: f.path } },
      h('h3', { class: 'mono diff-file-head' }, f.path,
        stats.get(f.path) ? h('span', { class: 'muted small' }, ` ${STATUS_WORD[stats.get(f.path).status] || ''}`) : null),
      f.binary ? h('p', { class: 'muted small' }, 'Binary file') : null,
      f.hunks.map((hk) => h('pre', { class: 'diff-hunk' },
        h('span', { class: 'diff-line diff-hunk-head' }, hk.header),
        hk.lines.map((l) => h('span', { class: `diff-line diff-${l.kind}` }, l.text)))))),
    reply.truncated ? h('p', { class: 'muted small' }, 'The patch was cut at the agent’s limit (1 MiB).') : null);
}

// The diff dialog of session s: a turn picker, the changes, a merge button.
export async function openDiff(conn, s) {
  const dialog = $('#diff-dialog');
  let turns = (s.worktree && s.worktree.turns) || 0;
  try {
    // Turns are counted by the agent as tasks are submitted: ask, not guess.
    const r = await conn.request(Action.LIST_WORKTREES, {});
    const w = (r.worktrees || []).find((x) => x.sessionId === s.sessionId);
    if (w) turns = w.turns;
  } catch (e) {
    // The count we have will do.
  }
  const select = $('#diff-turn');
  replace(select, h('option', { value: '0' }, 'Everything against the base'),
    Array.from({ length: turns }, (_, i) => h('option', { value: String(i + 1) }, `Turn ${i + 1}`)));
  $('#diff-title').textContent = s.worktree ? `${s.worktree.branch} → ${s.worktree.base}` : 'Changes';
  $('#diff-result').textContent = '';
  dialog.dataset.session = s.sessionId;
  if (!dialog.open) dialog.showModal();
  await loadDiff(conn);
}

export async function loadDiff(conn) {
  const dialog = $('#diff-dialog');
  const body = $('#diff-body');
  const turn = Number($('#diff-turn').value || 0);
  replace(body, h('p', { class: 'muted' }, 'Loading…'));
  try {
    const r = await conn.request(Action.DIFF, { sessionId: dialog.dataset.session, ...(turn ? { turn } : {}) });
    renderDiff(body, r);
  } catch (e) {
    replace(body, h('p', { class: 'form-error' }, e.message || 'The agent could not make the diff.'));
  }
}

export async function mergeFromDialog(conn) {
  const dialog = $('#diff-dialog');
  const mode = $('#diff-mode').value;
  $('#diff-merge').disabled = true;
  $('#diff-result').textContent = '';
  try {
    const r = await conn.request(Action.MERGE, { sessionId: dialog.dataset.session, mode });
    $('#diff-result').textContent = `Merged ${r.branch} into ${r.base} (${r.mode}): ${String(r.commit).slice(0, 12)}`;
  } catch (e) {
    $('#diff-result').textContent = e.message || 'The merge was refused.';
  } finally {
    $('#diff-merge').disabled = false;
  }
}

// The worktree fields of the new-session form, or undefined when unchecked.
export function worktreeRequest() {
  if (!$('#new-worktree').checked) return undefined;
  const wt = {};
  const branch = $('#new-branch').value.trim();
  const base = $('#new-base').value.trim();
  if (branch) wt.branch = branch;
  if (base) wt.base = base;
  return wt;
}

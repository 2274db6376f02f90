// A worktree session from the page: the new-session form asks for a
// worktree, the detail shows its branch, the Changes view lists the files
// and hunks of everything or of one turn, and Merge lands it in the main
// checkout. A file's content that looks like markup stays text.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { Harness } from './harness.mjs';

const SCRIPT = 'append notes.txt <b>%task</b>\nthink 300\ndone\n';
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t',
  GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
const git = (repo, ...args) => execFileSync('git', ['-C', repo, ...args], { env: GIT_ENV, encoding: 'utf8' });

const t = await Harness.start('worktree', [], (T) => {
  fs.writeFileSync(`${T}/faketool.script`, SCRIPT);
  return { FAKETOOL_SCRIPT: `${T}/faketool.script` };
});
const repo = `${t.T}/repo`;
fs.mkdirSync(repo);
git(repo, 'init', '-q', '-b', 'main');
fs.writeFileSync(`${repo}/notes.txt`, 'first line\n');
git(repo, 'add', 'notes.txt');
git(repo, 'commit', '-q', '-m', 'first');
const page = await t.newPage();

await t.check('the start form has a worktree option with branch and base', async () => {
  await t.signIn(page);
  await page.click('#new-session-btn');
  await page.waitForSelector('#new-dialog[open]');
  assert.ok(!(await page.isVisible('#new-branch')), 'branch hidden until asked for');
  await page.check('#new-worktree');
  assert.ok(await page.isVisible('#new-branch'));
  await page.selectOption('#new-tool', 'fake');
  await page.fill('#new-task', 'from the page');
  await page.fill('#new-path', repo);
  await page.fill('#new-branch', ';rm');
  await page.click('#new-submit');
  await page.waitForFunction(() => /branch/.test(document.querySelector('#new-error').textContent));
  await page.fill('#new-branch', 'feat/web');
  await page.fill('#new-base', 'main');
  await t.screenshot(page, 'new-worktree-form');
  await page.click('#new-submit');
  await page.waitForSelector('#new-dialog', { state: 'hidden' });
  assert.match(await page.textContent('#detail-worktree'), /worktree feat\/web from main/);
});

await t.check('the Changes view lists the file and its hunk, markup as text', async () => {
  await page.waitForFunction(() => document.querySelector('#detail-state').dataset.state === 'done', null, { timeout: 30000 });
  await page.click('#diff-btn');
  await page.waitForSelector('#diff-dialog[open] .diff-file-row');
  assert.match(await page.textContent('.diff-file-row'), /M\s*notes\.txt\s*\+1 -0/);
  const added = await page.$$eval('.diff-line.diff-add', (l) => l.map((x) => x.textContent));
  assert.deepEqual(added, ['+<b>from the page</b>']);
  assert.equal(await page.locator('#diff-body b').count(), 0, 'no <b> element was made');
  const turns = await page.$$eval('#diff-turn option', (o) => o.map((x) => x.textContent));
  assert.deepEqual(turns, ['Everything against the base', 'Turn 1']);
  await page.selectOption('#diff-turn', '1');
  await page.waitForSelector('.diff-line.diff-add');
  await t.screenshot(page, 'diff-view');
});

await t.check('Merge lands the work in the main checkout', async () => {
  await page.click('#diff-merge');
  await page.waitForFunction(() => /Merged feat\/web into main/.test(document.querySelector('#diff-result').textContent));
  assert.match(fs.readFileSync(`${repo}/notes.txt`, 'utf8'), /from the page/);
  await page.click('#diff-merge');
  await page.waitForFunction(() => /nothing/.test(document.querySelector('#diff-result').textContent));
});

await t.check('no CSP violation, no script error, no dialog', async () => {
  assert.deepEqual(t.cspViolations, []);
  assert.deepEqual(t.pageErrors, []);
  assert.deepEqual(t.dialogs, []);
});

await t.finish();

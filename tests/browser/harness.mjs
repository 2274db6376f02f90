// harness: a real cm-agent and a real headless Chromium for one browser spec.
//
// Like tests/integration/agentlib.py and lib.sh (same flags, defaults and
// variables: CM_BUILD_DIR, CM_SOURCE_DIR, CM_AGENT, CM_AGENT_PREFIX): the agent runs from this build on a free
// loopback port with a fresh token and private state, socket and tmux
// directories under a throwaway $T (mode 0700), the fake tool on PATH. At
// the end everything the spec started is stopped (the browser, the agent,
// every tmux server under $T) and $T is removed; logs are printed only when
// a check failed.
//
//   import { Harness } from './harness.mjs';
//   const t = await Harness.start('signin');
//   const page = await t.newPage();
//   await t.check('signs in', async () => { ... });
//   await t.finish();           // prints "N passed, N failed", exits 0 or 1
//
// Screenshots go to $CM_BUILD_DIR/screenshots/<spec>-<name>.png.

import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
if (!process.env.CM_BUILD_DIR) {
  console.error('CM_BUILD_DIR must name the build directory');
  process.exit(2);
}
// Absolute: the agent runs its tools in their sessions' directories.
const BUILD = path.resolve(process.env.CM_BUILD_DIR);
const SOURCE = path.resolve(process.env.CM_SOURCE_DIR || path.join(here, '../..'));
const AGENT = path.resolve(process.env.CM_AGENT || path.join(BUILD, 'src/agent/cm-agent'));
const FAKETOOL = path.resolve(process.env.CM_FAKETOOL || path.join(BUILD, 'tests/faketool/cm-faketool'));
// CM_AGENT_PREFIX runs the agent under a tool (e.g. valgrind), split on blanks.
const PREFIX = (process.env.CM_AGENT_PREFIX || '').split(/\s+/).filter(Boolean);
const CHROMIUM = process.env.CM_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = path.join(BUILD, 'screenshots');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Harness {
  constructor(name) {
    this.name = name;
    this.passed = 0;
    this.failed = 0;
    this.T = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'cmb.'));
    fs.chmodSync(this.T, 0o700);
    this.token = crypto.randomBytes(24).toString('hex');
    this.agent = null;
    this.agentEnv = {};
    this.port = 0;
    this.context = null;
    this.dialogs = []; // every alert/confirm/prompt any page opened
    this.cspViolations = [];
    this.pageErrors = [];
  }

  // agentFlags: extra cm-agent flags; agentEnv: extra environment for the
  // agent and so for its tools (e.g. FAKETOOL_SCRIPT), or a function of $T
  // that returns it (to point at files it writes there first).
  static async start(name, agentFlags = [], agentEnv = {}) {
    const t = new Harness(name);
    t.agentEnv = typeof agentEnv === 'function' ? agentEnv(t.T) : agentEnv;
    process.on('SIGINT', () => t.finish(130));
    process.on('SIGTERM', () => t.finish(143));
    try {
      await t.startAgent(agentFlags);
      await t.startBrowser();
    } catch (e) {
      t.fail(`setup: ${e.message}`);
      await t.finish();
    }
    return t;
  }

  get url() {
    return `http://127.0.0.1:${this.port}/`;
  }

  // Starts cm-agent; with a port, on that port (a restart), else on a free one.
  async startAgent(flags = [], port = 0) {
    const T = this.T;
    fs.writeFileSync(path.join(T, 'token'), `${this.token}\n`, { mode: 0o600 });
    for (const d of ['state', 'sockets', 'work']) fs.mkdirSync(path.join(T, d), { recursive: true, mode: 0o700 });
    const portFile = path.join(T, 'state/agent.port');
    fs.rmSync(portFile, { force: true });
    const log = fs.openSync(path.join(T, 'agent.log'), 'a');
    const env = {
      ...process.env,
      PATH: `${path.dirname(FAKETOOL)}:${process.env.PATH}`,
      TMUX_TMPDIR: T, // never the user's default tmux server
      ...this.agentEnv,
    };
    delete env.TMUX;
    this.agentFlags = flags;
    const argv = [...PREFIX, AGENT,
      '--port', String(port), '--bind', '127.0.0.1', '--token-file', path.join(T, 'token'),
      '--state-dir', path.join(T, 'state'), '--socket-dir', path.join(T, 'sockets'),
      '--profiles-dir', path.join(SOURCE, 'profiles'), '--profiles-dir', path.join(SOURCE, 'tests/profiles'),
      '--log-level', 'debug', ...flags];
    this.agent = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    let exited = false;
    this.agent.once('exit', () => { exited = true; });
    for (let i = 0; i < (PREFIX.length ? 1200 : 200); i++) {
      if (exited) throw new Error(`agent exited at start:\n${this.tail('agent.log', 30)}`);
      if (fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim()) {
        this.port = Number(fs.readFileSync(portFile, 'utf8').trim());
        // The port file is written once the agent listens; wait for HTTP to answer.
        for (let j = 0; j < 100; j++) {
          try {
            const r = await fetch(`http://127.0.0.1:${this.port}/healthz`);
            await r.arrayBuffer();
            return;
          } catch (e) {
            await sleep(50);
          }
        }
        throw new Error('agent does not answer HTTP');
      }
      await sleep(50);
    }
    throw new Error('agent did not start listening');
  }

  // Stops the agent (TERM) and waits for it.
  async stopAgent(signal = 'SIGTERM') {
    const a = this.agent;
    this.agent = null;
    if (!a || a.exitCode !== null || a.signalCode !== null) return;
    const done = new Promise((r) => a.once('exit', r));
    a.kill(signal);
    const t = setTimeout(() => a.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(t);
  }

  // Stops the agent and starts it again on the same port with the same state.
  async restartAgent() {
    const port = this.port;
    await this.stopAgent();
    await this.startAgent(this.agentFlags, port);
  }

  async startBrowser() {
    let chromium;
    try {
      ({ chromium } = await import('playwright-core'));
    } catch (e) {
      throw new Error('playwright-core is missing: run scripts/install-deps.sh '
        + '(npm ci --prefix tests/browser --no-audit --no-fund)');
    }
    const profile = path.join(this.T, 'chromium');
    fs.mkdirSync(profile, { mode: 0o700 });
    this.context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1440, height: 900 },
      // The HTTPS checks (cm dashboard --tls-cert) use a self-signed certificate.
      ignoreHTTPSErrors: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    // Generous: a loaded CI machine runs the suite two tests at a time, some under ASan.
    this.context.setDefaultTimeout(30000);
  }

  // A new tab, watched for dialogs (alert() would mean injected script ran),
  // CSP violations and uncaught errors.
  async newPage() {
    const page = await this.context.newPage();
    page.on('dialog', (d) => {
      this.dialogs.push(`${d.type()}: ${d.message()}`);
      d.dismiss().catch(() => {});
    });
    page.on('pageerror', (e) => this.pageErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) this.cspViolations.push(m.text());
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    return page;
  }

  // Loads the dashboard and signs in with the agent's token.
  async signIn(page) {
    await page.goto(this.url);
    await page.fill('#token-input', this.token);
    await page.click('#signin-btn');
    await page.waitForSelector('#app-view:not(.hidden)');
    await page.waitForSelector('#conn-status.conn-online');
  }

  async screenshot(page, name) {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const file = path.join(SCREENSHOTS, `${this.name}-${name}.png`);
    await page.screenshot({ path: file });
    console.log(`screenshot: ${file}`);
    return file;
  }

  pass(what) {
    this.passed++;
    console.log(`PASS: ${this.name}: ${what}`);
  }

  fail(what) {
    this.failed++;
    console.log(`FAIL: ${this.name}: ${what}`);
  }

  // Runs one check; a failure is counted and the spec goes on.
  async check(what, fn) {
    try {
      await fn();
      this.pass(what);
      return true;
    } catch (e) {
      this.fail(`${what}: ${(e && e.message ? e.message : String(e)).split('\n').slice(0, 6).join('\n')}`);
      return false;
    }
  }

  tail(file, n) {
    try {
      return fs.readFileSync(path.join(this.T, file), 'utf8').split('\n').slice(-n).join('\n');
    } catch (e) {
      return '';
    }
  }

  // Kills every tmux server the agent started under $T.
  killTmux() {
    const dirs = [path.join(this.T, 'sockets')];
    for (const d of fs.existsSync(this.T) ? fs.readdirSync(this.T) : []) {
      if (d.startsWith('tmux-')) dirs.push(path.join(this.T, d));
    }
    for (const dir of dirs) {
      if (!fs.existsSync(dir)) continue;
      for (const f of fs.readdirSync(dir)) {
        const s = path.join(dir, f);
        try {
          if (fs.statSync(s).isSocket()) spawnSync('tmux', ['-S', s, 'kill-server'], { stdio: 'ignore', timeout: 5000 });
        } catch (e) {
          /* gone already */
        }
      }
    }
  }

  // Stops everything, prints the closing line and exits.
  async finish(code) {
    if (this.finishing) return;
    this.finishing = true;
    try {
      if (this.context) await this.context.close();
    } catch (e) {
      /* the browser is gone already */
    }
    await this.stopAgent();
    this.killTmux();
    if (this.failed > 0) {
      console.log(`---- ${path.join(this.T, 'agent.log')} (last 80 lines)`);
      console.log(this.tail('agent.log', 80));
    }
    fs.rmSync(this.T, { recursive: true, force: true });
    console.log(`${this.passed} passed, ${this.failed} failed`);
    process.exit(code ?? (this.failed > 0 ? 1 : 0));
  }
}

export { sleep };

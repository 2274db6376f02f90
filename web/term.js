// term: the live terminal of one session (xterm.js).
//
// The screen comes from `output_subscribed` (a snapshot with escapes), then
// from binary output frames, written to xterm.js as they come. The terminal
// is read-only (disableStdin) until the person clicks "Type"; then each
// keystroke goes out as send_keys (see keys.js), and the terminal is fitted
// to its box and the session resized to match. Read-only, it keeps the
// session's own size and shrinks its font to fit the width.
//
// CSP: xterm.js 6's DOM renderer writes its dynamic CSS into <style>
// elements, which `style-src 'self'` blocks (xterm.js issues #4445, #4133).
// installStyleShim() hands xterm.js an inert <cm-style> element instead and
// routes its text into a constructed stylesheet (document.adoptedStyleSheets),
// which CSP allows, so the page keeps its strict policy, logs no violation,
// and the terminal renders as intended. Nothing else in the page creates
// <style> elements.

import { Action } from './protocol.js';
import { Terminal } from './vendor/xterm.mjs';
import { FitAddon } from './vendor/addon-fit.mjs';
import { toRequests } from './keys.js';

let shimInstalled = false;

export function installStyleShim() {
  if (shimInstalled || !('adoptedStyleSheets' in Document.prototype)) return;
  shimInstalled = true;
  const create = Document.prototype.createElement;
  Document.prototype.createElement = function createElement(tag, options) {
    if (String(tag).toLowerCase() !== 'style') return create.call(this, tag, options);
    // An inert stand-in (even an empty <style> is refused by CSP): its text
    // becomes the rules of a constructed sheet; removing it drops the sheet.
    const doc = this;
    const el = create.call(this, 'cm-style', options);
    const sheet = new CSSStyleSheet();
    let text = '';
    doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
    Object.defineProperty(el, 'textContent', {
      configurable: true,
      get() { return text; },
      set(v) { text = String(v); sheet.replaceSync(text); },
    });
    const remove = el.remove.bind(el);
    el.remove = () => {
      doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((x) => x !== sheet);
      remove();
    };
    return el;
  };
}

const THEME = {
  background: '#0b0f14',
  foreground: '#d7dde5',
  cursor: '#d7dde5',
  cursorAccent: '#0b0f14',
  selectionBackground: '#2d4f7c',
  black: '#1b2029', red: '#e5534b', green: '#57ab5a', yellow: '#c69026',
  blue: '#539bf5', magenta: '#b083f0', cyan: '#39c5cf', white: '#adbac7',
  brightBlack: '#636e7b', brightRed: '#ff938a', brightGreen: '#6bc46d', brightYellow: '#daaa3f',
  brightBlue: '#6cb6ff', brightMagenta: '#dcbdfb', brightCyan: '#56d4dd', brightWhite: '#cdd9e5',
};

const BASE_FONT = 14;
const MIN_FONT = 8; // below this the box scrolls sideways instead

export class TermView {
  // box: the element to draw in; conn: Conn; sessionId; onTypingChange(bool)
  constructor(box, conn, sessionId, { onTypingChange, onError } = {}) {
    installStyleShim();
    this.box = box;
    this.conn = conn;
    this.sessionId = sessionId;
    this.typing = false;
    this.onTypingChange = onTypingChange || (() => {});
    this.onError = onError || (() => {});
    this.cols = 120;
    this.rows = 40;
    this.sendChain = Promise.resolve();
    this.term = new Terminal({
      cols: this.cols,
      rows: this.rows,
      disableStdin: true,
      cursorBlink: false,
      convertEol: false,
      scrollback: 2000,
      fontSize: BASE_FONT,
      fontFamily: "'DejaVu Sans Mono', 'Menlo', 'Consolas', 'Liberation Mono', monospace",
      theme: THEME,
      allowProposedApi: false,
    });
    this.fit = new FitAddon();
    this.term.loadAddon(this.fit);
    this.term.open(box);
    this.term.onData((data) => this.onData(data));
    this.resizeObserver = new ResizeObserver(() => this.layout());
    this.resizeObserver.observe(box);
  }

  // Asks the agent for the screen and the live output. The box counts the
  // subscriptions drawn (data-subscribed), so that a test or a tool can tell
  // that the terminal follows the current connection.
  async subscribe() {
    const msg = await this.conn.request(Action.SUBSCRIBE_OUTPUT, { sessionId: this.sessionId });
    this.showSnapshot(msg);
    this.box.dataset.subscribed = String(Number(this.box.dataset.subscribed || 0) + 1);
  }

  // Draws a snapshot (output_subscribed or output_snapshot).
  showSnapshot(msg) {
    if (msg.cols && msg.rows) this.setSize(msg.cols, msg.rows);
    this.term.reset();
    const snap = String(msg.snapshot || '').replace(/\r?\n$/, '');
    this.term.write(snap.replace(/\r?\n/g, '\r\n'));
    if (msg.cursor && Number.isInteger(msg.cursor.x) && Number.isInteger(msg.cursor.y)) {
      this.term.write(`\x1b[${msg.cursor.y + 1};${msg.cursor.x + 1}H`);
    }
  }

  write(bytes) {
    this.term.write(bytes);
  }

  setSize(cols, rows) {
    this.cols = cols;
    this.rows = rows;
    if (!this.typing) {
      this.term.resize(cols, rows);
      this.layout();
    }
  }

  // Read-only: the session's size, font shrunk to fit the width.
  // Typing: the box's size, sent to the session (debounced).
  layout() {
    if (!this.box.isConnected || this.box.clientWidth === 0) return;
    if (this.typing) {
      if (this.term.options.fontSize !== BASE_FONT) this.term.options.fontSize = BASE_FONT;
      const dims = this.fit.proposeDimensions();
      if (!dims || !dims.cols || !dims.rows) return;
      const cols = Math.max(20, Math.min(dims.cols, 1000));
      const rows = Math.max(5, Math.min(dims.rows, 500));
      if (cols !== this.term.cols || rows !== this.term.rows) this.term.resize(cols, rows);
      clearTimeout(this.resizeTimer);
      this.resizeTimer = setTimeout(() => this.sendResize(cols, rows), 150);
      return;
    }
    const cell = this.cellWidth();
    if (!cell) return;
    const width = this.box.clientWidth - 8;
    const want = Math.floor((BASE_FONT * width) / (cell * this.cols) * 100) / 100;
    const size = Math.max(MIN_FONT, Math.min(BASE_FONT, want));
    if (Math.abs(size - this.term.options.fontSize) > 0.05) this.term.options.fontSize = size;
  }

  // Width of one cell at the current font size, scaled to BASE_FONT.
  cellWidth() {
    const core = this.term.element && this.term.element.querySelector('.xterm-screen');
    if (!core || !this.term.cols) return 0;
    return (core.getBoundingClientRect().width / this.term.cols) * (BASE_FONT / this.term.options.fontSize);
  }

  sendResize(cols, rows) {
    if (cols === this.cols && rows === this.rows) return;
    this.cols = cols;
    this.rows = rows;
    // data-size: the size the agent has made the session (its reply).
    this.conn.request(Action.RESIZE, { sessionId: this.sessionId, cols, rows })
      .then(() => { this.box.dataset.size = `${cols}x${rows}`; })
      .catch((e) => this.onError(e));
  }

  setTyping(on) {
    this.typing = on;
    this.term.options.disableStdin = !on;
    this.term.options.cursorBlink = on;
    this.box.classList.toggle('typing', on);
    if (on) this.term.focus();
    else this.term.blur();
    this.layout();
    this.onTypingChange(on);
  }

  // Keystrokes go out one request at a time, in order.
  onData(data) {
    if (!this.typing) return;
    for (const req of toRequests(data)) {
      this.sendChain = this.sendChain
        .then(() => this.conn.request(Action.SEND_KEYS, { sessionId: this.sessionId, ...req }))
        .catch((e) => this.onError(e));
    }
  }

  dispose() {
    clearTimeout(this.resizeTimer);
    this.resizeObserver.disconnect();
    this.conn.request(Action.UNSUBSCRIBE_OUTPUT, { sessionId: this.sessionId }).catch(() => {});
    this.term.dispose();
  }
}

// keys: what xterm.js says was typed -> send_keys requests.
//
// xterm.js reports keystrokes as the bytes a terminal would send (text, or
// escape sequences such as "\x1b[A" for the Up arrow). The agent takes
// literal text in `keys` and one named key in `key` (tmux key names, see
// docs/PROTOCOL.md), so the bytes are cut into text runs and named keys; a
// run of text followed by a key travels as one request.

const SEQUENCES = {
  '\x1b[A': 'Up', '\x1b[B': 'Down', '\x1b[C': 'Right', '\x1b[D': 'Left',
  '\x1bOA': 'Up', '\x1bOB': 'Down', '\x1bOC': 'Right', '\x1bOD': 'Left',
  '\x1b[H': 'Home', '\x1b[F': 'End', '\x1bOH': 'Home', '\x1bOF': 'End',
  '\x1b[1~': 'Home', '\x1b[4~': 'End', '\x1b[2~': 'IC', '\x1b[3~': 'DC',
  '\x1b[5~': 'PageUp', '\x1b[6~': 'PageDown', '\x1b[Z': 'BTab',
  '\x1bOP': 'F1', '\x1bOQ': 'F2', '\x1bOR': 'F3', '\x1bOS': 'F4',
  '\x1b[15~': 'F5', '\x1b[17~': 'F6', '\x1b[18~': 'F7', '\x1b[19~': 'F8',
  '\x1b[20~': 'F9', '\x1b[21~': 'F10', '\x1b[23~': 'F11', '\x1b[24~': 'F12',
};

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

// Named key for one control byte.
function controlKey(c) {
  const code = c.charCodeAt(0);
  if (c === '\r' || c === '\n') return 'Enter';
  if (c === '\t') return 'Tab';
  if (c === '\x7f' || c === '\b') return 'BSpace';
  if (c === '\x1b') return 'Escape';
  if (code === 0) return 'C-Space';
  if (code >= 1 && code <= 26) return `C-${String.fromCharCode(code + 96)}`;
  return null;
}

// Cuts terminal input into [{keys?, key?}] requests, in order.
export function toRequests(data) {
  const out = [];
  let text = '';
  const key = (name) => {
    out.push(text ? { keys: text, key: name } : { key: name });
    text = '';
  };
  let i = 0;
  while (i < data.length) {
    if (data.startsWith(PASTE_START, i)) {
      // A paste (bracketed by xterm.js when the tool asked for it): literal text.
      const end = data.indexOf(PASTE_END, i + PASTE_START.length);
      const stop = end < 0 ? data.length : end;
      text += data.slice(i + PASTE_START.length, stop);
      i = end < 0 ? data.length : end + PASTE_END.length;
      continue;
    }
    const c = data[i];
    if (c === '\x1b') {
      const seq = Object.keys(SEQUENCES).find((s) => data.startsWith(s, i));
      if (seq) {
        key(SEQUENCES[seq]);
        i += seq.length;
        continue;
      }
      const next = data[i + 1];
      if (next !== undefined && next >= ' ' && next !== '\x7f' && next !== '[' && next !== 'O') {
        key(`M-${next}`); // Alt+key
        i += 2;
        continue;
      }
      key('Escape');
      i += 1;
      continue;
    }
    const name = c < ' ' || c === '\x7f' ? controlKey(c) : null;
    if (name) key(name);
    else if (c >= ' ') text += c;
    i += 1;
  }
  if (text) out.push({ keys: text });
  return out;
}

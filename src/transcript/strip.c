/*
 * strip: text mode's escape-sequence remover. A small state machine after
 * ECMA-48 (CSI, OSC ended by BEL or ST, DCS/SOS/PM/APC strings ended by ST,
 * two-byte escapes, ESC with intermediates), not a terminal emulator:
 * cursor movement is not applied, so a redrawn screen reads as the text
 * drawn, in order. Line breaks: CRLF and LF are one break, a lone CR (a
 * line redrawn in place) is a break too; other C0 controls, DEL and
 * backspace are dropped, TAB is kept. 8-bit C1 controls are not recognised
 * (in UTF-8 those bytes are continuation bytes). The state survives across
 * chunks, so a sequence split between two writes is still removed.
 */
#include "transcript/tr-internal.h"

enum {
	ST_GROUND,
	ST_ESC,	    /* after ESC */
	ST_ESC_INT, /* ESC then intermediates (0x20-0x2f): up to a final byte */
	ST_CSI,
	ST_OSC,
	ST_OSC_ESC, /* ESC inside an OSC: ST if '\' follows */
	ST_STR,	    /* DCS, SOS, PM, APC: up to ST */
	ST_STR_ESC,
};

void
tr_strip_feed(struct tr_strip *st, const char *s, size_t len, struct buf *out)
{
	size_t run = 0; /* printable bytes waiting to be copied, ending at i */

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (st->state == ST_GROUND && c >= 0x20 && c != 0x7f) {
			if (st->cr) {
				buf_append(out, "\n", 1);
				st->cr = 0;
			}
			run++;
			continue;
		}
		if (run > 0) {
			buf_append(out, s + i - run, run);
			run = 0;
		}
		if (c == 0x18 || c == 0x1a) { /* CAN, SUB: abort any sequence */
			st->state = ST_GROUND;
			continue;
		}
	again:
		switch (st->state) {
		case ST_GROUND:
			if (c == 0x1b)
				st->state = ST_ESC;
			else if (c == '\r')
				st->cr = 1;
			else if (c == '\n') {
				buf_append(out, "\n", 1);
				st->cr = 0;
			} else if (c == '\t') {
				if (st->cr)
					buf_append(out, "\n", 1);
				st->cr = 0;
				buf_append(out, "\t", 1);
			}
			break;
		case ST_ESC:
			if (c == '[')
				st->state = ST_CSI;
			else if (c == ']')
				st->state = ST_OSC;
			else if (c == 'P' || c == 'X' || c == '^' || c == '_')
				st->state = ST_STR;
			else if (c >= 0x20 && c <= 0x2f)
				st->state = ST_ESC_INT;
			else if (c == 0x1b)
				st->state = ST_ESC;
			else
				st->state = ST_GROUND; /* a two-byte escape, or junk */
			break;
		case ST_ESC_INT:
			if (c == 0x1b)
				st->state = ST_ESC;
			else if (c < 0x20 || c > 0x2f)
				st->state = ST_GROUND;
			break;
		case ST_CSI:
			if (c == 0x1b)
				st->state = ST_ESC;
			else if (c >= 0x40 && c <= 0x7e)
				st->state = ST_GROUND;
			else if (c >= 0x80)
				st->state = ST_GROUND; /* not a CSI after all */
			break;			       /* parameters, intermediates, C0: inside */
		case ST_OSC:
			if (c == 0x07)
				st->state = ST_GROUND;
			else if (c == 0x1b)
				st->state = ST_OSC_ESC;
			break;
		case ST_STR:
			if (c == 0x1b)
				st->state = ST_STR_ESC;
			break;
		case ST_OSC_ESC:
		case ST_STR_ESC:
			if (c == '\\') {
				st->state = ST_GROUND;
				break;
			}
			st->state = ST_ESC; /* an ESC that starts a new sequence */
			goto again;
		}
	}
	if (run > 0)
		buf_append(out, s + len - run, run);
}

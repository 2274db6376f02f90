/*
 * msg: composing a notification from an event (see msg.h).
 */
#include "msg.h"

#include <string.h>

#include "common/buf.h"
#include "common/utf8.h"
#include "common/xmalloc.h"
#include "kind.h"

/* What each kind says, its ntfy priority and tag. */
static const struct {
	unsigned kind;
	const char *says;
	int priority;
	const char *tag;
} notify_words[] = {
    {NOTIFY_NEEDS_PERSON, "needs a person", 4, "raising_hand"},
    {NOTIFY_DONE, "done", 3, "white_check_mark"},
    {NOTIFY_ERROR, "shows an error", 4, "x"},
    {NOTIFY_EXITED, "exited", 3, "stop_sign"},
    {NOTIFY_STALLED, "is stalled", 4, "hourglass"},
    {NOTIFY_USAGE_LIMIT, "hit a usage limit", 4, "no_entry"},
    {NOTIFY_RECOVERED, "recovered", 2, "arrows_counterclockwise"},
};

/* The longest prefix of s of at most max bytes that ends on a character boundary. */
static size_t
notify_prefix_len(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* Appends "Label: text" with text cut to max bytes on a character boundary. */
static void
notify_line(struct buf *b, const char *label, const char *text, size_t max)
{
	size_t len;

	if (!text || !*text)
		return;
	len = notify_prefix_len(text, max);
	if (b->len)
		buf_append(b, "\n", 1);
	buf_printf(b, "%s: %.*s%s", label, (int)len, text, len < strlen(text) ? "…" : "");
}

/* A copy of s valid as UTF-8, cut to max bytes. */
static char *
notify_clean(const char *s, size_t max)
{
	char *v = utf8_repair(s, strlen(s));

	v[notify_prefix_len(v, max)] = '\0';
	return v;
}

/* Composes title, body, link and JSON. */
void
notify_msg_compose(struct notify_msg *m, const struct notify_about *a)
{
	const json_t *ev = a->event;
	const char *sid = json_string_value(json_object_get(ev, "sessionId"));
	const char *says = "has news";
	struct buf b;
	json_t *doc;
	size_t i;
	char *t;

	memset(m, 0, sizeof(*m));
	m->kind = a->kind;
	m->priority = 3;
	m->tag = "bell";
	for (i = 0; i < sizeof(notify_words) / sizeof(notify_words[0]); i++)
		if (notify_words[i].kind == a->kind) {
			says = notify_words[i].says;
			m->priority = notify_words[i].priority;
			m->tag = notify_words[i].tag;
		}
	t = xasprintf("%s/%s: %s", a->context ? a->context : "agent", sid ? sid : "agent", says);
	m->title = notify_clean(t, NOTIFY_TITLE_MAX);
	free(t);

	buf_init(&b, NOTIFY_BODY_MAX * 2);
	notify_line(&b, "Task", a->task, 400);
	notify_line(&b, "Prompt", json_string_value(json_object_get(ev, "prompt")), 400);
	notify_line(&b, "Command", json_string_value(json_object_get(ev, "command")), 1200);
	notify_line(&b, "Why", json_string_value(json_object_get(ev, "reason")), 400);
	if (a->kind == NOTIFY_ERROR || a->kind == NOTIFY_USAGE_LIMIT || a->kind == NOTIFY_STALLED)
		notify_line(&b, "Screen", json_string_value(json_object_get(ev, "evidence")), 600);
	if (json_is_integer(json_object_get(ev, "exitStatus")))
		buf_printf(&b, "%sExit status: %lld", b.len ? "\n" : "",
			   (long long)json_integer_value(json_object_get(ev, "exitStatus")));
	if (a->tool && *a->tool)
		buf_printf(&b, "%sTool: %.64s", b.len ? "\n" : "", a->tool);
	if (a->suppressed)
		buf_printf(&b, "%s(%u more of this session held back by the rate limit)",
			   b.len ? "\n" : "", a->suppressed);
	if (!b.len)
		buf_printf(&b, "%s", m->title);
	m->body = notify_clean(b.data, NOTIFY_BODY_MAX);
	buf_release(&b);
	if (a->dashboard && *a->dashboard && sid)
		m->click = xasprintf("%s#%s/%s", a->dashboard, a->context ? a->context : "", sid);

	doc =
	    json_pack("{s:s?, s:s?, s:s?, s:s, s:s}", "kind", notify_kind_name(a->kind), "context",
		      a->context, "sessionId", sid, "title", m->title, "message", m->body);
	if (m->click)
		json_object_set_new(doc, "url", json_string(m->click));
	if (a->task)
		json_object_set_new(doc, "task", json_string(a->task));
	if (a->tool)
		json_object_set_new(doc, "tool", json_string(a->tool));
	if (a->suppressed)
		json_object_set_new(doc, "suppressed", json_integer(a->suppressed));
	json_object_set(doc, "event", (json_t *)ev);
	m->json = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(doc);
}

/* A deep copy. */
void
notify_msg_copy(struct notify_msg *dst, const struct notify_msg *src)
{
	*dst = *src;
	dst->title = xstrdup(src->title);
	dst->body = xstrdup(src->body);
	dst->click = src->click ? xstrdup(src->click) : NULL;
	dst->json = xstrdup(src->json);
}

/* Frees a notification. */
void
notify_msg_release(struct notify_msg *m)
{
	free(m->title);
	free(m->body);
	free(m->click);
	free(m->json);
	memset(m, 0, sizeof(*m));
}

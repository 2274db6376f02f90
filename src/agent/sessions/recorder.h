/*
 * recorder: every session's transcript (src/transcript), kept while the
 * agent runs and after the session is gone.
 *
 * Wired in at start as one bus sink (sink.h) and one tap (tap.h), so
 * nothing else in the session layer knows about transcripts:
 *   - session_created opens a session's transcript; agent_started opens
 *     those of the re-adopted sessions, which append to what they had;
 *     a session's first output opens it too if neither did (a session
 *     re-attached after its control client died);
 *   - the output tap records what the tool wrote, and a window size that
 *     changed since the last output as a resize;
 *   - the input tap records what a client typed, with who it was;
 *     prompt_answered and auto_confirmed record the answer's keys as input
 *     (who: the client, or "auto"); confirm_needed and state_change are
 *     markers;
 *   - session_exited and session_killed close the transcript; the files
 *     stay, under the store's retention (total size, age).
 * The store's writer thread does all file work: nothing here blocks the
 * loop. Its events (a full disk, room again, I/O errors, dropped data) are
 * logged, and a full disk or its end is published as recording_stopped /
 * recording_resumed; sessions keep running either way.
 */
#ifndef CM_AGENT_SESSIONS_RECORDER_H
#define CM_AGENT_SESSIONS_RECORDER_H

#include "agent/sessions/completion.h"
#include "transcript/transcript.h"

struct sessions;
struct recorder;

/*
 * Opens the store in dir with limits and registers the sink and the tap
 * on set. Returns 0, or an error with the reason in why (recording is then
 * off and the agent runs without it).
 */
int recorder_start(struct sessions *set, const char *dir, const struct transcript_limits *limits,
		   char why[TRANSCRIPT_WHY_MAX]);
/* Closes every transcript and the store (after the sessions were detached). */
void recorder_stop(struct sessions *set);
/*
 * A read should see all of an ended session's transcript, but the writer
 * may still be behind on it (a flood queues tens of megabytes); and a
 * session just created has a transcript whose file the writer may not
 * have made yet. Returns 0 when the transcripts of ids (nids 0: of every
 * session) can be read now (recorded and on disk, written whole, or not
 * known); else 1, and done is called (err 0, no result) once they can, or
 * after 10 s at most, or with COMPLETION_DROPPED when recording stops
 * first.
 */
int recorder_when_written(struct sessions *set, const char *const *ids, size_t nids,
			  struct completion done);
/* The store, for reading, searching and deleting; NULL when recording is off. */
struct transcript_store *recorder_store(const struct sessions *set);

#endif

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
/* The store, for reading, searching and deleting; NULL when recording is off. */
struct transcript_store *recorder_store(const struct sessions *set);

#endif

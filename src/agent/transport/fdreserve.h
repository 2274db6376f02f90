/*
 * fdreserve: what the agent does when it runs out of file descriptors.
 *
 * libwebsockets owns accept(). When accept() fails with EMFILE or ENFILE
 * the pending connection stays in the listen queue, the listening socket
 * stays readable, and lws retries at once and logs "accept: errno 24" each
 * time: 100% CPU and megabytes of log a second. So the agent keeps one
 * descriptor in reserve (/dev/null). When lws reports that accept failed
 * (the listener routes lws's log line here), the reserve is closed, the
 * waiting connections are accepted and closed at once (the peers see a
 * reset rather than a hang), and the reserve is opened again. The warning
 * is logged at most once every FDRESERVE_LOG_EVERY seconds, with a count.
 */
#ifndef CM_AGENT_FDRESERVE_H
#define CM_AGENT_FDRESERVE_H

#define FDRESERVE_LOG_EVERY 10 /* seconds between two warnings */

/* Opens the reserve and notes the listening sockets (after they exist). */
void fdreserve_init(void);
/* lws failed to accept (its errno given): shed the waiting connections. */
void fdreserve_accept_failed(int err);
/* Closes the reserve. */
void fdreserve_release(void);

#endif

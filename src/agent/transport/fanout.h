/*
 * fanout: the event sink that queues every event to every authenticated
 * client (registered at start with bus_add_sink, arg: the agent).
 *
 * An event is encoded once by the bus; each client's queue takes a
 * reference to the same frame. The requester an event answers
 * (session_created, session_killed) is left out: it gets the event as its
 * reply, with its request id (dispatch.h, req_later).
 */
#ifndef CM_AGENT_TRANSPORT_FANOUT_H
#define CM_AGENT_TRANSPORT_FANOUT_H

#include "agent/sessions/sink.h"

void conn_fanout(void *arg, const struct event *ev);

#endif

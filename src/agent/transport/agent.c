/*
 * agent: the process-wide agent and the config's extra danger rules (see
 * agent.h). Defined here rather than in main.c so that tests and fuzzers
 * link the same modules the daemon runs.
 */
#include "agent/transport/agent.h"

struct agent *agent_self;
struct danger_rules *agent_danger_rules;

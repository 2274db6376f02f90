/*
 * link: the real control client behind the session layer's seam (see link.h).
 */
#include "agent/tmux/link.h"

const struct tmux_link tmux_link_tmuxcc = {
    .spawn = tmuxcc_client_spawn,
    .rfd = tmuxcc_client_rfd,
    .wfd = tmuxcc_client_wfd,
    .pid = tmuxcc_client_pid,
    .on_readable = tmuxcc_client_on_readable,
    .on_writable = tmuxcc_client_on_writable,
    .command = tmuxcc_client_command,
    .cancel = tmuxcc_client_cancel,
    .close = tmuxcc_client_close,
    .free = tmuxcc_client_free,
};

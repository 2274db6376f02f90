/*
 * wt-registry: the worktrees the agent made, one record per session, kept
 * in STATE_DIR/worktrees/SESSION.json (0600, written atomically) so that
 * they outlive their sessions: a killed session's worktree stays (with its
 * branch and snapshots) until `worktree_clean` removes it. Loop thread
 * only.
 *
 * A record holds the main checkout (repo), the worktree's path, branch,
 * base and the base's commit at creation, whether the branch was made for
 * it, its index (CM_WORKTREE_INDEX: the lowest number no other record
 * holds, from 1) and the snapshot of each turn (a tree id per submitted
 * task, in order).
 */
#ifndef CM_AGENT_WORKTREE_WT_REGISTRY_H
#define CM_AGENT_WORKTREE_WT_REGISTRY_H

#include <jansson.h>
#include <stddef.h>
#include <sys/queue.h>

#define WT_TURNS_MAX 10000 /* snapshots kept per worktree */

struct wt_entry {
	TAILQ_ENTRY(wt_entry) entry;
	char *sid;	    /* the session */
	char *repo;	    /* main checkout */
	char *path;	    /* the worktree */
	char *branch;	    /* its branch */
	char *base;	    /* what it merges into */
	char *base_commit;  /* the base's commit when the worktree was made */
	int created_branch; /* the branch was made for it (removed with it) */
	int index;	    /* CM_WORKTREE_INDEX */
	double created;	    /* wall time */
	json_t *turns;	    /* [{"turn": N, "tree": ID, "at": T}] */
	int busy;	    /* a merge or removal is running */
};

struct wt_registry {
	char *dir; /* STATE_DIR/worktrees */
	TAILQ_HEAD(, wt_entry) list;
};

/* Loads every record under state_dir (made 0700 if missing). */
int wt_registry_init(struct wt_registry *reg, const char *state_dir);
void wt_registry_release(struct wt_registry *reg);
/* The record of a session, or NULL. */
struct wt_entry *wt_registry_find(struct wt_registry *reg, const char *sid);
/* The lowest index no record holds, from 1. */
int wt_registry_next_index(struct wt_registry *reg);
/* Adds e (taken over) and saves it. */
void wt_registry_add(struct wt_registry *reg, struct wt_entry *e);
/* Writes e's record. */
void wt_registry_save(struct wt_registry *reg, struct wt_entry *e);
/* Removes and frees e and its record. */
void wt_registry_remove(struct wt_registry *reg, struct wt_entry *e);
/* Appends a turn's snapshot (and saves); returns the turn number. */
int wt_entry_add_turn(struct wt_registry *reg, struct wt_entry *e, const char *tree, double at);
/* The tree of turn n (1-based), or NULL. */
const char *wt_entry_turn_tree(const struct wt_entry *e, int n);
/* The protocol's worktree object: {path, branch, base, index, turns}. */
json_t *wt_entry_json(const struct wt_entry *e);
void wt_entry_free(struct wt_entry *e);

#endif

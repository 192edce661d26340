/*
 * Shared types of the zero_copy addon: the relay loop (relay_loop.c, runs on its own thread)
 * and the Node-API surface (addon.c, runs on the JS thread).
 *
 * Ownership, the invariant everything else relies on: a pair is freed only when its reference
 * count drops to zero. References are held by the loop (from start() until completion has been
 * handed to JS, or until a parked pair is discarded), by the JS external (until it is garbage
 * collected) and by a queued cancel.
 */
#ifndef INFRARUST_RELAY_LOOP_H
#define INFRARUST_RELAY_LOOP_H

#define NAPI_VERSION 8
#include <node_api.h>

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Same pipe size as Infrarust's splice forwarder ("Zero-copy forwarding"). */
#define PIPE_CAPACITY (64 * 1024)

enum { SIDE_CLIENT = 0, SIDE_BACKEND = 1 };
enum js_state { JS_PARKED, JS_RUNNING, JS_DONE };
enum reason { R_NONE, R_CLIENT_CLOSED, R_BACKEND_CLOSED, R_IDLE, R_CANCELLED, R_ERROR };

typedef struct node {
  struct node *prev, *next;
} node; /* intrusive circular list, loop thread only */

/* Direction i reads from side i and writes to side 1 - i: 0 = client->backend, 1 = backend->client. */
typedef struct direction {
  int pipe_r, pipe_w;
  size_t in_pipe; /* bytes spliced in and not yet spliced out */
  bool eof;       /* the source returned 0 */
  bool done;      /* eof seen, pipe drained, destination shut down for writing */
  bool ready;     /* budget ran out with work left: queued on the loop's ready list */
  uint64_t moved; /* bytes delivered to the destination; atomic, JS reads it live */
} direction;

struct pair;
typedef struct endpoint {
  struct pair *pair;
  int side;
} endpoint; /* epoll_event.data.ptr */

typedef struct pair {
  node active, ready;                  /* loop thread */
  struct pair *add_next, *cancel_next; /* under loop.mu */
  struct pair *done_next;              /* loop thread */
  int fd[2];                           /* our dup()s of the client and backend sockets */
  direction dir[2];
  endpoint ep[2];
  bool registered, finished;           /* loop thread */
  int first_closed;                    /* side whose EOF came first, or -1 */
  uint64_t idle_ms, last_activity_ms;
  int reason, error_side;
  char error[200];
  int refs;          /* atomic */
  int cancel_queued; /* atomic flag: at most one queued cancel */
  int js_state;      /* JS thread: JS_PARKED -> JS_RUNNING -> JS_DONE, or JS_PARKED -> JS_DONE */
  napi_ref on_end;   /* JS thread */
} pair;

typedef struct loop {
  napi_threadsafe_function tsfn;
  pthread_mutex_t mu;
  /* under mu */
  pair *adds_head, *adds_tail, *cancels;
  bool running, joinable, stopping;
  pthread_t thread;
  int epfd, wakefd; /* created with the thread, closed by it when it exits */
  /* loop thread only */
  node active, ready;
  size_t n_active;
  uint64_t now_ms, next_idle_check_ms;
  pair *done;
  /* JS thread only */
  size_t js_active;
} loop;

#define PAIR_OF(ptr, field) ((pair *)((char *)(ptr) - offsetof(pair, field)))

/* pair.c: helpers usable from any thread */
void list_init(node *n);
bool list_linked(const node *n);
void list_push(node *head, node *n);
void list_unlink(node *n);
uint64_t monotonic_ms(void);
void close_fd(int *fd);
void pair_close_fds(pair *p);
void pair_unref(pair *p);

/* pair.c: relay thread only */
void finish(loop *l, pair *p, int reason, int side, const char *what, int err);
void register_pair(loop *l, pair *p);
void on_event(loop *l, endpoint *ep, uint32_t events);
void check_idle(loop *l);
void run_ready(loop *l);

/* Called with loop.mu held. Returns 0 or an errno. */
int loop_ensure_thread(loop *l);
/* Called with loop.mu held. */
void loop_wake(loop *l);
/* Teardown: finishes every pair as cancelled and joins the thread. */
void loop_stop_thread(loop *l);

#endif

/*
 * One spliced pair of the zero_copy addon: moving its bytes and ending it. Runs on the relay
 * thread only (relay_loop.c drives it).
 *
 * Invariants guarded here:
 * - No busy loop: sockets are edge-triggered, a direction reads only while its pipe has room
 *   and waits for EPOLLOUT when the destination is full, and a direction that used up its
 *   per-wakeup budget is put on an explicit ready list (epoll would not report it again).
 * - Backpressure end to end: a full pipe stops the reads, so a slow reader fills the kernel
 *   buffers back to the sender; memory never grows with the data.
 * - Every descriptor is closed on every path; our dups are removed from epoll before close
 *   because Node still holds the same sockets (an epoll registration lives as long as the
 *   socket, not as long as the descriptor).
 */
#define _GNU_SOURCE
#include "relay_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Bytes one direction may move per wakeup before yielding to the other pairs (fairness). */
#define PUMP_BUDGET (4 * PIPE_CAPACITY)

static const char *const SIDE_NAMES[] = {"client", "backend"};

void list_init(node *n) { n->prev = n->next = n; }
bool list_linked(const node *n) { return n->next != n; }
void list_push(node *head, node *n) {
  n->prev = head->prev;
  n->next = head;
  head->prev->next = n;
  head->prev = n;
}
void list_unlink(node *n) {
  n->prev->next = n->next;
  n->next->prev = n->prev;
  list_init(n);
}

void close_fd(int *fd) {
  /* Linux releases the descriptor even when close() reports EINTR: never retry. */
  if (*fd >= 0) (void)close(*fd);
  *fd = -1;
}

void pair_close_fds(pair *p) {
  for (int i = 0; i < 2; i++) {
    close_fd(&p->fd[i]);
    close_fd(&p->dir[i].pipe_r);
    close_fd(&p->dir[i].pipe_w);
  }
}

void pair_unref(pair *p) {
  if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0) {
    pair_close_fds(p);
    free(p);
  }
}

uint64_t monotonic_ms(void) {
  struct timespec ts;
  (void)clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for CLOCK_MONOTONIC */
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static const char *errno_name(int e) {
  switch (e) {
    case ECONNRESET: return "ECONNRESET";
    case EPIPE: return "EPIPE";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    case ENOTCONN: return "ENOTCONN";
    case ECONNABORTED: return "ECONNABORTED";
    case ENOMEM: return "ENOMEM";
    case ENOBUFS: return "ENOBUFS";
    case EIO: return "EIO";
    default: return "errno";
  }
}

/* Ends a pair: out of epoll, descriptors closed, queued for delivery to JS. Idempotent. */
void finish(loop *l, pair *p, int reason, int side, const char *what, int err) {
  if (p->finished) return;
  /* A peer that sent its FIN and then reset because bytes were still coming (a player quitting
   * while the backend streams chunks) closed the connection; it did not fail. */
  if (reason == R_ERROR && (err == ECONNRESET || err == EPIPE) && p->dir[side].eof)
    reason = p->first_closed == SIDE_BACKEND ? R_BACKEND_CLOSED : R_CLIENT_CLOSED;
  p->finished = true;
  p->reason = reason;
  p->error_side = side;
  if (err != 0) {
    char buf[128];
    const char *msg = strerror_r(err, buf, sizeof buf); /* GNU variant */
    snprintf(p->error, sizeof p->error, "%s %s: %s (%s %d)", SIDE_NAMES[side], what, msg, errno_name(err), err);
  }
  if (p->registered) {
    for (int i = 0; i < 2; i++) (void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, p->fd[i], NULL);
    list_unlink(&p->active);
    l->n_active--;
  }
  if (list_linked(&p->ready)) list_unlink(&p->ready);
  pair_close_fds(p);
  p->done_next = l->done;
  l->done = p;
}

/*
 * Moves bytes for one direction until the source is empty, the destination would block, or
 * the budget is spent. EAGAIN from socket->pipe is ambiguous (socket empty, or the pipe's 16
 * slots full of partial pages), so the read is retried whenever the write made progress: with
 * edge-triggered epoll, giving up on a source that still has data would stall it for good.
 */
static void pump(loop *l, pair *p, int di) {
  direction *d = &p->dir[di];
  int src = p->fd[di], dst = p->fd[1 - di];
  size_t budget = PUMP_BUDGET;
  if (p->finished || d->done) return;
  for (;;) {
    bool progressed = false;
    if (!d->eof && d->in_pipe < PIPE_CAPACITY) {
      ssize_t n = splice(src, NULL, d->pipe_w, NULL, PIPE_CAPACITY - d->in_pipe, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) {
        d->in_pipe += (size_t)n;
        p->last_activity_ms = l->now_ms;
        progressed = true;
      } else if (n == 0) {
        d->eof = true;
        if (p->first_closed < 0) p->first_closed = di;
      } else if (errno == EINTR) {
        continue;
      } else if (errno != EAGAIN) {
        finish(l, p, R_ERROR, di, "read", errno);
        return;
      }
    }
    if (d->in_pipe > 0) {
      ssize_t n = splice(d->pipe_r, NULL, dst, NULL, d->in_pipe, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) {
        d->in_pipe -= (size_t)n;
        p->last_activity_ms = l->now_ms; /* a reader that drains slowly is not idle */
        __atomic_add_fetch(&d->moved, (uint64_t)n, __ATOMIC_RELAXED);
        budget = (size_t)n >= budget ? 0 : budget - (size_t)n;
        progressed = true;
      } else if (n == 0) {
        finish(l, p, R_ERROR, 1 - di, "write", EIO); /* we hold the pipe's write end: cannot happen */
        return;
      } else if (errno == EINTR) {
        continue;
      } else if (errno != EAGAIN) {
        finish(l, p, R_ERROR, 1 - di, "write", errno);
        return;
      }
    }
    if (d->eof && d->in_pipe == 0) {
      /* ENOTCONN: the destination is already gone; its own direction reports how. */
      if (shutdown(dst, SHUT_WR) < 0 && errno != ENOTCONN) {
        finish(l, p, R_ERROR, 1 - di, "shutdown", errno);
        return;
      }
      d->done = true;
      break;
    }
    if (!progressed) break;
    if (budget == 0) {
      d->ready = true;
      if (!list_linked(&p->ready)) list_push(&l->ready, &p->ready);
      return;
    }
  }
  if (p->dir[0].done && p->dir[1].done)
    finish(l, p, p->first_closed == SIDE_BACKEND ? R_BACKEND_CLOSED : R_CLIENT_CLOSED, 0, "", 0);
}

void on_event(loop *l, endpoint *ep, uint32_t ev) {
  pair *p = ep->pair;
  int s = ep->side;
  if (p->finished) return; /* stale event from this batch; p stays allocated until deliver() */
  if (ev & EPOLLERR) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(p->fd[s], SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    if (err != 0) {
      finish(l, p, R_ERROR, s, "socket", err);
      return;
    }
  }
  if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) pump(l, p, s);
  if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) pump(l, p, 1 - s);
  /* HUP: both halves of this socket are shut. If we still owe it bytes or a FIN, the peer went
   * away underneath us (an RST normally shows up through SO_ERROR above first). */
  if ((ev & EPOLLHUP) && !p->finished && !p->dir[1 - s].done) finish(l, p, R_ERROR, s, "hangup", ECONNRESET);
}

void register_pair(loop *l, pair *p) {
  for (int s = 0; s < 2; s++) {
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = &p->ep[s]};
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, p->fd[s], &ev) < 0) {
      int err = errno;
      if (s == 1) (void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, p->fd[0], NULL);
      finish(l, p, R_ERROR, s, "epoll_ctl", err);
      return;
    }
  }
  p->registered = true;
  list_push(&l->active, &p->active);
  l->n_active++;
  p->last_activity_ms = l->now_ms;
  if (p->idle_ms > 0 && l->now_ms + p->idle_ms < l->next_idle_check_ms) l->next_idle_check_ms = l->now_ms + p->idle_ms;
  pump(l, p, 0); /* bytes may already be waiting in either socket */
  pump(l, p, 1);
}

/* Runs when the earliest idle deadline passes; activity only moves deadlines later, so the
 * scan is O(pairs) per expiry, not per wakeup. */
void check_idle(loop *l) {
  uint64_t next = UINT64_MAX;
  node *n = l->active.next;
  while (n != &l->active) {
    pair *p = PAIR_OF(n, active);
    n = n->next; /* finish() unlinks p */
    if (p->idle_ms == 0) continue;
    uint64_t deadline = p->last_activity_ms + p->idle_ms;
    if (deadline <= l->now_ms) finish(l, p, R_IDLE, 0, "", 0);
    else if (deadline < next) next = deadline;
  }
  l->next_idle_check_ms = next;
}

void run_ready(loop *l) {
  node todo;
  if (!list_linked(&l->ready)) return;
  /* Take the list: a direction that re-queues itself waits for the next round. */
  todo.next = l->ready.next;
  todo.prev = l->ready.prev;
  todo.next->prev = &todo;
  todo.prev->next = &todo;
  list_init(&l->ready);
  while (todo.next != &todo) {
    pair *p = PAIR_OF(todo.next, ready);
    list_unlink(&p->ready);
    for (int di = 0; di < 2; di++) {
      if (p->dir[di].ready) {
        p->dir[di].ready = false;
        pump(l, p, di);
      }
    }
  }
}

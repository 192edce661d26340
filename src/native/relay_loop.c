/*
 * The relay thread of the zero_copy addon: one epoll loop per Node environment that drives
 * every spliced pair (pair.c) and takes commands from the JS thread (addon.c).
 *
 * Invariants guarded here:
 * - The thread exits as soon as it has no pair and no queued command, and is restarted by the
 *   next run(). The emptiness check and `running = false` happen under the mutex that start
 *   and cancel commands are queued under, so no command is ever lost.
 * - A finished pair is handed to JS only after the whole epoll batch is processed: until then
 *   the loop still holds its reference, so a stale event in the same batch is harmless.
 * - At environment teardown every pair is ended as cancelled and the thread is joined before
 *   the threadsafe function goes away.
 */
#define _GNU_SOURCE
#include "relay_loop.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define MAX_EVENTS 128

static char WAKE_TAG; /* epoll data of the eventfd */

void loop_wake(loop *l) {
  uint64_t one = 1;
  /* EAGAIN: the counter is already non-zero, the loop is woken anyway. */
  while (write(l->wakefd, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

static void deliver(loop *l) {
  while (l->done != NULL) {
    pair *p = l->done;
    l->done = p->done_next;
    /* The loop's reference travels with the message; in teardown nobody will take it. */
    if (napi_call_threadsafe_function(l->tsfn, p, napi_tsfn_nonblocking) != napi_ok) pair_unref(p);
  }
}

/* Applies queued starts and cancels. Returns false when the environment is shutting down. */
static bool take_commands(loop *l) {
  pthread_mutex_lock(&l->mu);
  pair *adds = l->adds_head, *cancels = l->cancels;
  bool stopping = l->stopping;
  l->adds_head = l->adds_tail = NULL;
  l->cancels = NULL;
  pthread_mutex_unlock(&l->mu);

  while (adds != NULL) {
    pair *p = adds;
    adds = p->add_next;
    if (stopping) finish(l, p, R_CANCELLED, 0, "", 0);
    else register_pair(l, p);
  }
  while (cancels != NULL) {
    pair *p = cancels;
    cancels = p->cancel_next;
    finish(l, p, R_CANCELLED, 0, "", 0); /* no-op when it already ended */
    pair_unref(p);                       /* the reference cancel() took */
  }
  if (stopping)
    while (list_linked(&l->active)) finish(l, PAIR_OF(l->active.next, active), R_CANCELLED, 0, "", 0);
  return !stopping;
}

static void *loop_main(void *arg) {
  loop *l = arg;
  struct epoll_event events[MAX_EVENTS];
  (void)pthread_setname_np(pthread_self(), "zero_copy relay"); /* visible in top -H, /proc/self/task */
  l->now_ms = monotonic_ms();
  l->next_idle_check_ms = UINT64_MAX;
  for (;;) {
    int timeout = -1;
    if (list_linked(&l->ready)) {
      timeout = 0;
    } else if (l->next_idle_check_ms != UINT64_MAX) {
      uint64_t now = monotonic_ms();
      uint64_t wait = l->next_idle_check_ms > now ? l->next_idle_check_ms - now : 0;
      timeout = wait > INT_MAX ? INT_MAX : (int)wait;
    }
    int n = epoll_wait(l->epfd, events, MAX_EVENTS, timeout);
    int wait_err = n < 0 ? errno : 0;
    bool woken = false, keep_going = true;
    l->now_ms = monotonic_ms();
    for (int i = 0; i < n; i++) {
      if (events[i].data.ptr == &WAKE_TAG) woken = true;
      else on_event(l, events[i].data.ptr, events[i].events);
    }
    run_ready(l);
    if (woken) {
      uint64_t count;
      while (read(l->wakefd, &count, sizeof count) < 0 && errno == EINTR) {
      }
      keep_going = take_commands(l);
    }
    if (wait_err != 0 && wait_err != EINTR) {
      /* Only possible with invalid arguments; fail every pair rather than spin. */
      while (list_linked(&l->active))
        finish(l, PAIR_OF(l->active.next, active), R_ERROR, 0, "epoll_wait", wait_err);
      keep_going = false;
    }
    if (l->now_ms >= l->next_idle_check_ms) check_idle(l);
    deliver(l);

    if (!keep_going) {
      pthread_mutex_lock(&l->mu);
      break;
    }
    if (l->n_active == 0 && !list_linked(&l->ready)) {
      pthread_mutex_lock(&l->mu);
      if (l->adds_head == NULL && l->cancels == NULL) break;
      pthread_mutex_unlock(&l->mu); /* a command arrived meanwhile; its wakeup is pending */
    }
  }
  /* Mutex held: a start() now sees running == false and starts a fresh thread. */
  while (l->cancels != NULL) { /* only when stopping: drop the references they hold */
    pair *p = l->cancels;
    l->cancels = p->cancel_next;
    pair_unref(p);
  }
  close_fd(&l->epfd);
  close_fd(&l->wakefd);
  l->running = false;
  pthread_mutex_unlock(&l->mu);
  return NULL;
}

int loop_ensure_thread(loop *l) {
  if (l->running) return 0;
  if (l->stopping) return ESHUTDOWN;
  if (l->joinable) {
    (void)pthread_join(l->thread, NULL); /* it has already left its loop */
    l->joinable = false;
  }
  l->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (l->epfd < 0) return errno;
  l->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &WAKE_TAG};
  if (l->wakefd < 0 || epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wakefd, &ev) < 0) {
    int err = errno;
    close_fd(&l->epfd);
    close_fd(&l->wakefd);
    return err;
  }
  list_init(&l->active);
  list_init(&l->ready);
  l->n_active = 0;
  l->done = NULL;
  /* Signals belong to Node's threads: the relay thread starts with all of them blocked. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int err = pthread_create(&l->thread, NULL, loop_main, l);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (err != 0) {
    close_fd(&l->epfd);
    close_fd(&l->wakefd);
    return err;
  }
  l->running = l->joinable = true;
  return 0;
}

void loop_stop_thread(loop *l) {
  pthread_mutex_lock(&l->mu);
  l->stopping = true;
  if (l->running) loop_wake(l);
  bool join = l->joinable;
  l->joinable = false;
  pthread_mutex_unlock(&l->mu);
  if (join) (void)pthread_join(l->thread, NULL);
}

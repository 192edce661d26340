/*
 * Node-API surface of the zero_copy addon (ABI-stable: built against any Node >= 18 headers,
 * loads in Node 24). Everything here runs on the JS thread.
 *
 *   start(clientFd, backendFd, idleMs, onEnd) -> External | string
 *       dup()s both sockets and opens the pipes; the pair is parked (nothing moves yet). Every
 *       way a pair can fail to set up is reported here, synchronously, as the string.
 *   run(handle)    -> undefined | string   hands a parked pair to the relay thread
 *   cancel(handle) -> undefined            running: ends it ("cancelled" via onEnd);
 *                                          parked: closes its descriptors, onEnd is never called
 *   bytes(handle)  -> [c2b, b2c]           bytes delivered so far
 *   stats()        -> { threadRunning, pairs }
 *   keepalive(fd, idleSec, intervalSec, count) -> undefined | string
 *                                          TCP keepalive with all three knobs (Node's own
 *                                          setKeepAlive only sets the idle time)
 *   keepaliveOf(fd) -> [enabled, idleSec, intervalSec, count]   for tests and diagnostics
 *   noDelayOf(fd)   -> 0 | 1 | -1 (TCP_NODELAY; -1 = could not be read)   for tests and diagnostics
 *   onEnd(reason, c2b, b2c, error?, errorSide?) is called once per run pair, on the JS thread;
 *       error is set for "error" and for a reset after that side's FIN (reason "<side>_closed").
 *
 * The addon owns only its dups, so Node's handles stay valid and are closed by their owner.
 * The threadsafe function that carries completions is referenced only while pairs run.
 */
#define _GNU_SOURCE
#include "relay_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *const REASON_NAMES[] = {"error", "client_closed", "backend_closed", "idle_timeout", "cancelled", "error"};
static const char *const SIDE_NAMES[] = {"client", "backend"};

#define CHECK(env, call)                   \
  do {                                     \
    if ((call) != napi_ok) return NULL;    \
  } while (0)

static napi_value str(napi_env env, const char *s) {
  napi_value v;
  if (napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v) != napi_ok) return NULL;
  return v;
}

/* Completion, on the JS thread. env == NULL: the environment is being torn down. */
static void call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  loop *l = context;
  pair *p = data;
  (void)js_cb;
  if (env != NULL) {
    p->js_state = JS_DONE;
    if (--l->js_active == 0) (void)napi_unref_threadsafe_function(env, l->tsfn);
    napi_value fn = NULL, undefined, argv[5];
    (void)napi_get_undefined(env, &undefined);
    (void)napi_get_reference_value(env, p->on_end, &fn);
    (void)napi_delete_reference(env, p->on_end);
    p->on_end = NULL;
    bool failed = p->error[0] != '\0'; /* also set for a reset classified as a close */
    argv[0] = str(env, REASON_NAMES[p->reason]);
    (void)napi_create_double(env, (double)__atomic_load_n(&p->dir[0].moved, __ATOMIC_RELAXED), &argv[1]);
    (void)napi_create_double(env, (double)__atomic_load_n(&p->dir[1].moved, __ATOMIC_RELAXED), &argv[2]);
    argv[3] = failed ? str(env, p->error) : undefined;
    argv[4] = failed ? str(env, SIDE_NAMES[p->error_side]) : undefined;
    /* A throwing callback becomes an uncaught exception, as for any Node callback. */
    if (fn != NULL) (void)napi_call_function(env, undefined, fn, 5, argv, NULL);
  }
  pair_unref(p);
}

static void discard(napi_env env, pair *p);

/* The external was collected. A pair that was started but never run would otherwise keep its
 * four pipe ends and two dups forever. */
static void finalize_pair(napi_env env, void *data, void *hint) {
  pair *p = data;
  (void)hint;
  if (p->js_state == JS_PARKED) discard(env, p);
  pair_unref(p);
}

/* Returns 0 or an errno, with *what naming the step that failed. */
static int adopt_socket(int fd, int *out, const char **what) {
  int type = 0;
  socklen_t len = sizeof type;
  *what = "getsockopt(SO_TYPE)";
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) return errno;
  *what = "not a stream socket";
  if (type != SOCK_STREAM) return EINVAL;
  /* The status flags are shared with Node's descriptor; libuv already set O_NONBLOCK. */
  *what = "fcntl(F_GETFL)";
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return errno;
  *what = "fcntl(F_SETFL)";
  if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return errno;
  *what = "dup";
  *out = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  return *out < 0 ? errno : 0;
}

static int open_pipe(direction *d, const char **what) {
  int fds[2];
  *what = "pipe2";
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) return errno;
  d->pipe_r = fds[0];
  d->pipe_w = fds[1];
  /* 64 KiB is also Linux's default; setting it keeps the budget exact if the default changes. */
  *what = "fcntl(F_SETPIPE_SZ)";
  return fcntl(fds[1], F_SETPIPE_SZ, PIPE_CAPACITY) < 0 ? errno : 0;
}

static napi_value fail_start(napi_env env, pair *p, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  if (p != NULL) {
    pair_close_fds(p);
    free(p);
  }
  return str(env, msg);
}

static napi_value js_start(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  loop *l;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&l));
  int32_t fds[2];
  double idle_ms;
  napi_valuetype cb_type = napi_undefined;
  if (argc < 4 || napi_get_value_int32(env, argv[0], &fds[0]) != napi_ok ||
      napi_get_value_int32(env, argv[1], &fds[1]) != napi_ok || napi_get_value_double(env, argv[2], &idle_ms) != napi_ok ||
      napi_typeof(env, argv[3], &cb_type) != napi_ok || cb_type != napi_function || fds[0] < 0 || fds[1] < 0 ||
      !(idle_ms >= 0 && idle_ms < 9e15)) {
    (void)napi_throw_type_error(env, NULL, "start(clientFd: int, backendFd: int, idleMs: number >= 0, onEnd: function)");
    return NULL;
  }

  pair *p = calloc(1, sizeof *p);
  if (p == NULL) return fail_start(env, NULL, "calloc", ENOMEM);
  list_init(&p->active);
  list_init(&p->ready);
  p->first_closed = -1;
  p->idle_ms = (uint64_t)idle_ms;
  for (int i = 0; i < 2; i++) {
    p->fd[i] = p->dir[i].pipe_r = p->dir[i].pipe_w = -1;
    p->ep[i].pair = p;
    p->ep[i].side = i;
  }
  const char *what = "";
  int err = 0;
  for (int i = 0; i < 2 && err == 0; i++) err = adopt_socket(fds[i], &p->fd[i], &what);
  for (int i = 0; i < 2 && err == 0; i++) err = open_pipe(&p->dir[i], &what);
  if (err != 0) return fail_start(env, p, what, err);

  napi_value external;
  if (napi_create_reference(env, argv[3], 1, &p->on_end) != napi_ok) return fail_start(env, p, "napi_create_reference", ENOMEM);
  if (napi_create_external(env, p, finalize_pair, NULL, &external) != napi_ok) {
    (void)napi_delete_reference(env, p->on_end);
    return fail_start(env, p, "napi_create_external", ENOMEM);
  }
  p->refs = 2; /* the loop's and the external's */
  p->js_state = JS_PARKED;
  return external;
}

/* A parked pair that will never run: close it now rather than at garbage collection. */
static void discard(napi_env env, pair *p) {
  (void)napi_delete_reference(env, p->on_end);
  p->on_end = NULL;
  p->js_state = JS_DONE;
  pair_close_fds(p);
  pair_unref(p); /* the loop's; the external's goes with GC */
}

static pair *get_pair(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    (void)napi_throw_type_error(env, NULL, "expected a handle returned by start()");
    return NULL;
  }
  return data;
}

static napi_value js_run(napi_env env, napi_callback_info info) {
  loop *l;
  char msg[128];
  CHECK(env, napi_get_cb_info(env, info, NULL, NULL, NULL, (void **)&l));
  pair *p = get_pair(env, info);
  if (p == NULL) return NULL;
  if (p->js_state != JS_PARKED) return str(env, "run: the pair is not parked");
  pthread_mutex_lock(&l->mu);
  int err = loop_ensure_thread(l);
  if (err == 0) {
    if (l->adds_tail != NULL) l->adds_tail->add_next = p;
    else l->adds_head = p;
    l->adds_tail = p;
    loop_wake(l);
  }
  pthread_mutex_unlock(&l->mu);
  if (err != 0) {
    discard(env, p);
    snprintf(msg, sizeof msg, "relay thread: %s", strerror(err));
    return str(env, msg);
  }
  p->js_state = JS_RUNNING;
  if (l->js_active++ == 0) (void)napi_ref_threadsafe_function(env, l->tsfn);
  return NULL;
}

static napi_value js_cancel(napi_env env, napi_callback_info info) {
  loop *l;
  CHECK(env, napi_get_cb_info(env, info, NULL, NULL, NULL, (void **)&l));
  pair *p = get_pair(env, info);
  if (p == NULL) return NULL;
  if (p->js_state == JS_PARKED) {
    discard(env, p);
    return NULL;
  }
  if (p->js_state != JS_RUNNING || __atomic_exchange_n(&p->cancel_queued, 1, __ATOMIC_ACQ_REL)) return NULL;
  __atomic_add_fetch(&p->refs, 1, __ATOMIC_ACQ_REL);
  pthread_mutex_lock(&l->mu);
  /* Running and not yet reported: the loop still has it, or it is already queued for JS. A
   * thread that fails to start here can only mean the latter, so dropping the cancel is safe. */
  int err = loop_ensure_thread(l);
  if (err == 0) {
    p->cancel_next = l->cancels;
    l->cancels = p;
    loop_wake(l);
  }
  pthread_mutex_unlock(&l->mu);
  if (err != 0) pair_unref(p);
  return NULL;
}

static napi_value js_bytes(napi_env env, napi_callback_info info) {
  pair *p = get_pair(env, info);
  napi_value arr, v;
  if (p == NULL) return NULL;
  CHECK(env, napi_create_array_with_length(env, 2, &arr));
  for (uint32_t i = 0; i < 2; i++) {
    CHECK(env, napi_create_double(env, (double)__atomic_load_n(&p->dir[i].moved, __ATOMIC_RELAXED), &v));
    CHECK(env, napi_set_element(env, arr, i, v));
  }
  return arr;
}

static napi_value js_stats(napi_env env, napi_callback_info info) {
  loop *l;
  napi_value obj, running, pairs;
  CHECK(env, napi_get_cb_info(env, info, NULL, NULL, NULL, (void **)&l));
  pthread_mutex_lock(&l->mu);
  bool is_running = l->running;
  pthread_mutex_unlock(&l->mu);
  CHECK(env, napi_create_object(env, &obj));
  CHECK(env, napi_get_boolean(env, is_running, &running));
  CHECK(env, napi_create_double(env, (double)l->js_active, &pairs));
  CHECK(env, napi_set_named_property(env, obj, "threadRunning", running));
  CHECK(env, napi_set_named_property(env, obj, "pairs", pairs));
  return obj;
}

static napi_value js_keepalive(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t v[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) return str(env, "keepalive(fd, idleSec, intervalSec, count) needs 4 arguments");
  for (int i = 0; i < 4; i++) {
    if (napi_get_value_int32(env, argv[i], &v[i]) != napi_ok) return str(env, "keepalive: arguments must be integers");
  }
  const int on = 1;
  const struct {
    int level, name, value;
    const char *what;
  } opts[] = {{SOL_SOCKET, SO_KEEPALIVE, on, "SO_KEEPALIVE"},
              {IPPROTO_TCP, TCP_KEEPIDLE, v[1], "TCP_KEEPIDLE"},
              {IPPROTO_TCP, TCP_KEEPINTVL, v[2], "TCP_KEEPINTVL"},
              {IPPROTO_TCP, TCP_KEEPCNT, v[3], "TCP_KEEPCNT"}};
  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
    int value = opts[i].value;
    if (setsockopt(v[0], opts[i].level, opts[i].name, &value, sizeof value) != 0) {
      char msg[160];
      snprintf(msg, sizeof msg, "setsockopt(%s=%d): %s", opts[i].what, value, strerror(errno));
      return str(env, msg);
    }
  }
  return NULL;
}

static napi_value js_keepalive_of(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], arr, item;
  int32_t fd;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) return NULL;
  const struct {
    int level, name;
  } opts[] = {{SOL_SOCKET, SO_KEEPALIVE}, {IPPROTO_TCP, TCP_KEEPIDLE}, {IPPROTO_TCP, TCP_KEEPINTVL}, {IPPROTO_TCP, TCP_KEEPCNT}};
  CHECK(env, napi_create_array_with_length(env, 4, &arr));
  for (uint32_t i = 0; i < 4; i++) {
    int value = -1;
    socklen_t len = sizeof value;
    if (getsockopt(fd, opts[i].level, opts[i].name, &value, &len) != 0) value = -1;
    CHECK(env, napi_create_int32(env, value, &item));
    CHECK(env, napi_set_element(env, arr, i, item));
  }
  return arr;
}

static napi_value js_nodelay_of(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  int32_t fd;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) return NULL;
  int value = -1;
  socklen_t len = sizeof value;
  if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &len) != 0) value = -1;
  CHECK(env, napi_create_int32(env, value == -1 ? -1 : value != 0, &result));
  return result;
}

/* Runs before the threadsafe function's own cleanup hook (hooks run in reverse order of
 * registration), so the thread never calls into a closed threadsafe function. */
static void cleanup(void *arg) {
  loop *l = arg;
  loop_stop_thread(l);
  pthread_mutex_destroy(&l->mu);
  free(l);
}

NAPI_MODULE_INIT() {
  loop *l = calloc(1, sizeof *l);
  napi_value name, fn, pipe_capacity;
  if (l == NULL) {
    (void)napi_throw_error(env, NULL, "zero_copy: out of memory");
    return NULL;
  }
  l->epfd = l->wakefd = -1;
  if (pthread_mutex_init(&l->mu, NULL) != 0) {
    free(l);
    (void)napi_throw_error(env, NULL, "zero_copy: pthread_mutex_init failed");
    return NULL;
  }
  if ((name = str(env, "infrarust-zero-copy")) == NULL ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, l, call_js, &l->tsfn) != napi_ok ||
      napi_unref_threadsafe_function(env, l->tsfn) != napi_ok) {
    pthread_mutex_destroy(&l->mu);
    free(l);
    (void)napi_throw_error(env, NULL, "zero_copy: cannot create the threadsafe function");
    return NULL;
  }
  CHECK(env, napi_add_env_cleanup_hook(env, cleanup, l));
  static const struct {
    const char *name;
    napi_callback cb;
  } fns[] = {{"start", js_start},   {"run", js_run},           {"cancel", js_cancel},
             {"bytes", js_bytes},   {"stats", js_stats},       {"keepalive", js_keepalive},
             {"keepaliveOf", js_keepalive_of},
             {"noDelayOf", js_nodelay_of}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    CHECK(env, napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, l, &fn));
    CHECK(env, napi_set_named_property(env, exports, fns[i].name, fn));
  }
  CHECK(env, napi_create_int32(env, PIPE_CAPACITY, &pipe_capacity));
  CHECK(env, napi_set_named_property(env, exports, "pipeCapacity", pipe_capacity));
  return exports;
}

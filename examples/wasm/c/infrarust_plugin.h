/*
 * C bindings for the infrarust-ts plugin world (src/wasm/wit/plugin.wit, version 0.1.0).
 *
 * Include this header in exactly one .c file, define the handlers you need, and build with
 * Debian's clang and wasi-libc (docs/wasm-plugins.md):
 *
 *   clang-19 --target=wasm32-wasi -mexec-model=reactor -O2 -I examples/wasm/c -o core.wasm plugin.c
 *
 * then turn the core module into a component (test/support/WasmToolchain.ts does both steps).
 *
 * A plugin defines ir_init and the handlers it needs (and names their events in ir_init); a
 * handler it leaves out keeps the current result. The structs below are laid out exactly as the
 * component model's canonical ABI lays the WIT types out in memory, which is why the glue can hand
 * them over as they are.
 *
 * Memory rule: strings and lists the proxy hands you (arguments, ir_config(), ir_kv_get()) live
 * until your handler returns; copy what you keep (strdup, malloc). What you return must stay valid
 * until then too: use string literals, static buffers or ir_alloc(), which the glue frees after
 * the proxy has read your answer.
 */
#ifndef INFRARUST_PLUGIN_H
#define INFRARUST_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct { const char *ptr; size_t len; } ir_string;
typedef struct { const uint8_t *ptr; size_t len; } ir_bytes;
typedef struct { bool is_some; ir_string val; } ir_option_string;
typedef struct { const ir_string *ptr; size_t len; } ir_list_string;

/* enum event-kind */
enum {
  IR_EVENT_PROXY_PING, IR_EVENT_PRE_LOGIN, IR_EVENT_SERVER_PRE_CONNECT, IR_EVENT_POST_LOGIN,
  IR_EVENT_CHAT_MESSAGE, IR_EVENT_KICKED_FROM_SERVER, IR_EVENT_DISCONNECT, IR_EVENT_SERVER_STATE_CHANGE
};
typedef uint8_t ir_event_kind;
typedef struct { const ir_event_kind *ptr; size_t len; } ir_list_event_kind;

enum { IR_IDENTITY_ONLINE, IR_IDENTITY_OFFLINE, IR_IDENTITY_CLAIMED };
enum { IR_LOG_DEBUG, IR_LOG_INFO, IR_LOG_WARN, IR_LOG_ERROR };

typedef struct {
  uint64_t session;
  ir_string name;
  ir_option_string uuid;
  uint8_t identity;
  ir_string client;
  int32_t protocol_version;
  ir_string mode;
} ir_player;

typedef struct {
  ir_string name;
  ir_option_string uuid;
  ir_string client;
  int32_t protocol_version;
  ir_string host;
} ir_login_attempt;

typedef struct {
  ir_string client;
  ir_string host;
  ir_option_string server;
  int32_t protocol_version;
} ir_ping;

typedef struct { ir_string name; ir_string id; } ir_sample_player;

typedef struct {
  ir_string version_name;
  int32_t version_protocol;
  int32_t players_max;
  int32_t players_online;
  struct { const ir_sample_player *ptr; size_t len; } sample;
  ir_string description; /* a JSON text component */
  ir_option_string favicon;
} ir_ping_reply;

/* variant pre-login-result */
enum { IR_PRE_LOGIN_ALLOWED, IR_PRE_LOGIN_DENIED, IR_PRE_LOGIN_FORCE_OFFLINE, IR_PRE_LOGIN_FORCE_ONLINE };
typedef struct { uint8_t tag; union { ir_string denied; } val; } ir_pre_login_result;

/* variant pre-connect-result */
enum { IR_PRE_CONNECT_ALLOWED, IR_PRE_CONNECT_CONNECT_TO, IR_PRE_CONNECT_SEND_TO_LIMBO, IR_PRE_CONNECT_DENIED };
typedef struct { uint8_t tag; union { ir_string connect_to; ir_list_string send_to_limbo; ir_string denied; } val; } ir_pre_connect_result;

/* variant chat-result */
enum { IR_CHAT_ALLOW, IR_CHAT_DENY, IR_CHAT_MODIFY };
typedef struct { uint8_t tag; union { ir_string modify; } val; } ir_chat_result;

/* variant kicked-result */
enum { IR_KICKED_DISCONNECT_PLAYER, IR_KICKED_REDIRECT_TO, IR_KICKED_SEND_TO_LIMBO, IR_KICKED_NOTIFY };
typedef struct { uint8_t tag; union { ir_string disconnect_player; ir_string redirect_to; ir_list_string send_to_limbo; ir_string notify; } val; } ir_kicked_result;

/* ---------------------------------------------------------------- what the plugin defines --- */

/* The events to deliver (called once after loading and after every restart). */
ir_list_event_kind ir_init(void);
/* Awaited events: return true and fill *out to change the result, false to keep it. A handler
 * you do not define keeps the current result (they are weak symbols: undefined ones are NULL). */
#define IR_HANDLER __attribute__((weak))
IR_HANDLER bool ir_on_proxy_ping(const ir_ping *ping, const ir_ping_reply *reply, ir_ping_reply *out);
IR_HANDLER bool ir_on_pre_login(const ir_login_attempt *attempt, ir_string server, const ir_pre_login_result *current, ir_pre_login_result *out);
IR_HANDLER bool ir_on_server_pre_connect(const ir_player *player, ir_string server, ir_option_string previous, const ir_pre_connect_result *current, ir_pre_connect_result *out);
IR_HANDLER bool ir_on_chat_message(const ir_player *player, ir_string message, bool command, const ir_chat_result *current, ir_chat_result *out);
IR_HANDLER bool ir_on_kicked_from_server(const ir_player *player, ir_string server, ir_string reason, const ir_kicked_result *current, ir_kicked_result *out);
/* Notifications. */
IR_HANDLER void ir_on_disconnect(const ir_player *player, ir_option_string last_server);
IR_HANDLER void ir_on_post_login(const ir_player *player);
IR_HANDLER void ir_on_server_state_change(ir_string server, ir_string from, ir_string to);

/* ------------------------------------------------------------------------- host calls --- */

#define IR_IMPORT(name) __attribute__((import_module("infrarust:plugin/host@0.1.0"), import_name(name)))
IR_IMPORT("log") extern void ir__log(int32_t level, const char *ptr, size_t len);
IR_IMPORT("config") extern void ir__config(ir_string *ret);
IR_IMPORT("kv-get") extern void ir__kv_get(const char *ptr, size_t len, void *ret);
IR_IMPORT("kv-set") extern void ir__kv_set(const char *key, size_t key_len, const uint8_t *value, size_t value_len, void *ret);
IR_IMPORT("kv-delete") extern void ir__kv_delete(const char *ptr, size_t len, void *ret);

static inline ir_string ir_str(const char *s) { ir_string r = { s, strlen(s) }; return r; }
static inline void ir_log(int level, const char *message) { ir__log(level, message, strlen(message)); }
/* The plugin's [plugins.<id>.config] table as JSON (valid until the handler returns). */
static inline ir_string ir_config(void) { ir_string r; ir__config(&r); return r; }

/* result<option<list<u8>>, string>: on error *error is set and false returned. */
typedef struct { uint8_t is_err; union { struct { uint8_t is_some; ir_bytes val; } ok; ir_string err; } val; } ir__kv_get_ret;
static inline bool ir_kv_get(const char *key, bool *found, ir_bytes *value, ir_string *error) {
  ir__kv_get_ret r;
  ir__kv_get(key, strlen(key), &r);
  if (r.is_err) { *error = r.val.err; return false; }
  *found = r.val.ok.is_some;
  if (r.val.ok.is_some) *value = r.val.ok.val;
  return true;
}
typedef struct { uint8_t is_err; ir_string err; } ir__unit_ret;
static inline bool ir_kv_set(const char *key, const uint8_t *value, size_t len, ir_string *error) {
  ir__unit_ret r;
  ir__kv_set(key, strlen(key), value, len, &r);
  if (r.is_err) *error = r.err;
  return !r.is_err;
}
typedef struct { uint8_t is_err; union { bool ok; ir_string err; } val; } ir__bool_ret;
static inline bool ir_kv_delete(const char *key, bool *deleted, ir_string *error) {
  ir__bool_ret r;
  ir__kv_delete(key, strlen(key), &r);
  if (r.is_err) { *error = r.val.err; return false; }
  *deleted = r.val.ok;
  return true;
}

/* ------------------------------------------------------------------ the glue (internal) --- */

/* One call's memory: everything cabi_realloc and ir_alloc hand out, freed after the proxy has read
 * the answer (a post-return function, or the end of a notification). */
typedef struct ir__block { struct ir__block *next; } ir__block;
static ir__block *ir__arena = NULL;

void *ir_alloc(size_t size) {
  ir__block *b = malloc(sizeof(ir__block) + size + 8);
  if (b == NULL) __builtin_trap();
  b->next = ir__arena;
  ir__arena = b;
  return (void *)(((uintptr_t)(b + 1) + 7) & ~(uintptr_t)7);
}

static void ir__reset(void) {
  while (ir__arena != NULL) { ir__block *next = ir__arena->next; free(ir__arena); ir__arena = next; }
}

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  (void)align; /* ir_alloc aligns to 8, the largest alignment in the world */
  void *p = ir_alloc(new_size);
  if (old != NULL) memcpy(p, old, old_size < new_size ? old_size : new_size);
  return p;
}

#define IR_EXPORT(name) __attribute__((export_name("infrarust:plugin/events@0.1.0#" name)))
#define IR_POST(name) __attribute__((export_name("cabi_post_infrarust:plugin/events@0.1.0#" name)))

/* option<T> as a return area: a tag byte, then T at its alignment. */
#define IR_OPTION(T) struct { uint8_t is_some; T val; }

static struct { const ir_event_kind *ptr; size_t len; } ir__init_ret;
IR_EXPORT("init") void *ir__export_init(void) {
  ir_list_event_kind k = ir_init();
  ir__init_ret.ptr = k.ptr;
  ir__init_ret.len = k.len;
  return &ir__init_ret;
}
IR_POST("init") void ir__post_init(void *ret) { (void)ret; ir__reset(); }

/* More than 16 flat parameters: the proxy passes one pointer to them, laid out as a record. */
typedef struct { ir_ping ping; ir_ping_reply reply; } ir__ping_args;
static IR_OPTION(ir_ping_reply) ir__ping_ret;
IR_EXPORT("on-proxy-ping") void *ir__export_ping(ir__ping_args *a) {
  ir__ping_ret.is_some = ir_on_proxy_ping != NULL && ir_on_proxy_ping(&a->ping, &a->reply, &ir__ping_ret.val);
  return &ir__ping_ret;
}
IR_POST("on-proxy-ping") void ir__post_ping(void *ret) { (void)ret; ir__reset(); }

/* 15 flat parameters: they arrive one by one. */
static IR_OPTION(ir_pre_login_result) ir__pre_login_ret;
IR_EXPORT("on-pre-login") void *ir__export_pre_login(
    const char *name, size_t name_len, int32_t has_uuid, const char *uuid, size_t uuid_len,
    const char *client, size_t client_len, int32_t protocol, const char *host, size_t host_len,
    const char *server, size_t server_len, int32_t tag, const char *reason, size_t reason_len) {
  ir_login_attempt attempt = {
    { name, name_len }, { has_uuid != 0, { uuid, uuid_len } }, { client, client_len }, protocol, { host, host_len }
  };
  ir_pre_login_result current = { (uint8_t)tag, { { reason, reason_len } } };
  ir__pre_login_ret.is_some = ir_on_pre_login != NULL && ir_on_pre_login(&attempt, (ir_string){ server, server_len }, &current, &ir__pre_login_ret.val);
  return &ir__pre_login_ret;
}
IR_POST("on-pre-login") void ir__post_pre_login(void *ret) { (void)ret; ir__reset(); }

typedef struct { ir_player player; ir_string server; ir_option_string previous; ir_pre_connect_result current; } ir__pre_connect_args;
static IR_OPTION(ir_pre_connect_result) ir__pre_connect_ret;
IR_EXPORT("on-server-pre-connect") void *ir__export_pre_connect(ir__pre_connect_args *a) {
  ir__pre_connect_ret.is_some = ir_on_server_pre_connect != NULL && ir_on_server_pre_connect(&a->player, a->server, a->previous, &a->current, &ir__pre_connect_ret.val);
  return &ir__pre_connect_ret;
}
IR_POST("on-server-pre-connect") void ir__post_pre_connect(void *ret) { (void)ret; ir__reset(); }

typedef struct { ir_player player; ir_string message; bool command; ir_chat_result current; } ir__chat_args;
static IR_OPTION(ir_chat_result) ir__chat_ret;
IR_EXPORT("on-chat-message") void *ir__export_chat(ir__chat_args *a) {
  ir__chat_ret.is_some = ir_on_chat_message != NULL && ir_on_chat_message(&a->player, a->message, a->command, &a->current, &ir__chat_ret.val);
  return &ir__chat_ret;
}
IR_POST("on-chat-message") void ir__post_chat(void *ret) { (void)ret; ir__reset(); }

typedef struct { ir_player player; ir_string server; ir_string reason; ir_kicked_result current; } ir__kicked_args;
static IR_OPTION(ir_kicked_result) ir__kicked_ret;
IR_EXPORT("on-kicked-from-server") void *ir__export_kicked(ir__kicked_args *a) {
  ir__kicked_ret.is_some = ir_on_kicked_from_server != NULL && ir_on_kicked_from_server(&a->player, a->server, a->reason, &a->current, &ir__kicked_ret.val);
  return &ir__kicked_ret;
}
IR_POST("on-kicked-from-server") void ir__post_kicked(void *ret) { (void)ret; ir__reset(); }

/* A player flattened: 12 values. */
#define IR_PLAYER_PARAMS \
  uint64_t session, const char *name, size_t name_len, int32_t has_uuid, const char *uuid, size_t uuid_len, \
  int32_t identity, const char *client, size_t client_len, int32_t protocol, const char *mode, size_t mode_len
#define IR_PLAYER_VALUE \
  { session, { name, name_len }, { has_uuid != 0, { uuid, uuid_len } }, (uint8_t)identity, { client, client_len }, protocol, { mode, mode_len } }

IR_EXPORT("on-disconnect") void ir__export_disconnect(IR_PLAYER_PARAMS, int32_t has_last, const char *last, size_t last_len) {
  ir_player player = IR_PLAYER_VALUE;
  if (ir_on_disconnect != NULL) ir_on_disconnect(&player, (ir_option_string){ has_last != 0, { last, last_len } });
  ir__reset();
}

IR_EXPORT("on-post-login") void ir__export_post_login(IR_PLAYER_PARAMS) {
  ir_player player = IR_PLAYER_VALUE;
  if (ir_on_post_login != NULL) ir_on_post_login(&player);
  ir__reset();
}

IR_EXPORT("on-server-state-change") void ir__export_state(const char *s, size_t s_len, const char *f, size_t f_len, const char *t, size_t t_len) {
  if (ir_on_server_state_change != NULL) ir_on_server_state_change((ir_string){ s, s_len }, (ir_string){ f, f_len }, (ir_string){ t, t_len });
  ir__reset();
}

#endif

/*
 * The WebAssembly twin of bench/plugins/noop.ts: listens to every event the plugin world has and
 * does nothing. `npm run bench -- --wasm-plugin` runs passthrough with it (subject
 * passthrough+wasm) to show what a WASM listener costs a login or a ping, beside passthrough+noop.
 * Built at the start of the run by bench/plugins/noopWasm.ts (Debian's clang, jco).
 */
#include "infrarust_plugin.h"

static const ir_event_kind EVENTS[] = {
  IR_EVENT_PROXY_PING, IR_EVENT_PRE_LOGIN, IR_EVENT_SERVER_PRE_CONNECT, IR_EVENT_POST_LOGIN,
  IR_EVENT_CHAT_MESSAGE, IR_EVENT_KICKED_FROM_SERVER, IR_EVENT_DISCONNECT, IR_EVENT_SERVER_STATE_CHANGE
};

ir_list_event_kind ir_init(void) {
  return (ir_list_event_kind){ EVENTS, sizeof EVENTS / sizeof EVENTS[0] };
}

/* Every handler is left to the header's defaults: each call crosses into the component and back. */
bool ir_on_proxy_ping(const ir_ping *ping, const ir_ping_reply *reply, ir_ping_reply *out) {
  (void)ping; (void)reply; (void)out;
  return false;
}

bool ir_on_server_pre_connect(const ir_player *player, ir_string server, ir_option_string previous, const ir_pre_connect_result *current, ir_pre_connect_result *out) {
  (void)player; (void)server; (void)previous; (void)current; (void)out;
  return false;
}

void ir_on_disconnect(const ir_player *player, ir_option_string last_server) {
  (void)player; (void)last_server;
}

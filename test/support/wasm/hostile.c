/*
 * Plugins that misbehave on purpose, one per define, all on ServerPreConnect (every login):
 *
 *   LOOP          loops forever
 *   HOG           allocates until the memory cap stops it
 *   TRAP          executes `unreachable`
 *   BAD_HOST_CALL breaks the host's rules (an invalid storage key: an error value it can read),
 *                 then hands the host a pointer outside its memory (a trap)
 *   GOOD          behaves: logs each login it sees (the "other plugin" that must not notice)
 *
 * Built by the tests with Debian's clang (test/support/WasmToolchain.ts).
 */
#include <stdio.h>
#include "infrarust_plugin.h"

static const ir_event_kind EVENTS[] = { IR_EVENT_SERVER_PRE_CONNECT };

ir_list_event_kind ir_init(void) {
  ir_log(IR_LOG_INFO, "ready to misbehave");
  return (ir_list_event_kind){ EVENTS, 1 };
}

#ifdef HOG
static volatile uint8_t *kept[100000];
#endif

bool ir_on_server_pre_connect(const ir_player *player, ir_string server, ir_option_string previous, const ir_pre_connect_result *current, ir_pre_connect_result *out) {
  (void)server; (void)previous; (void)current; (void)out;
#if defined(LOOP)
  (void)player;
  for (volatile unsigned long i = 0;; i++) {}
#elif defined(HOG)
  (void)player;
  for (size_t n = 0; n < sizeof kept / sizeof kept[0]; n++) {
    uint8_t *block = malloc(1 << 20);
    if (block == NULL) __builtin_trap(); /* the cap refused to grow the memory */
    memset(block, 0xab, 1 << 20);
    kept[n] = block;
  }
#elif defined(TRAP)
  (void)player;
  __builtin_trap();
#elif defined(BAD_HOST_CALL)
  (void)player;
  ir_string error;
  if (!ir_kv_set("../../etc/passwd", (const uint8_t *)"x", 1, &error)) {
    char line[256];
    snprintf(line, sizeof line, "kv-set refused: %.*s", (int)error.len, error.ptr);
    ir_log(IR_LOG_WARN, line);
  }
  ir__log(IR_LOG_INFO, (const char *)0xfffff000u, 100000);
#elif defined(GOOD)
  char line[128];
  snprintf(line, sizeof line, "saw %.*s", (int)player->name.len, player->name.ptr);
  ir_log(IR_LOG_INFO, line);
#else
#error "define one of LOOP, HOG, TRAP, BAD_HOST_CALL, GOOD"
#endif
  return false;
}

/*
 * An example WebAssembly plugin in C: a chat filter. A chat message that contains one of the
 * listed words (in any case) is denied: it never reaches the backend.
 *
 *   [plugins.chat_filter]
 *   path = "plugins/chat_filter.wasm"
 *
 *   [plugins.chat_filter.config]
 *   words = ["creeper", "griefing"]
 *
 * Commands (messages starting with /) are left alone. Build: docs/wasm-plugins.md.
 */
#include <ctype.h>
#include <stdio.h>
#include "infrarust_plugin.h"

#define MAX_WORDS 64
#define MAX_WORD 64

static char words[MAX_WORDS][MAX_WORD];
static size_t word_count = 0;

/* Reads the "words" list out of the config JSON. The proxy produces that JSON, so a small scanner
 * is enough: strings with \" and \\ escapes, lower-cased as they are read. */
static void load_words(ir_string json) {
  const char *p = json.ptr, *end = json.ptr + json.len;
  const char *key = "\"words\"";
  size_t key_len = strlen(key);
  for (; p + key_len <= end; p++) if (memcmp(p, key, key_len) == 0) break;
  if (p + key_len > end) return;
  for (p += key_len; p < end && *p != '['; p++) {}
  while (p < end && *p != ']' && word_count < MAX_WORDS) {
    if (*p++ != '"') continue;
    size_t n = 0;
    while (p < end && *p != '"') {
      char c = *p++;
      if (c == '\\' && p < end) c = *p++;
      if (n + 1 < MAX_WORD) words[word_count][n++] = (char)tolower((unsigned char)c);
    }
    p++;
    words[word_count][n] = '\0';
    if (n > 0) word_count++;
  }
}

static const ir_event_kind EVENTS[] = { IR_EVENT_CHAT_MESSAGE };

ir_list_event_kind ir_init(void) {
  load_words(ir_config());
  char line[96];
  snprintf(line, sizeof line, "filtering chat for %zu word(s)", word_count);
  ir_log(IR_LOG_INFO, line);
  return (ir_list_event_kind){ EVENTS, 1 };
}

/* True when `message` contains `word` (lower case), in any case. */
static bool contains(ir_string message, const char *word) {
  size_t w = strlen(word);
  for (size_t i = 0; i + w <= message.len; i++) {
    size_t j = 0;
    while (j < w && tolower((unsigned char)message.ptr[i + j]) == word[j]) j++;
    if (j == w) return true;
  }
  return false;
}

bool ir_on_chat_message(const ir_player *player, ir_string message, bool command, const ir_chat_result *current, ir_chat_result *out) {
  if (command || current->tag == IR_CHAT_DENY) return false;
  for (size_t i = 0; i < word_count; i++) {
    if (!contains(message, words[i])) continue;
    char line[160];
    snprintf(line, sizeof line, "denied a message from %.*s (it contains '%s')", (int)player->name.len, player->name.ptr, words[i]);
    ir_log(IR_LOG_INFO, line);
    out->tag = IR_CHAT_DENY;
    return true;
  }
  return false;
}

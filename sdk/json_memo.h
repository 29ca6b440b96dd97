/*
 * json_memo.h - private to the SDK: the per-call memo of where the payload's
 * containers end (json_skip.c).
 */
#ifndef KW_JSON_MEMO_H
#define KW_JSON_MEMO_H

#include <stddef.h>

/* Remembers container ends found inside text[0..len) from now on: the text
 * must stay unchanged until json_memo_forget (the payload of a call does). */
void json_memo_start(const char *text, size_t len);
/* Forgets everything (kw_arena_reset calls it after each call). */
void json_memo_forget(void);

#endif

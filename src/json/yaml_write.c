/*
 * yaml_write.c - a JSON value as a YAML document (block style), through
 * libyaml's emitter, which picks quoting and line breaks.  Strings that would
 * read back as something else under the core schema ("true", "1.0", "~") are
 * single-quoted, so json_parse_yaml(json_write_yaml(v)) equals v.
 */
#include "internal.h"

#include <yaml.h>

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
    json_buf_append(data, buffer, size);
    return !((json_buf *)data)->oom;
}

static int emit_scalar(yaml_emitter_t *e, const char *text, size_t len, yaml_scalar_style_t style)
{
    yaml_event_t ev;
    return yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)len, 1, 1, style) &&
           yaml_emitter_emit(e, &ev);
}

static int emit_string(yaml_emitter_t *e, const char *s, size_t len)
{
    yaml_scalar_style_t style = !json_yaml_plain_is_string(s, len) ? YAML_SINGLE_QUOTED_SCALAR_STYLE
                              : memchr(s, '\n', len) ? YAML_LITERAL_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE;
    /* A string that must not read as plain: libyaml falls back from single quotes to
     * double quotes by itself when single quotes cannot hold it. */
    return emit_scalar(e, s, len, style);
}

static int emit_value(yaml_emitter_t *e, const json_value *v)
{
    yaml_event_t ev;
    switch (v->type) {
    case JSON_NULL: return emit_scalar(e, "null", 4, YAML_PLAIN_SCALAR_STYLE);
    case JSON_FALSE: return emit_scalar(e, "false", 5, YAML_PLAIN_SCALAR_STYLE);
    case JSON_TRUE: return emit_scalar(e, "true", 4, YAML_PLAIN_SCALAR_STYLE);
    case JSON_NUMBER: return emit_scalar(e, v->u.num.text, v->u.num.text_len, YAML_PLAIN_SCALAR_STYLE);
    case JSON_STRING: return emit_string(e, v->u.str, v->len);
    case JSON_ARRAY:
        if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE) ||
            !yaml_emitter_emit(e, &ev))
            return 0;
        for (size_t i = 0; i < v->len; i++)
            if (!emit_value(e, v->u.items[i])) return 0;
        return yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(e, &ev);
    case JSON_OBJECT:
        if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE) ||
            !yaml_emitter_emit(e, &ev))
            return 0;
        for (size_t i = 0; i < v->len; i++)
            if (!emit_string(e, v->u.members[i].key, v->u.members[i].key_len) ||
                !emit_value(e, v->u.members[i].value))
                return 0;
        return yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(e, &ev);
    }
    return 0;
}

int json_write_yaml(json_buf *b, const json_value *v)
{
    yaml_emitter_t e;
    yaml_event_t ev;
    if (!yaml_emitter_initialize(&e)) return -1;
    yaml_emitter_set_output(&e, write_handler, b);
    yaml_emitter_set_unicode(&e, 1);
    yaml_emitter_set_width(&e, -1);                     /* no folding of long lines */
    int ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) && yaml_emitter_emit(&e, &ev) &&
             yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0) && yaml_emitter_emit(&e, &ev) &&
             emit_value(&e, v) &&
             yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&e, &ev) &&
             yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&e, &ev);
    yaml_emitter_delete(&e);
    return ok && !b->oom ? 0 : -1;
}

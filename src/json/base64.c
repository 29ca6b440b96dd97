/*
 * base64.c - RFC 4648 standard alphabet, padded.  Decoding is strict: no
 * whitespace, padding only at the end, and unused bits must be zero, so every
 * input has at most one accepted spelling.
 */
#include "internal.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(json_buf *out, const void *data, size_t len)
{
    const unsigned char *p = data;
    char quad[4];
    for (size_t i = 0; i < len; i += 3) {
        size_t n = len - i < 3 ? len - i : 3;
        uint32_t v = (uint32_t)p[i] << 16;
        if (n > 1) v |= (uint32_t)p[i + 1] << 8;
        if (n > 2) v |= p[i + 2];
        quad[0] = alphabet[v >> 18];
        quad[1] = alphabet[(v >> 12) & 63];
        quad[2] = n > 1 ? alphabet[(v >> 6) & 63] : '=';
        quad[3] = n > 2 ? alphabet[v & 63] : '=';
        json_buf_append(out, quad, 4);
    }
}

static int sextet(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int base64_decode(json_buf *out, const char *text, size_t len)
{
    if (len % 4) return -1;
    for (size_t i = 0; i < len; i += 4) {
        bool last = i + 4 == len;
        int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=' && text[i + 3] == '=') : 0;
        int s[4] = { 0, 0, 0, 0 };
        for (int k = 0; k < 4 - pad; k++)
            if ((s[k] = sextet(text[i + k])) < 0) return -1;
        uint32_t v = (uint32_t)s[0] << 18 | (uint32_t)s[1] << 12 | (uint32_t)s[2] << 6 | (uint32_t)s[3];
        unsigned char bytes[3] = { (unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v };
        if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff))) return -1;   /* non-zero unused bits */
        json_buf_append(out, bytes, (size_t)(3 - pad));
    }
    return out->oom ? -1 : 0;
}

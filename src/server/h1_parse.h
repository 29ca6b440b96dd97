/*
 * h1_parse.h - HTTP/1.1 request framing on byte strings (RFC 9112), private to
 * the transport: finding and parsing a request head, and decoding a chunked
 * body in place.  No connection, no socket: http1.c feeds these what it has
 * read, the unit tests feed them byte strings cut at every offset.
 */
#ifndef SERVER_H1_PARSE_H
#define SERVER_H1_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define H1_MAX_REQUEST_LINE  8192
#define H1_MAX_HEADER_FIELDS 100       /* as hyper (upstream's HTTP library) */
#define H1_MAX_CHUNK_FRAMING 16384     /* chunk extensions + trailers of one body */

/* What the head says.  Offsets are from the head's first byte; the strings
 * there are NUL-terminated once h1_parse_head has run. */
typedef struct h1_head {
    size_t len;                    /* through the empty line */
    size_t method_at, path_at;     /* path without query string or fragment */
    size_t ctype_at;               /* 0: no Content-Type */
    size_t content_length;         /* valid with has_length */
    bool has_length;
    bool chunked;                  /* Transfer-Encoding: chunked */
    bool http10;                   /* HTTP/1.0 (else 1.1) */
    bool keep_alive;
    bool expect_continue;          /* Expect: 100-continue on HTTP/1.1 */
    bool is_head;                  /* method HEAD */
    const char *error;             /* with a non-zero status: why (a literal) */
} h1_head;

/* Length of the head (through the empty line) in [p, p+len), 0 if incomplete.
 * Lines end in CRLF or a bare LF. */
size_t h1_head_length(const char *p, size_t len);

/* Garbage is refused as soon as the first line is complete: 0 (fine or not
 * complete yet), 400, or 414 once H1_MAX_REQUEST_LINE bytes hold no LF. */
int h1_check_first_line(const char *p, size_t len);

/* Parses the head of h1_head_length() bytes at `base`, in place (NULs are
 * written into it).  0, or the status to refuse the request with (400, 417,
 * 431, 501, 505) and h->error. */
int h1_parse_head(char *base, size_t len, h1_head *h);

/* A chunked body being decoded.  Zero it before the first call. */
typedef struct h1_chunked {
    unsigned char state;
    unsigned char size_digits;
    size_t chunk_left;             /* the size being read, then its data bytes still to come */
    size_t body_len;               /* decoded bytes: body[0, body_len) */
    size_t framing;                /* extension and trailer bytes so far */
    size_t end;                    /* once complete: the body's raw length */
    const char *error;             /* with an error status: why (a literal) */
} h1_chunked;

enum { H1_MORE = 0, H1_DONE = 1 };

/* Decodes the raw bytes body[d->body_len, len) in place: chunk data moves down
 * to body[0, d->body_len).  H1_MORE: every byte was taken, the caller drops
 * body[d->body_len, len) and calls again when more has come (bytes may be
 * split anywhere).  H1_DONE: the last chunk and the trailers (dropped) ended
 * at body + d->end; what follows is the next request.  Else the status to
 * refuse with: 400 (bad framing; CRLF is required, bare LF or CR refused),
 * 413 (decoded body over max_body), 431 (trailers too large), and d->error. */
int h1_chunked_decode(h1_chunked *d, char *body, size_t len, size_t max_body);

#endif /* SERVER_H1_PARSE_H */

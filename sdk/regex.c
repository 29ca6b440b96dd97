/*
 * regex.c - regular expressions in Go's (RE2) syntax, as Kubewarden's Go
 * policies accept them in their settings, with Go's compile error messages.
 *
 * Supported: literals, ., [...] classes (ranges, negation, \d\w\s, [:alpha:]
 * names), ^ $ \A \z \b \B, groups ( ) (?: ) (?P<name> ), alternation |,
 * quantifiers * + ? {n} {n,} {n,m} and their lazy forms.  Not supported:
 * flags such as (?i), Unicode classes (\pL); they are rejected at compile
 * time.  Matching is by bytes, with backtracking bounded by a step budget (the
 * inputs are label values of at most 63 bytes).
 */
#include "kw.h"

#include <string.h>

typedef enum { N_BYTE, N_CLASS, N_BOL, N_EOL, N_WORDB, N_NWORDB, N_GROUP, N_ALT, N_REPEAT } node_kind;

typedef struct node {
    node_kind kind;
    struct node *next;        /* following node in a sequence */
    struct node *child;       /* group body, repeat body, first alternative */
    struct node *alt;         /* next alternative (inside an N_ALT's list) */
    unsigned char byte;
    unsigned char set[32];    /* N_CLASS: bitmap of accepted bytes */
    int min, max;             /* N_REPEAT; max < 0 means unbounded */
    bool lazy;
} node;

struct kw_regex {
    node *root;
};

typedef struct parser {
    const char *src, *p, *end;
    const char *err_code;
    const char *err_at;
    size_t err_len;
    int depth;
} parser;

static node *new_node(node_kind kind)
{
    node *n = kw_alloc(sizeof *n);
    n->kind = kind;
    return n;
}

static void error(parser *ps, const char *code, const char *at, size_t len)
{
    if (ps->err_code)
        return;
    ps->err_code = code;
    ps->err_at = at;
    ps->err_len = len;
}

static void set_bit(unsigned char *set, unsigned c) { set[c >> 3] |= (unsigned char)(1u << (c & 7)); }
static bool has_bit(const unsigned char *set, unsigned c) { return set[c >> 3] & (1u << (c & 7)); }

static void set_range(unsigned char *set, unsigned lo, unsigned hi)
{
    for (unsigned c = lo; c <= hi; c++)
        set_bit(set, c);
}

static bool is_word(unsigned c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Adds the class named by a Perl escape letter (d, w, s and uppercase negations). */
static bool perl_class(unsigned char *set, char letter)
{
    unsigned char tmp[32] = { 0 };
    switch (letter | 0x20) {
    case 'd': set_range(tmp, '0', '9'); break;
    case 'w': for (unsigned c = 0; c < 256; c++) if (is_word(c)) set_bit(tmp, c); break;
    case 's': set_bit(tmp, ' '); set_bit(tmp, '\t'); set_bit(tmp, '\n'); set_bit(tmp, '\f');
              set_bit(tmp, '\r'); break;
    default: return false;
    }
    bool negate = letter >= 'A' && letter <= 'Z';
    for (int i = 0; i < 32; i++)
        set[i] |= negate ? (unsigned char)~tmp[i] : tmp[i];
    return true;
}

static int hexdigit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Parses the escape after a backslash (ps->p at the backslash) that stands
 * for one byte; returns it, or -1 (error set) if it is not a single byte. */
static int escaped_byte(parser *ps)
{
    const char *start = ps->p;
    ps->p++;
    if (ps->p >= ps->end) {
        error(ps, "trailing backslash at end of expression", ps->end, 0);
        return -1;
    }
    char c = *ps->p++;
    switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case 'f': return '\f';
    case 'v': return '\v';
    case 'a': return '\a';
    case 'x':
        if (ps->end - ps->p >= 2 && hexdigit(ps->p[0]) >= 0 && hexdigit(ps->p[1]) >= 0) {
            int v = hexdigit(ps->p[0]) * 16 + hexdigit(ps->p[1]);
            ps->p += 2;
            return v;
        }
        break;
    default:
        /* punctuation may be escaped; letters and digits must be known escapes */
        if ((unsigned char)c < 0x80 && !is_word((unsigned char)c))
            return (unsigned char)c;
    }
    error(ps, "invalid escape sequence", start, (size_t)(ps->p - start));
    return -1;
}

static bool posix_class(unsigned char *set, const char *name, size_t n)
{
    static const struct { const char *name; const char *ranges; } classes[] = {
        { "alpha", "azAZ" }, { "digit", "09" }, { "alnum", "azAZ09" }, { "upper", "AZ" },
        { "lower", "az" }, { "xdigit", "09afAF" }, { "space", "\t\r  " }, { "punct", "!/:@[`{~" },
        { "word", "azAZ09__" }, { "blank", "\t\t  " }, { "cntrl", "\x01\x1f\x7f\x7f" },
        { "print", " ~" }, { "graph", "!~" },
    };
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        if (strlen(classes[i].name) != n || memcmp(classes[i].name, name, n) != 0)
            continue;
        for (const char *r = classes[i].ranges; *r; r += 2)
            set_range(set, (unsigned char)r[0], (unsigned char)r[1]);
        if (strcmp(classes[i].name, "cntrl") == 0)
            set_bit(set, 0);
        return true;
    }
    return false;
}

static node *parse_class(parser *ps)
{
    const char *start = ps->p++;   /* '[' */
    node *n = new_node(N_CLASS);
    bool negate = false;
    if (ps->p < ps->end && *ps->p == '^') {
        negate = true;
        ps->p++;
    }
    bool first = true;
    while (ps->p < ps->end && (*ps->p != ']' || first)) {
        first = false;
        const char *item = ps->p;
        if (*ps->p == '[' && ps->end - ps->p >= 2 && ps->p[1] == ':') {
            const char *close = NULL;
            for (const char *q = ps->p + 2; q + 1 < ps->end; q++)
                if (q[0] == ':' && q[1] == ']') { close = q; break; }
            if (close) {
                if (!posix_class(n->set, ps->p + 2, (size_t)(close - ps->p - 2))) {
                    error(ps, "invalid character class range", ps->p, (size_t)(close + 2 - ps->p));
                    return NULL;
                }
                ps->p = close + 2;
                continue;
            }
        }
        int lo;
        if (*ps->p == '\\') {
            if (ps->end - ps->p >= 2 && perl_class(n->set, ps->p[1])) {
                ps->p += 2;
                continue;
            }
            lo = escaped_byte(ps);
            if (lo < 0)
                return NULL;
        } else {
            lo = (unsigned char)*ps->p++;
        }
        int hi = lo;
        if (ps->end - ps->p >= 2 && ps->p[0] == '-' && ps->p[1] != ']') {
            ps->p++;
            if (*ps->p == '\\') {
                hi = escaped_byte(ps);
                if (hi < 0)
                    return NULL;
            } else {
                hi = (unsigned char)*ps->p++;
            }
            if (hi < lo) {
                error(ps, "invalid character class range", item, (size_t)(ps->p - item));
                return NULL;
            }
        }
        set_range(n->set, (unsigned)lo, (unsigned)hi);
    }
    if (ps->p >= ps->end) {
        error(ps, "missing closing ]", start, (size_t)(ps->end - start));
        return NULL;
    }
    ps->p++;   /* ']' */
    if (negate)
        for (int i = 0; i < 32; i++)
            n->set[i] = (unsigned char)~n->set[i];
    return n;
}

static node *parse_alt(parser *ps);

static node *parse_group(parser *ps)
{
    const char *start = ps->p++;   /* '(' */
    if (ps->p < ps->end && *ps->p == '?') {
        if (ps->end - ps->p >= 2 && ps->p[1] == ':') {
            ps->p += 2;
        } else if (ps->end - ps->p >= 3 && ps->p[1] == 'P' && ps->p[2] == '<') {
            const char *gt = memchr(ps->p, '>', (size_t)(ps->end - ps->p));
            if (!gt) {
                error(ps, "invalid named capture", start, (size_t)(ps->end - start));
                return NULL;
            }
            ps->p = gt + 1;
        } else {
            error(ps, "invalid or unsupported Perl syntax", start, (size_t)(ps->p + 1 - start) +
                  (ps->p + 1 < ps->end ? 1 : 0));
            return NULL;
        }
    }
    if (++ps->depth > 1000) {
        error(ps, "expression nests too deeply", ps->src, (size_t)(ps->end - ps->src));
        return NULL;
    }
    node *body = parse_alt(ps);
    ps->depth--;
    if (ps->err_code)
        return NULL;
    if (ps->p >= ps->end || *ps->p != ')') {
        error(ps, "missing closing )", ps->src, (size_t)(ps->end - ps->src));
        return NULL;
    }
    ps->p++;
    node *g = new_node(N_GROUP);
    g->child = body;
    return g;
}

static node *parse_atom(parser *ps)
{
    char c = *ps->p;
    node *n;
    switch (c) {
    case '(': return parse_group(ps);
    case '[': return parse_class(ps);
    case '.':
        ps->p++;
        n = new_node(N_CLASS);
        set_range(n->set, 0, 255);
        n->set['\n' >> 3] &= (unsigned char)~(1u << ('\n' & 7));
        return n;
    case '^': ps->p++; return new_node(N_BOL);
    case '$': ps->p++; return new_node(N_EOL);
    case '\\':
        if (ps->end - ps->p >= 2) {
            char e = ps->p[1];
            if (e == 'A' || e == 'z' || e == 'b' || e == 'B') {
                ps->p += 2;
                return new_node(e == 'A' ? N_BOL : e == 'z' ? N_EOL : e == 'b' ? N_WORDB : N_NWORDB);
            }
            if (e == 'p' || e == 'P') {
                error(ps, "invalid character class range", ps->p, 2);
                return NULL;
            }
            n = new_node(N_CLASS);
            if (perl_class(n->set, e)) {
                ps->p += 2;
                return n;
            }
        }
        {
            int b = escaped_byte(ps);
            if (b < 0)
                return NULL;
            n = new_node(N_BYTE);
            n->byte = (unsigned char)b;
            return n;
        }
    default:
        ps->p++;
        n = new_node(N_BYTE);
        n->byte = (unsigned char)c;
        return n;
    }
}

/* Recognises {n}, {n,}, {n,m} at p.  A brace that does not start one is a
 * literal in Go's syntax. */
static bool brace_repeat(const char *p, const char *end, const char **after, long *lo, long *hi)
{
    const char *q = p + 1;
    if (q >= end || *q < '0' || *q > '9')
        return false;
    *lo = 0;
    while (q < end && *q >= '0' && *q <= '9')
        if ((*lo = *lo * 10 + (*q++ - '0')) > 100000)
            *lo = 100000;
    *hi = *lo;
    if (q < end && *q == ',') {
        q++;
        if (q < end && *q == '}') {
            *hi = -1;
        } else {
            if (q >= end || *q < '0' || *q > '9')
                return false;
            *hi = 0;
            while (q < end && *q >= '0' && *q <= '9')
                if ((*hi = *hi * 10 + (*q++ - '0')) > 100000)
                    *hi = 100000;
        }
    }
    if (q >= end || *q != '}')
        return false;
    *after = q + 1;
    return true;
}

static bool at_quantifier(const parser *ps)
{
    const char *after;
    long lo, hi;
    char c = *ps->p;
    return c == '*' || c == '+' || c == '?' || (c == '{' && brace_repeat(ps->p, ps->end, &after, &lo, &hi));
}

static node *parse_repeat(parser *ps, node *atom)
{
    bool repeated = false;
    while (ps->p < ps->end && at_quantifier(ps)) {
        const char *op = ps->p;
        long min, max;
        switch (*ps->p) {
        case '*': min = 0; max = -1; ps->p++; break;
        case '+': min = 1; max = -1; ps->p++; break;
        case '?': min = 0; max = 1; ps->p++; break;
        default:
            brace_repeat(ps->p, ps->end, &ps->p, &min, &max);
            if (min > 1000 || max > 1000 || (max >= 0 && max < min)) {
                error(ps, "invalid repeat count", op, (size_t)(ps->p - op));
                return NULL;
            }
        }
        bool lazy = ps->p < ps->end && *ps->p == '?';
        if (lazy)
            ps->p++;
        if (!atom) {
            error(ps, "missing argument to repetition operator", op, (size_t)(ps->p - op));
            return NULL;
        }
        if (repeated) {
            error(ps, "invalid nested repetition operator", op - 1, (size_t)(ps->p - op + 1));
            return NULL;
        }
        node *r = new_node(N_REPEAT);
        r->child = atom;
        r->min = (int)min;
        r->max = (int)max;
        r->lazy = lazy;
        atom = r;
        repeated = true;
    }
    return atom;
}

/* A sequence up to '|' or ')' or the end. */
static node *parse_concat(parser *ps)
{
    node *head = NULL, **tail = &head;
    while (ps->p < ps->end && *ps->p != '|' && *ps->p != ')') {
        node *atom = at_quantifier(ps) ? NULL : parse_atom(ps);
        if (ps->err_code)
            return NULL;
        atom = parse_repeat(ps, atom);
        if (ps->err_code)
            return NULL;
        *tail = atom;
        tail = &atom->next;
    }
    return head;
}

static node *parse_alt(parser *ps)
{
    node *first = parse_concat(ps);
    if (ps->err_code || ps->p >= ps->end || *ps->p != '|')
        return first;
    node *alt = new_node(N_ALT);
    node *branch = new_node(N_GROUP);
    branch->child = first;
    alt->child = branch;
    while (ps->p < ps->end && *ps->p == '|' && !ps->err_code) {
        ps->p++;
        node *next = new_node(N_GROUP);
        next->child = parse_concat(ps);
        branch->alt = next;
        branch = next;
    }
    return alt;
}

kw_regex *kw_regex_compile(const char *pattern, char *err, size_t errlen)
{
    size_t len = strlen(pattern);
    parser ps = { pattern, pattern, pattern + len, NULL, NULL, 0, 0 };
    node *root = parse_alt(&ps);
    if (!ps.err_code && ps.p < ps.end)   /* stopped at an unmatched ')' */
        error(&ps, "unexpected )", pattern, len);
    if (ps.err_code) {
        kw_buf b = { 0 };
        kw_buf_puts(&b, "error parsing regexp: ");
        kw_buf_puts(&b, ps.err_code);
        kw_buf_puts(&b, ": `");
        kw_buf_put(&b, ps.err_at, ps.err_len);
        kw_buf_puts(&b, "`");
        if (err && errlen) {
            size_t n = b.len < errlen - 1 ? b.len : errlen - 1;
            memcpy(err, b.data, n);
            err[n] = '\0';
        }
        return NULL;
    }
    kw_regex *re = kw_alloc(sizeof *re);
    re->root = root;
    return re;
}

/* ---- matching ---------------------------------------------------------------- */

/* What to match after the current node: a plain continuation, or the end of
 * one iteration of a repeat (which may loop). */
typedef struct cont {
    const node *n;
    const struct cont *up;
    const node *repeat;   /* non-NULL: end of an iteration of this repeat */
    int count;            /* iterations completed before this one */
    size_t start;         /* where this iteration began */
} cont;

typedef struct matcher {
    const unsigned char *s;
    size_t len;
    long budget;
} matcher;

static bool match(matcher *m, const node *n, size_t pos, const cont *k);

static bool repeat_from(matcher *m, const node *r, int count, size_t pos, const cont *k)
{
    bool can_more = r->max < 0 || count < r->max;
    bool can_stop = count >= r->min;
    cont again = { NULL, k, r, count, pos };
    if (r->lazy) {
        if (can_stop && match(m, r->next, pos, k))
            return true;
        return can_more && match(m, r->child, pos, &again);
    }
    if (can_more && match(m, r->child, pos, &again))
        return true;
    return can_stop && match(m, r->next, pos, k);
}

static bool word_at(const matcher *m, size_t pos) { return pos < m->len && is_word(m->s[pos]); }

static bool match(matcher *m, const node *n, size_t pos, const cont *k)
{
    if (--m->budget < 0)
        return false;
    if (!n) {
        if (!k)
            return true;
        if (k->repeat) {
            if (pos == k->start && k->count + 1 > k->repeat->min)
                return false;   /* an empty iteration would loop forever */
            return repeat_from(m, k->repeat, k->count + 1, pos, k->up);
        }
        return match(m, k->n, pos, k->up);
    }
    switch (n->kind) {
    case N_BYTE:
        return pos < m->len && m->s[pos] == n->byte && match(m, n->next, pos + 1, k);
    case N_CLASS:
        return pos < m->len && has_bit(n->set, m->s[pos]) && match(m, n->next, pos + 1, k);
    case N_BOL:
        return pos == 0 && match(m, n->next, pos, k);
    case N_EOL:
        return pos == m->len && match(m, n->next, pos, k);
    case N_WORDB:
    case N_NWORDB: {
        bool boundary = (pos > 0 && word_at(m, pos - 1)) != word_at(m, pos);
        return boundary == (n->kind == N_WORDB) && match(m, n->next, pos, k);
    }
    case N_GROUP: {
        cont after = { n->next, k, NULL, 0, 0 };
        return match(m, n->child, pos, &after);
    }
    case N_ALT: {
        cont after = { n->next, k, NULL, 0, 0 };
        for (const node *b = n->child; b; b = b->alt)
            if (match(m, b->child, pos, &after))
                return true;
        return false;
    }
    case N_REPEAT:
        return repeat_from(m, n, 0, pos, k);
    }
    return false;
}

bool kw_regex_match(const kw_regex *re, const char *s, size_t n)
{
    matcher m = { (const unsigned char *)s, n, 1000000 };
    for (size_t start = 0; start <= n; start++)
        if (match(&m, re->root, start, NULL))
            return true;
    return false;
}

/*
 * snapshot.c - capture an instance's state; hand out fresh instances in that
 * state from a pool.
 *
 * An imported memory is captured like a defined one and becomes private to
 * each instance made from the snapshot (sharing it would break isolation).
 *
 * Restoring is proportional to what the previous user changed: the memory's
 * dirty granules (set by every store) are copied back from the image, or
 * zeroed above it, and the small state (globals, tables, dropped flags, the
 * memory size) is copied whole.  Function references that pointed into the
 * template instance are kept as function indices and translated to each
 * instance's own function records.
 *
 * The pool grows to the number of evaluations of one snapshot that ran at
 * once, which can be as many as there are threads, but only as many as there
 * are CPUs to run on (at least two) can run at the same moment: the others were
 * preempted while holding theirs.  So the pool keeps that many idle instances
 * ready to run (warm); instances that come back beyond that give their
 * memory's pages back to the kernel instead of being restored and wait on a
 * cold list; taking one copies the image in again.  What idle instances keep
 * resident then does not grow with the number of threads.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "instance.h"

#define GRANULE (1u << WASM_DIRTY_SHIFT)

/* A slot (table element or global) holding a function of the template. */
typedef struct funcref_fixup {
    uint32_t slot, func;
} funcref_fixup;

typedef struct snap_values {
    uint64_t *values;
    uint32_t count;
    funcref_fixup *fixups;
    uint32_t nfixups;
} snap_values;

struct wasm_snapshot {
    const wasm_module *module;
    wasm_limits limits;
    wasm_funcinst *imported_funcs;   /* host functions copied; others point to their instance */
    wasm_funcinst **func_imports;
    wasm_global **global_imports;

    uint8_t *image;                  /* memory [0, image_len): the rest up to pages is zero */
    uint64_t image_len;
    uint32_t pages, max_pages;
    bool has_max;                    /* the memory's declared maximum, for import matching */
    uint32_t declared_max;

    snap_values globals;             /* defined globals */
    snap_values *tables;             /* defined tables, with their max */
    uint32_t *table_max;
    uint8_t *elem_dropped, *data_dropped;

    pthread_mutex_t lock;
    wasm_instance *warm;             /* idle, memory as the image: ready to run */
    wasm_instance *cold;             /* idle, memory given back: refilled when taken */
    _Atomic uint32_t nwarm;          /* length of `warm`; written under lock */
    uint32_t max_warm;
};

/* ---- capture ------------------------------------------------------------- */

/* The function index of `ref` if it points into the template's own records. */
static bool template_func(const wasm_instance *t, uint64_t ref, uint32_t *index)
{
    const wasm_module *m = t->module;
    const wasm_funcinst *f = (const wasm_funcinst *)(uintptr_t)ref;
    uint32_t ndefined = m->nfuncs - m->nfunc_imports;
    if (!f) return false;
    if (f >= t->own_funcs && f < t->own_funcs + ndefined) {
        *index = m->nfunc_imports + (uint32_t)(f - t->own_funcs);
        return true;
    }
    if (f >= t->host_funcs && f < t->host_funcs + m->nfunc_imports) {
        *index = (uint32_t)(f - t->host_funcs);
        return true;
    }
    return false;
}

static int capture_values(snap_values *v, const wasm_instance *t, const uint64_t *src, uint32_t n, bool refs)
{
    v->count = n;
    v->values = malloc((n ? n : 1) * sizeof *v->values);
    v->fixups = malloc((n ? n : 1) * sizeof *v->fixups);
    if (!v->values || !v->fixups) return -1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t f;
        v->values[i] = src[i];
        if (refs && template_func(t, src[i], &f)) v->fixups[v->nfixups++] = (funcref_fixup){ i, f };
    }
    return 0;
}

static int capture_memory(wasm_snapshot *s, const wasm_memory *mem)
{
    uint64_t len = mem->size;
    while (len >= GRANULE) {           /* trailing zero granules need no image */
        const uint8_t *g = mem->base + len - GRANULE;
        if (g[0] || memcmp(g, g + 1, GRANULE - 1)) break;
        len -= GRANULE;
    }
    s->image_len = len;
    s->image = malloc(len ? len : 1);
    if (!s->image) return -1;
    memcpy(s->image, mem->base, len);
    s->pages = mem->pages;
    s->max_pages = mem->max_pages;
    s->has_max = mem->has_max;
    s->declared_max = mem->declared_max;
    return 0;
}

static int capture(wasm_snapshot *s, const wasm_instance *t)
{
    const wasm_module *m = t->module;
    uint32_t ndef_tables = m->ntables - m->ntable_imports, ndef_globals = m->nglobals - m->nglobal_imports;
    s->imported_funcs = calloc(m->nfunc_imports + 1, sizeof *s->imported_funcs);
    s->func_imports = calloc(m->nfunc_imports + 1, sizeof *s->func_imports);
    s->global_imports = calloc(m->nglobal_imports + 1, sizeof *s->global_imports);
    s->tables = calloc(ndef_tables + 1, sizeof *s->tables);
    s->table_max = calloc(ndef_tables + 1, sizeof *s->table_max);
    s->elem_dropped = malloc(m->nelems + 1);
    s->data_dropped = malloc(m->ndatas + 1);
    if (!s->imported_funcs || !s->func_imports || !s->global_imports || !s->tables || !s->table_max ||
        !s->elem_dropped || !s->data_dropped)
        return -1;
    for (uint32_t i = 0; i < m->nfunc_imports; i++) {
        const wasm_funcinst *f = t->funcs[i];
        s->imported_funcs[i] = *f;
        s->func_imports[i] = f->inst ? (wasm_funcinst *)f : &s->imported_funcs[i];
    }
    memcpy(s->global_imports, t->globals, m->nglobal_imports * sizeof *s->global_imports);
    if (t->mem0 && capture_memory(s, t->mem0) < 0) return -1;
    uint64_t *globals = calloc(ndef_globals + 1, sizeof *globals);
    if (!globals) return -1;
    for (uint32_t i = 0; i < ndef_globals; i++) globals[i] = t->own_globals[i].value;
    int rc = capture_values(&s->globals, t, globals, ndef_globals, true);
    free(globals);
    if (rc < 0) return -1;
    for (uint32_t i = 0; i < ndef_tables; i++) {
        const wasm_table *tab = &t->own_tables[i];
        s->table_max[i] = tab->max;
        if (capture_values(&s->tables[i], t, tab->elems, tab->size, tab->elem == WASM_FUNCREF) < 0) return -1;
    }
    memcpy(s->elem_dropped, t->elem_dropped, m->nelems);
    memcpy(s->data_dropped, t->data_dropped, m->ndatas);
    return 0;
}

/* The CPUs this process may run on (its affinity: a container's cpuset, taskset). */
static uint32_t usable_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return (uint32_t)CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (uint32_t)n : 1;
}

wasm_snapshot *wasm_snapshot_take(wasm_instance *t, wasm_error *err)
{
    const wasm_module *m = t->module;
    if (m->ntable_imports) {
        wasm_fail(err, "cannot snapshot an instance with imported tables");
        return NULL;
    }
    wasm_snapshot *s = calloc(1, sizeof *s);
    if (!s) goto oom;
    s->module = m;
    s->limits = t->limits;
    uint32_t cpus = usable_cpus();
    s->max_warm = cpus > 2 ? cpus : 2;
    pthread_mutex_init(&s->lock, NULL);
    if (capture(s, t) < 0) {
        wasm_snapshot_free(s);
        goto oom;
    }
    return s;
oom:
    wasm_fail(err, "out of memory taking a snapshot");
    return NULL;
}

/* ---- restore --------------------------------------------------------------- */

static void restore_values(const snap_values *v, uint64_t *dst, wasm_instance *inst)
{
    memcpy(dst, v->values, v->count * sizeof *dst);
    for (uint32_t i = 0; i < v->nfixups; i++)
        dst[v->fixups[i].slot] = (uint64_t)(uintptr_t)inst->funcs[v->fixups[i].func];
}

/* Calls fn(s, mem, granule) for each dirty granule in [from, to) and clears it. */
static size_t for_each_dirty(const wasm_snapshot *s, wasm_memory *mem, size_t from, size_t to,
                             void (*fn)(const wasm_snapshot *, wasm_memory *, size_t))
{
    uint8_t *dirty = mem->dirty;
    size_t count = 0;
    for (size_t g = from; g < to; g++) {
        if (g + 8 <= to) {               /* skip clean runs a word at a time */
            uint64_t word;
            memcpy(&word, dirty + g, 8);
            if (!word) { g += 7; continue; }
        }
        if (!dirty[g]) continue;
        count++;
        if (fn) {
            dirty[g] = 0;
            fn(s, mem, g);
        }
    }
    return count;
}

/* Image bytes below image_len, zeroes above. */
static void restore_granule(const wasm_snapshot *s, wasm_memory *mem, size_t g)
{
    uint64_t at = (uint64_t)g << WASM_DIRTY_SHIFT;
    if (at + GRANULE <= s->image_len) {
        memcpy(mem->base + at, s->image + at, GRANULE);
    } else if (at < s->image_len) {
        memcpy(mem->base + at, s->image + at, s->image_len - at);
        memset(mem->base + s->image_len, 0, at + GRANULE - s->image_len);
    } else {
        memset(mem->base + at, 0, GRANULE);
    }
}

#define RELEASE_GRANULES 64              /* 256 KiB written above the snapshot's size */

/*
 * Puts back every granule written since the last restore.  Only granules under
 * the peak size can be dirty.  When a user grew the memory and wrote much of the
 * growth, those pages are given back to the kernel (they read as zero again)
 * rather than zeroed, so a pooled instance does not keep one request's peak.
 */
static void restore_memory(const wasm_snapshot *s, wasm_memory *mem)
{
    size_t image_granules = (size_t)s->pages << (16 - WASM_DIRTY_SHIFT);
    size_t peak_granules = (size_t)mem->peak_pages << (16 - WASM_DIRTY_SHIFT);
    for_each_dirty(s, mem, 0, image_granules, restore_granule);
    if (peak_granules > image_granules) {
        size_t above = peak_granules - image_granules;
        uint64_t from = (uint64_t)image_granules << WASM_DIRTY_SHIFT;
        if (for_each_dirty(s, mem, image_granules, peak_granules, NULL) >= RELEASE_GRANULES &&
            madvise(mem->base + from, (size_t)above << WASM_DIRTY_SHIFT, MADV_DONTNEED) == 0)
            memset(mem->dirty + image_granules, 0, above);
        else
            for_each_dirty(s, mem, image_granules, peak_granules, restore_granule);
    }
    mem->pages = mem->peak_pages = s->pages;
    mem->size = (uint64_t)s->pages * WASM_PAGE_SIZE;
}

static void restore_state(const wasm_snapshot *s, wasm_instance *inst)
{
    const wasm_module *m = s->module;
    uint32_t ndef_globals = m->nglobals - m->nglobal_imports;
    for (uint32_t i = 0; i < ndef_globals; i++) inst->own_globals[i].value = s->globals.values[i];
    for (uint32_t i = 0; i < s->globals.nfixups; i++)
        inst->own_globals[s->globals.fixups[i].slot].value =
            (uint64_t)(uintptr_t)inst->funcs[s->globals.fixups[i].func];
    for (uint32_t i = 0; i < m->ntables - m->ntable_imports; i++) {
        wasm_table *t = &inst->own_tables[i];
        t->size = s->tables[i].count;
        if (t->pristine) memcpy(t->elems, t->pristine, t->size * sizeof *t->elems);
        else restore_values(&s->tables[i], t->elems, inst);
    }
    memcpy(inst->elem_dropped, s->elem_dropped, m->nelems);
    memcpy(inst->data_dropped, s->data_dropped, m->ndatas);
    atomic_store_explicit(&inst->interrupt, 0, memory_order_relaxed);
    inst->deadline_ns = 0;
    inst->depth = 0;
    inst->stack_top = 0;
    inst->exit_code = 0;
    inst->trap_message[0] = '\0';
    inst->last_trap = WASM_OK;
    inst->userdata = NULL;
}

/* A new pooled instance: storage like the template's, memory filled from the image. */
static wasm_instance *create_instance(wasm_snapshot *s, wasm_error *err)
{
    const wasm_module *m = s->module;
    wasm_instance *inst = wasm_instance_alloc(m, &s->limits);
    if (!inst) {
        wasm_fail(err, "out of memory creating an instance");
        return NULL;
    }
    for (uint32_t i = 0; i < m->nfunc_imports; i++) wasm_instance_bind_func(inst, i, s->func_imports[i]);
    memcpy(inst->globals, s->global_imports, m->nglobal_imports * sizeof *inst->globals);
    for (uint32_t i = 0; i < m->ntables - m->ntable_imports; i++) {
        const wasm_tabletype *tt = &m->tables[m->ntable_imports + i];
        if (wasm_table_init_storage(&inst->own_tables[i], tt->elem, s->tables[i].count, s->table_max[i],
                                    tt->limits.has_max, tt->limits.max, err) < 0)
            goto fail;
    }
    if (m->nmems) {   /* defined or imported: each instance gets its own */
        inst->own_mem = wasm_memory_create(s->pages, s->max_pages, s->has_max, s->declared_max, err);
        if (!inst->own_mem) goto fail;
        memcpy(inst->own_mem->base, s->image, s->image_len);
        inst->mems[0] = inst->mem0 = inst->own_mem;
    }
    inst->pool_owner = s;
    return inst;
fail:
    wasm_instance_destroy(inst);
    return NULL;
}

/* A table's funcrefs are translated once per pooled instance; later restores
 * copy the result.  Without memory for the copy, restores translate again. */
static void keep_pristine_tables(const wasm_snapshot *s, wasm_instance *inst)
{
    for (uint32_t i = 0; i < s->module->ntables - s->module->ntable_imports; i++) {
        wasm_table *t = &inst->own_tables[i];
        if (s->tables[i].nfixups == 0) continue;      /* no translation: copy the snapshot's */
        t->pristine = malloc((t->size ? t->size : 1) * sizeof *t->pristine);
        if (t->pristine) memcpy(t->pristine, t->elems, t->size * sizeof *t->elems);
    }
}

/* ---- the interpreter's stacks, one pair per thread ------------------------------ */

/*
 * The value stack and the call frames (allocated by the interpreter on an
 * instance's first call) are only needed while an instance runs.  A released
 * instance leaves them to its thread, and the next instance that thread takes
 * runs on them: a thread keeps one pair instead of every pooled instance
 * keeping its own.  Slots are never read before the interpreter writes them,
 * as on an instance's own stacks across calls.
 */
typedef struct thread_stacks {
    uint64_t *stack;
    void *frames;
    wasm_limits limits;              /* the sizes they were allocated for */
    bool registered;                 /* the key's destructor will free them */
} thread_stacks;

static _Thread_local thread_stacks parked;
static pthread_key_t parked_key;
static pthread_once_t parked_once = PTHREAD_ONCE_INIT;

static void free_parked(void *p)
{
    thread_stacks *t = p;
    free(t->stack);
    free(t->frames);
    t->stack = t->frames = NULL;
}

static void make_parked_key(void) { pthread_key_create(&parked_key, free_parked); }

/* An instance released on this thread leaves its stacks here, if the place is free. */
static void park_stacks(wasm_instance *inst)
{
    if (!inst->stack || !inst->frames || parked.stack) return;
    if (!parked.registered) {
        pthread_once(&parked_once, make_parked_key);
        parked.registered = pthread_setspecific(parked_key, &parked) == 0;
        if (!parked.registered) return;
    }
    parked = (thread_stacks){ inst->stack, inst->frames, inst->limits, true };
    inst->stack = NULL;
    inst->frames = NULL;
}

/* An instance taken on this thread runs on the parked stacks when they fit. */
static void take_parked_stacks(wasm_instance *inst)
{
    if (inst->stack || inst->frames || !parked.stack ||
        parked.limits.value_stack_slots != inst->limits.value_stack_slots ||
        parked.limits.max_call_depth != inst->limits.max_call_depth)
        return;
    inst->stack = parked.stack;
    inst->frames = parked.frames;
    parked.stack = parked.frames = NULL;
}

/* ---- the pool -------------------------------------------------------------------- */

/* Pops the head of *list; the caller holds the lock. */
static wasm_instance *pop(wasm_instance **list)
{
    wasm_instance *inst = *list;
    if (inst) *list = inst->pool_next;
    return inst;
}

wasm_instance *wasm_snapshot_instantiate(wasm_snapshot *s, wasm_error *err)
{
    pthread_mutex_lock(&s->lock);
    wasm_instance *inst = pop(&s->warm), *cold = NULL;
    if (inst) atomic_store_explicit(&s->nwarm, s->nwarm - 1, memory_order_relaxed);
    else cold = inst = pop(&s->cold);
    pthread_mutex_unlock(&s->lock);
    if (inst) {
        inst->pool_next = NULL;
        if (cold && cold->own_mem) memcpy(cold->own_mem->base, s->image, s->image_len);
    } else {
        inst = create_instance(s, err);
        if (!inst) return NULL;
        restore_state(s, inst);
        keep_pristine_tables(s, inst);
    }
    take_parked_stacks(inst);
    return inst;
}

/*
 * Instead of a restore: every page of the memory and of its dirty map goes
 * back to the kernel and reads as zero until the image is copied in again.
 * -1 when madvise fails: the memory is then in no known state.
 */
static int give_back_memory(const wasm_snapshot *s, wasm_memory *mem)
{
    if (wasm_memory_release_pages(mem) < 0) return -1;
    mem->pages = mem->peak_pages = s->pages;
    mem->size = (uint64_t)s->pages * WASM_PAGE_SIZE;
    return 0;
}

/* Called by wasm_instance_free: reset now, so pooled instances hold no guest data. */
void wasm_snapshot_release(wasm_instance *inst)
{
    wasm_snapshot *s = inst->pool_owner;
    /* Read without the lock: a race only lets the warm list overshoot by one. */
    bool warm = atomic_load_explicit(&s->nwarm, memory_order_relaxed) < s->max_warm;
    park_stacks(inst);
    if (inst->own_mem && !warm && give_back_memory(s, inst->own_mem) < 0) {
        wasm_instance_destroy(inst);    /* never pooled in an unknown state */
        return;
    }
    if (inst->own_mem && warm) restore_memory(s, inst->own_mem);
    restore_state(s, inst);
    pthread_mutex_lock(&s->lock);
    if (warm) {
        inst->pool_next = s->warm;
        s->warm = inst;
        atomic_store_explicit(&s->nwarm, s->nwarm + 1, memory_order_relaxed);
    } else {
        inst->pool_next = s->cold;
        s->cold = inst;
    }
    pthread_mutex_unlock(&s->lock);
}

static void free_values(snap_values *v)
{
    free(v->values);
    free(v->fixups);
}

void wasm_snapshot_free(wasm_snapshot *s)
{
    if (!s) return;
    const wasm_module *m = s->module;
    for (wasm_instance *inst; (inst = pop(&s->warm)) || (inst = pop(&s->cold));)
        wasm_instance_destroy(inst);
    if (s->tables)
        for (uint32_t i = 0; i < m->ntables - m->ntable_imports; i++) free_values(&s->tables[i]);
    free_values(&s->globals);
    free(s->tables);
    free(s->table_max);
    free(s->imported_funcs);
    free(s->func_imports);
    free(s->global_imports);
    free(s->image);
    free(s->elem_dropped);
    free(s->data_dropped);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

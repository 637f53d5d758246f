#include "sources.h"

#include <stdlib.h>
#include <string.h>

struct sources {
    source_ent_t *ents;
    size_t cap; /* power of two */
    size_t n;
    size_t *dirty; /* indices of the dirty entries, so commits need no scan */
    size_t ndirty;
};

static uint64_t id_hash(const char *p, size_t len)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)p[i]) * UINT64_C(1099511628211);
    return h;
}

static int alloc_table(sources_t *s, size_t cap)
{
    source_ent_t *e = calloc(cap, sizeof *e);
    size_t *d = malloc(cap / 2 * sizeof *d);
    if (e == NULL || d == NULL) {
        free(e);
        free(d);
        return -1;
    }
    s->ents = e;
    s->dirty = d;
    s->cap = cap;
    return 0;
}

sources_t *sources_new(void)
{
    sources_t *s = calloc(1, sizeof *s);
    if (s != NULL && alloc_table(s, 64) != 0) {
        free(s);
        s = NULL;
    }
    return s;
}

void sources_destroy(sources_t **sp)
{
    if (sp == NULL || *sp == NULL)
        return;
    free((*sp)->ents);
    free((*sp)->dirty);
    free(*sp);
    *sp = NULL;
}

static size_t probe(const sources_t *s, const char *id, size_t len)
{
    size_t i = id_hash(id, len) & (s->cap - 1);
    while (s->ents[i].used && !(s->ents[i].len == len && memcmp(s->ents[i].id, id, len) == 0))
        i = (i + 1) & (s->cap - 1);
    return i;
}

static int grow(sources_t *s)
{
    sources_t old = *s;
    if (alloc_table(s, old.cap * 2) != 0) {
        *s = old;
        return -1;
    }
    s->ndirty = 0;
    for (size_t k = 0; k < old.cap; k++) {
        if (!old.ents[k].used)
            continue;
        size_t i = probe(s, old.ents[k].id, old.ents[k].len);
        s->ents[i] = old.ents[k];
        if (s->ents[i].dirty)
            s->dirty[s->ndirty++] = i;
    }
    free(old.ents);
    free(old.dirty);
    return 0;
}

source_ent_t *sources_get(sources_t *s, const char *id, size_t len)
{
    if (len > WIRE_MAX_SOURCE_ID)
        return NULL;
    size_t i = probe(s, id, len);
    if (s->ents[i].used)
        return &s->ents[i];
    if ((s->n + 1) * 2 > s->cap) {
        if (grow(s) != 0)
            return NULL;
        i = probe(s, id, len);
    }
    source_ent_t *e = &s->ents[i];
    memset(e, 0, sizeof *e);
    memcpy(e->id, id, len);
    e->len = (uint8_t)len;
    e->used = true;
    s->n++;
    return e;
}

size_t sources_count(const sources_t *s)
{
    return s->n;
}

void sources_mark_dirty(sources_t *s, source_ent_t *e)
{
    if (e->dirty)
        return;
    e->dirty = true;
    s->dirty[s->ndirty++] = (size_t)(e - s->ents); /* n <= cap / 2: room */
}

int sources_foreach_dirty(sources_t *s, int (*fn)(void *ctx, const source_ent_t *e), void *ctx)
{
    for (size_t k = 0; k < s->ndirty; k++) {
        int rc = fn(ctx, &s->ents[s->dirty[k]]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

void sources_clean(sources_t *s)
{
    for (size_t k = 0; k < s->ndirty; k++)
        s->ents[s->dirty[k]].dirty = false;
    s->ndirty = 0;
}

long sources_expire(sources_t *s, int64_t before)
{
    size_t keep = 0;
    for (size_t k = 0; k < s->cap; k++)
        keep += s->ents[k].used && (s->ents[k].dirty || s->ents[k].rec.last_ts >= before);
    if (keep == s->n)
        return 0;
    size_t cap = 64;
    while (cap < keep * 2 + 2)
        cap *= 2;
    sources_t old = *s;
    if (alloc_table(s, cap) != 0) {
        *s = old;
        return -1;
    }
    s->n = 0;
    s->ndirty = 0;
    for (size_t k = 0; k < old.cap; k++) {
        const source_ent_t *e = &old.ents[k];
        if (!e->used || !(e->dirty || e->rec.last_ts >= before))
            continue;
        size_t i = probe(s, e->id, e->len);
        s->ents[i] = *e;
        s->n++;
        if (e->dirty)
            s->dirty[s->ndirty++] = i;
    }
    free(old.ents);
    free(old.dirty);
    return (long)(old.n - s->n);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The record reader's fast path, compiled: whole ENTRY and EXIT records -> RawEntry and
 * RawExit events, as src/vmstrace/capture/records.py builds them.
 *
 * Why C: the reader ran twice per syscall and was the largest single cost of the Python
 * consumer (2.2 us a record in CPython, most of it building the event's dict and ints);
 * memray reads its native capture the same way (a compiled reader, a Python API).  The
 * events are slotted dataclasses, filled here at their slots' offsets (../_slots.h).
 *
 * parse() takes what it is sure of and nothing else: it stops at the first record that
 * is not a whole, well-formed ENTRY or EXIT (a STATS record, one not all read yet, a
 * corrupt header) and leaves it to records.py's general path, which checks each length and
 * says what is wrong.  Inside a record it checks every length against the record that
 * holds it (the stream comes from a plugin reading hostile guest memory) and raises the
 * reader's StreamError, with records.py's messages, for a blob that runs past the end.
 *
 * The layout comes from native/vmstrace_records.h, the plugin's own definition.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

#include "vmstrace_records.h"
#include "../_slots.h"
#include "../_blobs.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the record stream is little-endian, and so is every host this reader is built for"
#endif

/* The events' fields, by slot (_slots.h).  ENTRY and EXIT share their first nine. */
static const char *const entry_fields[] = {"ts", "vcpu", "abi", "insn", "pc", "who", "mem",
                                           "sp", "nr", "seq", "flags", "args"};
static const char *const exit_fields[] = {"ts", "vcpu", "abi", "insn", "pc", "who", "mem",
                                          "sp", "nr", "seq", "flags", "ret", "user_pc", "rdi"};
static const char *const mem_fields[] = {"addr", "data", "fault", "truncated", "at_exit",
                                         "elems", "index"};
enum { F_TS, F_VCPU, F_ABI, F_INSN, F_PC, F_WHO, F_MEM, F_SP, F_NR, F_SEQ, F_FLAGS,
       F_ARGS, /* entry */
       F_RET = F_ARGS, F_USER_PC, F_RDI /* exit */ };
enum { M_ADDR, M_DATA, M_FAULT, M_TRUNCATED, M_AT_EXIT, M_ELEMS, M_INDEX };

/* What records.py hands over once (configure()): the event classes and lookup tables. */
static struct {
    Shape entry, exit, mem;
    PyObject *insns;  /* tuple: Insn member by code, None where no member has that code */
    PyObject *abis;   /* ("x86_64", "i386") */
    PyObject *stream_error;
    PyObject *no_mem; /* events.NO_MEM: the mem of every record without blobs */
    uint64_t max_record;
    PyObject *empty_tuple;
    PyObject *index_top; /* VMST_INDEX_TOP, the index of every blob that is no element */
    int ready;
} S;

#define REC_HDR_SIZE ((Py_ssize_t)sizeof(struct vmst_rec_hdr))
#define ENTRY_MIN (REC_HDR_SIZE + (Py_ssize_t)sizeof(struct vmst_entry))
#define EXIT_MIN (REC_HDR_SIZE + (Py_ssize_t)sizeof(struct vmst_exit))
#define BLOB_HDR_SIZE ((Py_ssize_t)sizeof(struct vmst_blob_hdr))
/* Records per parse() call.  The events of a batch are alive together until the consumer
 * takes them; a few hundred keep them under the collector's first threshold (700 new
 * container objects), which thousands would cross again and again. */
#ifndef BATCH
#define BATCH 128
#endif

static PyObject *u64(uint64_t v)
{
    return PyLong_FromUnsignedLongLong(v);
}

/* The integers that come back record after record (a call site's pc, the return address,
 * a thread's stack pointer, a buffer's address; the kernel's one exit pc): each field keeps
 * the object it made last and hands it out again for the same value, instead of a new
 * int each time (ints are immutable: sharing one is as good as an equal one). */
struct last_int {
    uint64_t v;
    PyObject *obj; /* owned; NULL until the field's first value */
};
enum { L_ENTRY_PC, L_EXIT_PC, L_ENTRY_SP, L_EXIT_SP, L_USER_PC, L_RDI, L_RET, L_ARG0,
       L_BLOB = L_ARG0 + 6, /* a blob's address, by its argument (mod 8) and entry or exit */
       L_N = L_BLOB + 16 };
static struct last_int last[L_N];

/* Behind them, the values seen in any of those fields, by value: an fd's flags, a mode,
 * AT_FDCWD, a buffer's address come back in other calls' other arguments. */
#define SEEN 256
static struct last_int seen[SEEN];

static PyObject *same_u64(int field, uint64_t v)
{
    struct last_int *l = &last[field];
    if (l->obj != NULL && l->v == v)
        return Py_NewRef(l->obj);
    struct last_int *a = &seen[(v * 0x9E3779B97F4A7C15ULL) >> 56];
    PyObject *obj;
    if (a->obj != NULL && a->v == v) {
        obj = Py_NewRef(a->obj);
    } else if ((obj = u64(v)) != NULL) {
        Py_XSETREF(a->obj, Py_NewRef(obj));
        a->v = v;
    }
    if (obj != NULL) {
        Py_XSETREF(l->obj, Py_NewRef(obj));
        l->v = v;
    }
    return obj;
}

/* A call's number: x86_64's reach past the ints Python keeps (openat is 257, statx 332),
 * and every entry and exit holds one; one object per number below NR_INTS. */
#define NR_INTS 1024
static PyObject *nr_ints[NR_INTS];

static PyObject *nr_int(uint64_t nr)
{
    if (nr >= NR_INTS)
        return u64(nr);
    if (nr_ints[nr] == NULL && (nr_ints[nr] = u64(nr)) == NULL)
        return NULL;
    return Py_NewRef(nr_ints[nr]);
}

static PyObject *stream_error(const char *msg)
{
    PyErr_SetString(S.stream_error, msg);
    return NULL;
}

/* The Insn member for a code; a code no member has makes the record corrupt. */
static PyObject *insn_of(unsigned code)
{
    if (code < (unsigned)PyTuple_GET_SIZE(S.insns)) {
        PyObject *m = PyTuple_GET_ITEM(S.insns, code);
        if (m != Py_None)
            return Py_NewRef(m);
    }
    return PyErr_Format(S.stream_error, "capture stream corrupt: unknown instruction code %u",
                        code);
}

/* The ABI's name for a code (0 x86_64, 1 i386); any other makes the record corrupt. */
static PyObject *abi_of(unsigned code)
{
    if (code < 2)
        return Py_NewRef(PyTuple_GET_ITEM(S.abis, code));
    return PyErr_Format(S.stream_error, "capture stream corrupt: unknown ABI code %u", code);
}

static PyObject *flag(int set)
{
    return Py_NewRef(set ? Py_True : Py_False);
}

/* One blob -> Mem (records.py's layout of a blob). */
static PyObject *make_mem(const struct vmst_blob_hdr *h, const char *data, PyObject *elems)
{
    const Shape *m = &S.mem;
    PyObject *mem = shape_new(m);
    if (mem == NULL)
        return NULL;
    int field = L_BLOB + (h->arg & 7) + (h->flags & VMST_BLOB_EXIT ? 8 : 0);
    if (slot_put(mem, m, M_ADDR, same_u64(field, h->addr)) < 0
        || slot_put(mem, m, M_DATA, PyBytes_FromStringAndSize(data, h->len)) < 0
        || slot_put(mem, m, M_FAULT, flag(h->flags & VMST_BLOB_FAULT)) < 0
        || slot_put(mem, m, M_TRUNCATED, flag(h->flags & VMST_BLOB_TRUNC)) < 0
        || slot_put(mem, m, M_AT_EXIT, flag(h->flags & VMST_BLOB_EXIT)) < 0
        || slot_put(mem, m, M_ELEMS, Py_NewRef(elems)) < 0
        || slot_put(mem, m, M_INDEX, h->index == VMST_INDEX_TOP ? Py_NewRef(S.index_top)
                                                                : PyLong_FromLong(h->index))
               < 0) {
        Py_DECREF(mem);
        return NULL;
    }
    return mem;
}

/*
 * The framing of a record's blob area (`count` blobs from buf[off], inside the record that
 * ends at `end`): the offset just past the last blob, or -1 with the reader's StreamError
 * (records.py's messages) for a header or data that runs past the record.
 */
static Py_ssize_t blob_frame(const char *buf, Py_ssize_t off, Py_ssize_t end, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        struct vmst_blob_hdr h;
        if (off + BLOB_HDR_SIZE > end) {
            stream_error("capture stream corrupt: blob header past the record's end");
            return -1;
        }
        memcpy(&h, buf + off, sizeof(h));
        off += BLOB_HDR_SIZE;
        if ((Py_ssize_t)h.len > end - off) {
            stream_error("capture stream corrupt: blob data past the record's end");
            return -1;
        }
        /* (the padding of the last blob may lie past the record's end: never read) */
        off += ((Py_ssize_t)h.len + 7) & ~(Py_ssize_t)7;
    }
    return off;
}

/*
 * A record's blobs, grouped by argument: {arg: Mem}, from a blob area whose framing
 * blob_frame() checked (the Blobs' copy).  Elements (index != INDEX_TOP) attach, in stream
 * order, to their argument's top blob; elements of an argument without one are dropped,
 * as in records.py.
 */
static PyObject *blobs_dict(const char *buf, unsigned count)
{
    struct vmst_blob_hdr hdrs[64];
    const char *datas[64];
    struct vmst_blob_hdr *h = hdrs;
    const char **dp = datas;
    PyObject *tops = NULL, *elems = NULL;
    int any_elem = 0;

    if (count > 64) {  /* rare (iov arrays): room on the heap */
        h = PyMem_Malloc(count * sizeof(*h));
        dp = PyMem_Malloc(count * sizeof(*dp));
        if (h == NULL || dp == NULL) {
            PyMem_Free(h);
            PyMem_Free(dp);
            return PyErr_NoMemory();
        }
    }
    Py_ssize_t off = 0;
    for (unsigned i = 0; i < count; i++) {
        memcpy(&h[i], buf + off, sizeof(h[i]));
        dp[i] = buf + off + BLOB_HDR_SIZE;
        off += BLOB_HDR_SIZE + (((Py_ssize_t)h[i].len + 7) & ~(Py_ssize_t)7);
        any_elem |= h[i].index != VMST_INDEX_TOP;
    }
    tops = PyDict_New();
    if (tops == NULL)
        goto fail;
    if (any_elem) {  /* arg -> list of its elements' Mems, in order */
        elems = PyDict_New();
        if (elems == NULL)
            goto fail;
        for (unsigned i = 0; i < count; i++) {
            if (h[i].index == VMST_INDEX_TOP)
                continue;
            PyObject *key = PyLong_FromLong(h[i].arg);
            if (key == NULL)
                goto fail;
            PyObject *list = PyDict_GetItemWithError(elems, key); /* borrowed */
            if (list == NULL && !PyErr_Occurred()) {
                list = PyList_New(0);
                if (list != NULL && PyDict_SetItem(elems, key, list) < 0)
                    Py_CLEAR(list);
                Py_XDECREF(list); /* now borrowed from the dict */
            }
            Py_DECREF(key);
            if (list == NULL)
                goto fail;
            PyObject *mem = make_mem(&h[i], dp[i], S.empty_tuple);
            if (mem == NULL || PyList_Append(list, mem) < 0) {
                Py_XDECREF(mem);
                goto fail;
            }
            Py_DECREF(mem);
        }
    }
    for (unsigned i = 0; i < count; i++) {
        if (h[i].index != VMST_INDEX_TOP)
            continue;
        PyObject *key = PyLong_FromLong(h[i].arg);
        if (key == NULL)
            goto fail;
        PyObject *items = elems ? PyDict_GetItemWithError(elems, key) : NULL;
        PyObject *tuple = items ? PyList_AsTuple(items) : Py_NewRef(S.empty_tuple);
        PyObject *mem = tuple ? make_mem(&h[i], dp[i], tuple) : NULL;
        Py_XDECREF(tuple);
        int rc = mem ? PyDict_SetItem(tops, key, mem) : -1;
        Py_DECREF(key);
        Py_XDECREF(mem);
        if (rc < 0)
            goto fail;
    }
    Py_XDECREF(elems);
    if (h != hdrs) {
        PyMem_Free(h);
        PyMem_Free(dp);
    }
    return tops;
fail:
    Py_XDECREF(tops);
    Py_XDECREF(elems);
    if (h != hdrs) {
        PyMem_Free(h);
        PyMem_Free(dp);
    }
    return NULL;
}

/*
 * Blobs (../_blobs.h): a record's blob area, copied, as a read-only mapping {arg: Mem}.
 * The dict is made from the copy on the first look from Python (or from a compiled stage
 * that needs an argument's Mem objects) and kept; the compiled stages read the copy in
 * place.
 */
static PyTypeObject BlobsType;

static PyObject *blobs_new(const char *area, Py_ssize_t size, unsigned count)
{
    BlobsObject *b = PyObject_NewVar(BlobsObject, &BlobsType, size);
    if (b == NULL)
        return NULL;
    b->dict = NULL;
    b->count = count;
    b->pad = 0;
    memcpy(b->raw, area, (size_t)size);
    return (PyObject *)b;
}

/* The dict (borrowed), made on first use. */
static PyObject *blobs_mapping(BlobsObject *b)
{
    if (b->dict == NULL)
        b->dict = blobs_dict(b->raw, b->count);
    return b->dict;
}

static void blobs_dealloc(BlobsObject *b)
{
    Py_XDECREF(b->dict);
    Py_TYPE(b)->tp_free((PyObject *)b);
}

static Py_ssize_t blobs_len(BlobsObject *b)
{
    PyObject *d = blobs_mapping(b);
    return d == NULL ? -1 : PyDict_GET_SIZE(d);
}

static PyObject *blobs_getitem(BlobsObject *b, PyObject *key)
{
    PyObject *d = blobs_mapping(b);
    return d == NULL ? NULL : PyObject_GetItem(d, key);
}

static int blobs_contains(BlobsObject *b, PyObject *key)
{
    PyObject *d = blobs_mapping(b);
    return d == NULL ? -1 : PyDict_Contains(d, key);
}

static PyObject *blobs_iter(BlobsObject *b)
{
    PyObject *d = blobs_mapping(b);
    return d == NULL ? NULL : PyObject_GetIter(d);
}

static PyObject *blobs_repr(BlobsObject *b)
{
    PyObject *d = blobs_mapping(b);
    return d == NULL ? NULL : PyObject_Repr(d);
}

/* Equal to a mapping with the same items, as a dict is (a Blobs and records.py's dict of
 * the same record compare equal). */
static PyObject *blobs_richcompare(PyObject *self, PyObject *other, int op)
{
    if (op != Py_EQ && op != Py_NE)
        Py_RETURN_NOTIMPLEMENTED;
    PyObject *d = blobs_mapping((BlobsObject *)self);
    if (d == NULL)
        return NULL;
    if (Py_IS_TYPE(other, &BlobsType)) {
        other = blobs_mapping((BlobsObject *)other);
        if (other == NULL)
            return NULL;
    } else if (!PyDict_Check(other)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    return PyObject_RichCompare(d, other, op);
}

/* get, keys, values, items: the dict's own */
static PyObject *blobs_delegate(BlobsObject *b, const char *name, PyObject *const *argv,
                                Py_ssize_t argc)
{
    PyObject *d = blobs_mapping(b);
    if (d == NULL)
        return NULL;
    PyObject *meth = PyObject_GetAttrString(d, name);
    PyObject *r = meth == NULL ? NULL : PyObject_Vectorcall(meth, argv, argc, NULL);
    Py_XDECREF(meth);
    return r;
}

static PyObject *blobs_get(BlobsObject *b, PyObject *const *argv, Py_ssize_t argc)
{
    if (argc >= 1 && argc <= 2 && b->count > 0) {
        PyObject *d = blobs_mapping(b);
        if (d == NULL)
            return NULL;
        PyObject *v = PyDict_GetItemWithError(d, argv[0]);
        if (v != NULL)
            return Py_NewRef(v);
        if (PyErr_Occurred())
            return NULL;
        return Py_NewRef(argc == 2 ? argv[1] : Py_None);
    }
    return blobs_delegate(b, "get", argv, argc);
}

static PyObject *blobs_keys(BlobsObject *b, PyObject *Py_UNUSED(ignored))
{
    return blobs_delegate(b, "keys", NULL, 0);
}

static PyObject *blobs_values(BlobsObject *b, PyObject *Py_UNUSED(ignored))
{
    return blobs_delegate(b, "values", NULL, 0);
}

static PyObject *blobs_items(BlobsObject *b, PyObject *Py_UNUSED(ignored))
{
    return blobs_delegate(b, "items", NULL, 0);
}

static PyMethodDef blobs_methods[] = {
    {"get", (PyCFunction)(void (*)(void))blobs_get, METH_FASTCALL, "Mapping.get"},
    {"keys", (PyCFunction)blobs_keys, METH_NOARGS, "Mapping.keys"},
    {"values", (PyCFunction)blobs_values, METH_NOARGS, "Mapping.values"},
    {"items", (PyCFunction)blobs_items, METH_NOARGS, "Mapping.items"},
    {NULL, NULL, 0, NULL},
};

static PyMappingMethods blobs_as_mapping = {
    .mp_length = (lenfunc)blobs_len,
    .mp_subscript = (binaryfunc)blobs_getitem,
};

static PySequenceMethods blobs_as_sequence = {
    .sq_contains = (objobjproc)blobs_contains,
};

static PyTypeObject BlobsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "vmstrace.capture._records.Blobs",
    .tp_doc = "A record's blobs: a read-only mapping {argument: Mem} (../_blobs.h).",
    .tp_basicsize = offsetof(BlobsObject, raw),
    .tp_itemsize = 1,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_MAPPING,
    .tp_dealloc = (destructor)blobs_dealloc,
    .tp_repr = (reprfunc)blobs_repr,
    .tp_as_mapping = &blobs_as_mapping,
    .tp_as_sequence = &blobs_as_sequence,
    .tp_hash = PyObject_HashNotImplemented,
    .tp_richcompare = blobs_richcompare,
    .tp_iter = (getiterfunc)blobs_iter,
    .tp_methods = blobs_methods,
};

/* A record's blobs (count of them from buf[off], inside the record ending at end): its
 * Blobs, or NULL with the StreamError of a bad frame. */
static PyObject *parse_blobs(const char *buf, Py_ssize_t off, Py_ssize_t end, unsigned count)
{
    Py_ssize_t past = blob_frame(buf, off, end, count);
    if (past < 0)
        return NULL;
    /* the last blob's padding may lie past the record: copy what the record holds */
    return blobs_new(buf + off, (past < end ? past : end) - off, count);
}

/*
 * decode_task(task bytes, task, cr3, ok): the caller's TaskInfo.  decode_task is a pure
 * function (cached on its side too), and a thread's records come in runs: a record whose
 * inputs equal those of a recent one gets that record's TaskInfo without the call.  The
 * last few threads' inputs are kept across parse() calls (a batch is 128 records: a cache
 * of the batch alone called decode_task at least once a batch), direct-mapped on the task
 * address and CR3; a different decode_task or task size empties it.  decode_task may let
 * another thread run a reader of its own meanwhile: each call checks that the cache is
 * still its reader's before it uses or fills a slot.  Task bytes longer than WHO_MAX (the
 * spec's are 44) are not kept: the header sets their size.
 */
#define WHO_SLOTS 16
#define WHO_MAX 4096
struct who_slot {
    char *data; /* a copy of the task bytes (task_bytes of them); NULL: empty */
    uint64_t task, cr3;
    int ok;
    PyObject *who; /* owned */
};
static struct {
    PyObject *decode_task; /* owned */
    Py_ssize_t task_bytes;
    struct who_slot slot[WHO_SLOTS];
} W;

static void who_forget(void)
{
    for (int i = 0; i < WHO_SLOTS; i++) {
        PyMem_Free(W.slot[i].data);
        W.slot[i].data = NULL;
        Py_CLEAR(W.slot[i].who);
    }
    Py_CLEAR(W.decode_task);
}

/* Keeps the cache for this decode_task and task size (emptied when either changes; none
 * for task bytes over WHO_MAX). */
static void who_use(PyObject *decode_task, Py_ssize_t task_bytes)
{
    if (W.decode_task == decode_task && W.task_bytes == task_bytes)
        return;
    who_forget();
    if (task_bytes <= WHO_MAX) {
        W.decode_task = Py_NewRef(decode_task);
        W.task_bytes = task_bytes;
    }
}

/* What a parse() call reads with: its reader's decode_task (held by the caller for the
 * call) and task bytes (their size, and that size rounded up to 8). */
struct reader {
    PyObject *decode_task;
    Py_ssize_t task_bytes, task_span;
};

/* Whether the cache is still the reader's (another may have taken it meanwhile). */
static int who_mine(const struct reader *rd)
{
    return W.decode_task == rd->decode_task && W.task_bytes == rd->task_bytes;
}

/* The TaskInfo of a record. */
static PyObject *who_of(const struct reader *rd, const char *task_data, uint64_t task,
                        uint64_t cr3, int ok)
{
    PyObject *decode_task = rd->decode_task;
    Py_ssize_t task_bytes = rd->task_bytes;
    ok = ok != 0;
    struct who_slot *c = &W.slot[((task >> 6) ^ (cr3 >> 12)) % WHO_SLOTS];
    if (who_mine(rd) && c->who != NULL && task == c->task && cr3 == c->cr3 && ok == c->ok
        && memcmp(task_data, c->data, (size_t)task_bytes) == 0)
        return Py_NewRef(c->who);
    PyObject *args[4] = {
        PyBytes_FromStringAndSize(task_data, task_bytes), u64(task), u64(cr3),
        ok ? Py_True : Py_False,
    };
    PyObject *who = NULL;
    if (args[0] != NULL && args[1] != NULL && args[2] != NULL)
        who = PyObject_Vectorcall(decode_task, args, 4, NULL);
    Py_XDECREF(args[0]);
    Py_XDECREF(args[1]);
    Py_XDECREF(args[2]);
    if (who == NULL)
        return NULL;
    /* (the call ran Python: the cache may be another reader's now) */
    if (!who_mine(rd))
        return who;
    if (c->data == NULL && (c->data = PyMem_Malloc(task_bytes ? task_bytes : 1)) == NULL)
        return who; /* (not kept: the next record calls decode_task again) */
    memcpy(c->data, task_data, (size_t)task_bytes);
    Py_XSETREF(c->who, Py_NewRef(who));
    c->task = task;
    c->cr3 = cr3;
    c->ok = ok;
    return who;
}

/* The fields ENTRY and EXIT share (the first eleven of each shape): the header's, the
 * instruction's, and the thread and blobs that follow the body (which starts at
 * ``body_off``). */
static int put_common(PyObject *ev, const Shape *sh, int is_entry, const char *rec, Py_ssize_t size,
                      Py_ssize_t body_off, const struct reader *rd, uint8_t abi, uint8_t insn, uint64_t pc,
                      uint64_t sp, uint64_t nr, uint64_t task, uint64_t cr3, uint8_t task_ok,
                      uint16_t nblobs, uint32_t seq, uint8_t flags)
{
    struct vmst_rec_hdr rh;
    memcpy(&rh, rec, sizeof(rh));
    if (slot_put(ev, sh, F_TS, u64(rh.ts)) < 0
        || slot_put(ev, sh, F_VCPU, PyLong_FromLong(rh.vcpu)) < 0
        || slot_put(ev, sh, F_ABI, abi_of(abi)) < 0
        || slot_put(ev, sh, F_INSN, insn_of(insn)) < 0
        || slot_put(ev, sh, F_PC, same_u64(is_entry ? L_ENTRY_PC : L_EXIT_PC, pc)) < 0
        || slot_put(ev, sh, F_SP, same_u64(is_entry ? L_ENTRY_SP : L_EXIT_SP, sp)) < 0
        || slot_put(ev, sh, F_NR, nr_int(nr)) < 0
        || slot_put(ev, sh, F_SEQ, PyLong_FromUnsignedLong(seq)) < 0
        || slot_put(ev, sh, F_FLAGS, PyLong_FromLong(flags)) < 0
        || slot_put(ev, sh, F_WHO, who_of(rd, rec + body_off, task, cr3, task_ok)) < 0
        || slot_put(ev, sh, F_MEM, nblobs ? parse_blobs(rec, body_off + rd->task_span, size, nblobs)
                                          : Py_NewRef(S.no_mem)) < 0)
        return -1;
    return 0;
}

static PyObject *make_entry(const char *rec, Py_ssize_t size, const struct reader *rd)
{
    struct vmst_entry e;
    memcpy(&e, rec + REC_HDR_SIZE, sizeof(e));
    PyObject *ev = shape_new(&S.entry);
    if (ev == NULL)
        return NULL;
    PyObject *args = PyTuple_New(6);
    if (args == NULL)
        goto fail;
    for (int i = 0; i < 6; i++) {
        PyObject *a = same_u64(L_ARG0 + i, e.args[i]);
        if (a == NULL) {
            Py_DECREF(args);
            goto fail;
        }
        PyTuple_SET_ITEM(args, i, a);
    }
    if (slot_put(ev, &S.entry, F_ARGS, args) < 0
        || put_common(ev, &S.entry, 1, rec, size, ENTRY_MIN, rd, e.abi,
                      e.insn, e.pc, e.sp, e.nr, e.task, e.cr3, e.task_ok, e.nblobs, e.seq,
                      e.flags) < 0)
        goto fail;
    return ev;
fail:
    Py_DECREF(ev);
    return NULL;
}

static PyObject *make_exit(const char *rec, Py_ssize_t size, const struct reader *rd)
{
    struct vmst_exit x;
    memcpy(&x, rec + REC_HDR_SIZE, sizeof(x));
    PyObject *ev = shape_new(&S.exit);
    if (ev == NULL)
        return NULL;
    if (slot_put(ev, &S.exit, F_RET, same_u64(L_RET, x.ret)) < 0
        || slot_put(ev, &S.exit, F_USER_PC, same_u64(L_USER_PC, x.user_pc)) < 0
        || slot_put(ev, &S.exit, F_RDI, same_u64(L_RDI, x.rdi)) < 0
        || put_common(ev, &S.exit, 0, rec, size, EXIT_MIN, rd, x.abi,
                      x.insn, x.pc, x.sp, x.nr, x.task, x.cr3, x.task_ok, x.nblobs, x.seq,
                      x.flags) < 0) {
        Py_DECREF(ev);
        return NULL;
    }
    return ev;
}

PyDoc_STRVAR(parse_doc,
"parse(buf, off, end, task_bytes, decode_task, /) -> (events, off, nbytes, error)\n\n"
"The events of the whole, well-formed ENTRY and EXIT records of buf[off:end] (any\n"
"contiguous buffer: the reader's bytearray), in order;\n"
"stops at the first other record (or partial one), whose offset it returns.  nbytes:\n"
"the size of the records parsed.  error: None, or the exception a record raised (a\n"
"StreamError for a corrupt one), for the caller to raise after delivering the events.");

static PyObject *parse(PyObject *self, PyObject *const *argv, Py_ssize_t argc)
{
    (void)self;
    if (!S.ready) {
        PyErr_SetString(PyExc_RuntimeError, "_records.configure() was not called");
        return NULL;
    }
    if (argc != 5) {
        PyErr_SetString(PyExc_TypeError, "parse(buf, off, end, task_bytes, decode_task)");
        return NULL;
    }
    Py_ssize_t off = PyLong_AsSsize_t(argv[1]);
    Py_ssize_t len = PyLong_AsSsize_t(argv[2]);
    Py_ssize_t task_bytes = PyLong_AsSsize_t(argv[3]);
    if ((off == -1 || len == -1 || task_bytes == -1) && PyErr_Occurred())
        return NULL;
    /* The buffer stays exported (the caller cannot resize it) until the events are made;
     * nothing made keeps a pointer into it (a blob's data is copied into its bytes). */
    Py_buffer view;
    if (PyObject_GetBuffer(argv[0], &view, PyBUF_SIMPLE) < 0)
        return NULL;
    const char *buf = view.buf;
    if (off < 0 || len < off || len > view.len || task_bytes < 0
        || task_bytes > (Py_ssize_t)S.max_record) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "parse: offset, end or task_bytes out of range");
        return NULL;
    }
    Py_ssize_t task_span = (task_bytes + 7) & ~(Py_ssize_t)7;
    who_use(argv[4], task_bytes);
    struct reader rd = {.decode_task = argv[4], .task_bytes = task_bytes, .task_span = task_span};
    PyObject *events = PyList_New(0);
    Py_ssize_t nbytes = 0;
    if (events == NULL) {
        PyBuffer_Release(&view);
        return NULL;
    }
    for (int n = 0; n < BATCH; n++) {
        Py_ssize_t avail = len - off;
        if (avail < REC_HDR_SIZE)
            break;
        struct vmst_rec_hdr rh;
        memcpy(&rh, buf + off, sizeof(rh));
        Py_ssize_t min;
        if (rh.type == VMST_REC_ENTRY)
            min = ENTRY_MIN;
        else if (rh.type == VMST_REC_EXIT)
            min = EXIT_MIN;
        else
            break;
        Py_ssize_t size = rh.size;
        /* whole, of a valid size, with room for its task bytes: else records.py decides */
        if (size < min + task_span || size > avail || size % 8 || (uint64_t)size > S.max_record)
            break;
        PyObject *ev = rh.type == VMST_REC_ENTRY
                           ? make_entry(buf + off, size, &rd)
                           : make_exit(buf + off, size, &rd);
        if (ev == NULL || PyList_Append(events, ev) < 0) {
            /* The events before this record are good: hand them over with the error,
             * which the reader raises once they are delivered. */
            Py_XDECREF(ev);
            PyObject *type, *value, *tb;
            PyErr_Fetch(&type, &value, &tb);
            PyErr_NormalizeException(&type, &value, &tb);
            if (tb != NULL)
                PyException_SetTraceback(value, tb);
            Py_XDECREF(type);
            Py_XDECREF(tb);
            PyBuffer_Release(&view);
            return Py_BuildValue("(NnnN)", events, off, nbytes, value);
        }
        Py_DECREF(ev);
        off += size;
        nbytes += size;
    }
    PyBuffer_Release(&view);
    return Py_BuildValue("(NnnO)", events, off, nbytes, Py_None);
}

PyDoc_STRVAR(blobs_doc,
"blobs(area, count, /) -> Blobs\n\n"
"The Blobs of a record's blob area (`count` blobs, each a vmst_blob_hdr and its data\n"
"padded to 8), as parse() makes them; StreamError for one that runs past the area.");

static PyObject *blobs(PyObject *self, PyObject *const *argv, Py_ssize_t argc)
{
    (void)self;
    if (!S.ready) {
        PyErr_SetString(PyExc_RuntimeError, "_records.configure() was not called");
        return NULL;
    }
    if (argc != 2) {
        PyErr_SetString(PyExc_TypeError, "blobs(area, count)");
        return NULL;
    }
    long count = PyLong_AsLong(argv[1]);
    if (count == -1 && PyErr_Occurred())
        return NULL;
    if (count < 0 || count > UINT16_MAX) { /* (a record's nblobs is a u16) */
        PyErr_SetString(PyExc_ValueError, "blobs: count out of range");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(argv[0], &view, PyBUF_SIMPLE) < 0)
        return NULL;
    PyObject *b = parse_blobs(view.buf, 0, view.len, (unsigned)count);
    PyBuffer_Release(&view);
    return b;
}

PyDoc_STRVAR(configure_doc,
"configure(entry_cls, exit_cls, mem_cls, insns, abis, stream_error, max_record, no_mem)");

static PyObject *configure(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *entry_cls, *exit_cls, *mem_cls, *insns, *abis, *err, *no_mem_obj;
    unsigned long long max_record;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!OKO", &PyType_Type, &entry_cls, &PyType_Type,
                          &exit_cls, &PyType_Type, &mem_cls, &PyTuple_Type, &insns,
                          &PyTuple_Type, &abis, &err, &max_record, &no_mem_obj))
        return NULL;
    if (!no_mem(no_mem_obj)) {
        PyErr_SetString(PyExc_ValueError, "configure: no_mem must be an empty mappingproxy");
        return NULL;
    }
    if (PyTuple_GET_SIZE(abis) != 2) {
        PyErr_SetString(PyExc_ValueError, "configure: abis must name the two ABIs");
        return NULL;
    }
#define NFIELDS(a) ((int)(sizeof(a) / sizeof((a)[0])))
    if (shape_init(&S.entry, entry_cls, entry_fields, NFIELDS(entry_fields)) < 0
        || shape_init(&S.exit, exit_cls, exit_fields, NFIELDS(exit_fields)) < 0
        || shape_init(&S.mem, mem_cls, mem_fields, NFIELDS(mem_fields)) < 0)
        return NULL;
#undef NFIELDS
    Py_XSETREF(S.insns, Py_NewRef(insns));
    Py_XSETREF(S.abis, Py_NewRef(abis));
    Py_XSETREF(S.stream_error, Py_NewRef(err));
    Py_XSETREF(S.no_mem, Py_NewRef(no_mem_obj));
    S.max_record = max_record;
    S.ready = 1;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"parse", (PyCFunction)(void (*)(void))parse, METH_FASTCALL, parse_doc},
    {"blobs", (PyCFunction)(void (*)(void))blobs, METH_FASTCALL, blobs_doc},
    {"configure", configure, METH_VARARGS, configure_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "vmstrace.capture._records",
    "The record reader's compiled fast path (see records.py).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__records(void)
{
    S.empty_tuple = PyTuple_New(0);
    S.index_top = PyLong_FromLong(VMST_INDEX_TOP);
    if (S.empty_tuple == NULL || S.index_top == NULL || PyType_Ready(&BlobsType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddObjectRef(m, "Blobs", (PyObject *)&BlobsType) < 0)
        Py_CLEAR(m);
    return m;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON lines for a batch of events, compiled: sinks/jsonl.py's JsonSink.event() over a
 * list of TraceEvents at once (and note() over a Note among them), returned as one str
 * (one write per batch).
 *
 * Why C: once the reader and the pairing were compiled, writing the JSON line was a
 * fifth of the consumer's time per call (1.1-1.4 us: twenty attribute reads, two cache
 * keys, an f-string, a TextIOWrapper.write), and the json module has no encoder for
 * "many small objects with repeating parts".  The text is jsonl.py's JsonSink.event(),
 * which stays the reference: byte for byte json.dumps(obj, separators=(",", ":")) of the
 * event's fields as a dict (ensure_ascii, so the output is ASCII), and tests hold the two
 * to the same text.  Anything that is not what the decoder makes (an int that is not
 * exactly an int, an argument that is not a str) raises TypeError, and jsonl.py writes
 * that batch with the reference instead.
 *
 * The repeating parts (a thread's nine fields, a call's number, name and ABI) come from
 * the sink's two caches, keyed exactly as the reference keys them.  A thread missing from
 * its cache is rendered here (thread_fragment(), one per new thread: a process-heavy
 * guest makes many); a call missing from its cache goes to the sink's own renderer.
 */
#include "../_plain.h"
#include "../_slots.h"
#include "_buf.h"

#include <string.h>

/* TraceEvent's fields, by slot: the thread's nine first, in jsonl.py's ThreadKey order. */
static const char *const fields[] = {
    "pid", "tid", "ppid", "comm", "uid", "euid", "task_id", "exe", "cr3",
    "ts", "ts_exit", "vcpu", "nr", "name", "abi", "args", "ret", "error",
};
enum { F_THREAD = 9, F_TS = 9, F_TS_EXIT, F_VCPU, F_NR, F_NAME, F_ABI, F_ARGS, F_RET, F_ERROR };
static Shape event_shape;
/* events.Note: a line between calls, which the lane put in the batch */
static const char *const note_fields[] = {"tid", "text", "comm"};
static Shape note_shape;
static Py_ssize_t max_cached = 4096; /* fragments kept per cache (jsonl.py's _MAX_CACHED) */

/* An ASCII str (the caches' fragments are: made by encode_basestring_ascii or put_jstr). */
static int put_ascii(Buf *b, PyObject *s)
{
    if (!PyUnicode_Check(s) || !PyUnicode_IS_ASCII(s)) {
        PyErr_SetString(PyExc_TypeError, "a cached JSON fragment is not an ASCII str");
        return -1;
    }
    return put(b, (const char *)PyUnicode_DATA(s), (size_t)PyUnicode_GET_LENGTH(s));
}

/* json's ensure_ascii string encoding (Modules/_json.c, ascii_escape_unicode): printable
 * ASCII stays (PLAIN(), _plain.h), " and \ and the five C escapes get a backslash,
 * everything else is \uXXXX in lowercase hex, a character past the BMP as a surrogate
 * pair. */

/* The escape of a character that is not PLAIN(), at o; returns the end. */
static char *escaped(char *o, Py_UCS4 c)
{
    static const char hex[] = "0123456789abcdef";
    *o++ = '\\';
    switch (c) {
    case '\\': *o++ = '\\'; return o;
    case '"': *o++ = '"'; return o;
    case '\b': *o++ = 'b'; return o;
    case '\f': *o++ = 'f'; return o;
    case '\n': *o++ = 'n'; return o;
    case '\r': *o++ = 'r'; return o;
    case '\t': *o++ = 't'; return o;
    }
    if (c >= 0x10000) {
        Py_UCS4 v = c - 0x10000;
        Py_UCS4 hi = 0xd800 | ((v >> 10) & 0x3ff);
        *o++ = 'u';
        *o++ = hex[(hi >> 12) & 0xf];
        *o++ = hex[(hi >> 8) & 0xf];
        *o++ = hex[(hi >> 4) & 0xf];
        *o++ = hex[hi & 0xf];
        *o++ = '\\';
        c = 0xdc00 | (v & 0x3ff);
    }
    *o++ = 'u';
    *o++ = hex[(c >> 12) & 0xf];
    *o++ = hex[(c >> 8) & 0xf];
    *o++ = hex[(c >> 4) & 0xf];
    *o++ = hex[c & 0xf];
    return o;
}

static int put_jstr(Buf *b, PyObject *s)
{
    if (!PyUnicode_Check(s)) {
        PyErr_SetString(PyExc_TypeError, "a JSON string field is not a str");
        return -1;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    char *o;
    if (kind == PyUnicode_1BYTE_KIND) {
        /* (nearly every text: ASCII or Latin-1) runs of plain characters copied whole;
         * room for every character to take two bytes (a backslash or a quote: strace's
         * escapes, \177ELF\2\1 in every read of a library, are a backslash each), and
         * for the six of another escape when met */
        const Py_UCS1 *d = data;
        if (grow(b, 2 * (size_t)n + 2) < 0)
            return -1;
        o = b->p + b->len;
        *o++ = '"';
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_ssize_t j = plain_end(d, i, n);
            memcpy(o, d + i, (size_t)(j - i));
            o += j - i;
            if (j == n)
                break;
            if (d[j] == '\\' || d[j] == '"') {
                *o++ = '\\';
                *o++ = (char)d[j];
            } else {
                b->len = (size_t)(o - b->p);
                if (grow(b, 6 + 2 * (size_t)(n - j - 1) + 1) < 0)
                    return -1;
                o = escaped(b->p + b->len, d[j]);
            }
            i = j;
        }
    } else {
        /* at most 12 bytes per character (a surrogate pair), plus the quotes */
        if (grow(b, (size_t)n * 12 + 2) < 0)
            return -1;
        o = b->p + b->len;
        *o++ = '"';
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (PLAIN(c))
                *o++ = (char)c;
            else
                o = escaped(o, c);
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
    return 0;
}

/* "00" to "99" */
static const char pairs[] = "0001020304050607080910111213141516171819202122232425262728293031"
                            "3233343536373839404142434445464748495051525354555657585960616263"
                            "6465666768697071727374757677787980818283848586878889909192939495"
                            "96979899";

/* How many decimal digits u has: from its bit length (log10(2) ~ 1233 / 4096), one less
 * when below that power of ten. */
static size_t ndigits(unsigned long long u)
{
    static const unsigned long long p10[20] = {
        1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
        100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
        10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
        100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL,
    };
    if (u < 10)
        return 1;
    int t = ((64 - __builtin_clzll(u)) * 1233) >> 12;
    return (size_t)t + (u >= p10[t]);
}

/* An int as its repr, or null for None; nothing else (a bool would print differently). */
static int put_int(Buf *b, PyObject *v, int nullable)
{
    if (v == Py_None && nullable)
        return PUT_LIT(b, "null");
    if (!PyLong_CheckExact(v)) {
        PyErr_SetString(PyExc_TypeError, "a JSON integer field is not an int");
        return -1;
    }
    int overflow;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (x == -1 && PyErr_Occurred())
        return -1;
    if (overflow) { /* past 64 bits signed: Python's own digits */
        PyObject *r = PyObject_Repr(v);
        if (r == NULL)
            return -1;
        int rc = put_ascii(b, r);
        Py_DECREF(r);
        return rc;
    }
    /* the digits written in place, two at a time from the last (snprintf was 3% of the
     * consumer's time; a digit at a time and a copy, 5% of the lines' instructions) */
    unsigned long long u = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;
    size_t n = ndigits(u) + (x < 0);
    if (grow(b, n) < 0)
        return -1;
    char *o = b->p + b->len;
    b->len += n;
    if (x < 0)
        *o = '-';
    o += n;
    for (; u >= 100; u /= 100)
        memcpy(o -= 2, pairs + 2 * (u % 100), 2);
    if (u >= 10)
        memcpy(o - 2, pairs + 2 * u, 2);
    else
        o[-1] = (char)('0' + u);
    return 0;
}

/* A field of a TraceEvent, borrowed from its slot (put_event() checked the type). */
static PyObject *get(PyObject *ev, int i)
{
    PyObject *v = *(PyObject **)((char *)ev + event_shape.off[i]);
    if (v == NULL)
        PyErr_Format(PyExc_TypeError, "event without field %U", event_shape.name[i]);
    return v;
}

/* The cached fragment under `key`, or what `render(key)` makes of it (a new entry).
 * New reference. */
static PyObject *fragment(PyObject *cache, PyObject *key, PyObject *render)
{
    PyObject *text = PyDict_GetItemWithError(cache, key);
    if (text != NULL)
        return Py_NewRef(text);
    if (PyErr_Occurred())
        return NULL;
    return PyObject_CallOneArg(render, key);
}

/* A thread's fragment, as JsonSink._thread() renders it from `key` (its nine fields):
 * `"pid":1,...,"cr3":4096,`, kept in `cache` (cleared when full, as _thread() does).
 * New reference. */
static PyObject *thread_fragment(PyObject *cache, PyObject *key)
{
    static const char *const names[F_THREAD] = {
        "\"pid\":", ",\"tid\":", ",\"ppid\":", ",\"comm\":", ",\"uid\":", ",\"euid\":",
        ",\"task_id\":", ",\"exe\":", ",\"cr3\":",
    };
    static const int is_text[F_THREAD] = {0, 0, 0, 1, 0, 0, 1, 1, 0};
    Buf f = BUF_INIT(0);
    for (int i = 0; i < F_THREAD; i++) {
        PyObject *v = PyTuple_GET_ITEM(key, i);
        int rc = put(&f, names[i], strlen(names[i]));
        if (rc == 0)
            rc = v == Py_None ? PUT_LIT(&f, "null") : is_text[i] ? put_jstr(&f, v)
                                                                : put_int(&f, v, 0);
        if (rc < 0) {
            buf_drop(&f);
            return NULL;
        }
    }
    if (PUT_LIT(&f, ",") < 0) {
        buf_drop(&f);
        return NULL;
    }
    PyObject *text = buf_str(&f);
    if (text == NULL)
        return NULL;
    if (PyDict_GET_SIZE(cache) >= max_cached)
        PyDict_Clear(cache);
    if (PyDict_SetItem(cache, key, text) < 0)
        Py_CLEAR(text);
    return text;
}

/* In front of the sink's two caches, the fragments of the last threads and calls by the
 * identity of their key's parts: the lane makes a thread's events from one tuple of its
 * fields, so consecutive events share the very objects, and comparing pointers is cheaper
 * than building a key tuple and hashing it (a fifth of the sink's time).  An entry holds
 * its objects and the cache dict it stands for (a sink's: another sink's renderer may
 * differ), so no pointer in it can be another object's while it is kept.  Direct-mapped. */
#define MEMO 64
static struct {
    PyObject *owner, *part[F_THREAD], *text;
} thread_memo[MEMO];
static struct {
    PyObject *owner, *nr, *name, *abi, *text;
} call_memo[MEMO];

static size_t memo_slot(PyObject *a, PyObject *b)
{
    return (((uintptr_t)a >> 4) ^ ((uintptr_t)b >> 6)) % MEMO;
}

/* The thread fragment of `ev` (borrowed from the memo or the cache, or new: *own set). */
static PyObject *thread_text(PyObject *ev, PyObject *threads)
{
    PyObject *part[F_THREAD];
    for (int i = 0; i < F_THREAD; i++)
        if ((part[i] = get(ev, i)) == NULL)
            return NULL;
    size_t at = memo_slot(part[1], part[7]); /* tid, exe */
    int hit = thread_memo[at].owner == threads;
    for (int i = 0; hit && i < F_THREAD; i++)
        hit = thread_memo[at].part[i] == part[i];
    if (hit)
        return Py_NewRef(thread_memo[at].text);
    PyObject *key = PyTuple_New(F_THREAD), *text = NULL;
    if (key == NULL)
        return NULL;
    for (int i = 0; i < F_THREAD; i++)
        PyTuple_SET_ITEM(key, i, Py_NewRef(part[i]));
    text = PyDict_GetItemWithError(threads, key);
    if (text != NULL)
        Py_INCREF(text);
    else if (!PyErr_Occurred())
        text = thread_fragment(threads, key);
    Py_DECREF(key);
    if (text == NULL)
        return NULL;
    Py_XSETREF(thread_memo[at].owner, Py_NewRef(threads));
    for (int i = 0; i < F_THREAD; i++)
        Py_XSETREF(thread_memo[at].part[i], Py_NewRef(part[i]));
    Py_XSETREF(thread_memo[at].text, Py_NewRef(text));
    return text;
}

/* The call fragment of (nr, name, abi) (a new reference). */
static PyObject *call_fragment(PyObject *nr, PyObject *name, PyObject *abi, PyObject *calls,
                               PyObject *call_text)
{
    size_t at = memo_slot(name, nr);
    if (call_memo[at].owner == calls && call_memo[at].nr == nr && call_memo[at].name == name
        && call_memo[at].abi == abi)
        return Py_NewRef(call_memo[at].text);
    PyObject *key = PyTuple_Pack(3, nr, name, abi);
    if (key == NULL)
        return NULL;
    PyObject *text = fragment(calls, key, call_text);
    Py_DECREF(key);
    if (text == NULL)
        return NULL;
    Py_XSETREF(call_memo[at].owner, Py_NewRef(calls));
    Py_XSETREF(call_memo[at].nr, Py_NewRef(nr));
    Py_XSETREF(call_memo[at].name, Py_NewRef(name));
    Py_XSETREF(call_memo[at].abi, Py_NewRef(abi));
    Py_XSETREF(call_memo[at].text, Py_NewRef(text));
    return text;
}

static int put_event(Buf *b, PyObject *ev, PyObject *threads, PyObject *calls,
                     PyObject *call_text, PyObject *tail)
{
    if (!Py_IS_TYPE(ev, event_shape.cls)) {
        PyErr_SetString(PyExc_TypeError, "not a TraceEvent");
        return -1;
    }
    int rc = -1;
    PyObject *text = NULL, *args = NULL;
    PyObject *ts = get(ev, F_TS), *ts_exit = get(ev, F_TS_EXIT), *vcpu = get(ev, F_VCPU);
    if (ts == NULL || ts_exit == NULL || vcpu == NULL)
        goto out;
    if (PUT_LIT(b, "{\"type\":\"syscall\",\"ts\":") < 0 || put_int(b, ts, 0) < 0
        || PUT_LIT(b, ",\"ts_exit\":") < 0 || put_int(b, ts_exit, 1) < 0
        || PUT_LIT(b, ",\"vcpu\":") < 0 || put_int(b, vcpu, 0) < 0 || PUT_LIT(b, ",") < 0)
        goto out;

    /* the thread's fields, in the line's order (jsonl.py's ThreadKey) */
    text = thread_text(ev, threads);
    if (text == NULL || put_ascii(b, text) < 0)
        goto out;
    Py_CLEAR(text);

    PyObject *nr = get(ev, F_NR), *name = get(ev, F_NAME), *abi = get(ev, F_ABI);
    if (nr == NULL || name == NULL || abi == NULL)
        goto out;
    text = call_fragment(nr, name, abi, calls, call_text);
    if (text == NULL || put_ascii(b, text) < 0)
        goto out;

    PyObject *a = get(ev, F_ARGS);
    if (a == NULL)
        goto out;
    args = PySequence_Fast(a, "the event's args are not a sequence");
    if (args == NULL || PUT_LIT(b, "\"args\":[") < 0)
        goto out;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(args);
    PyObject **items = PySequence_Fast_ITEMS(args);
    for (Py_ssize_t i = 0; i < n; i++)
        if ((i && PUT_LIT(b, ",") < 0) || put_jstr(b, items[i]) < 0)
            goto out;

    PyObject *ret = get(ev, F_RET), *error = get(ev, F_ERROR);
    if (ret == NULL || error == NULL)
        goto out;
    if (PUT_LIT(b, "],\"ret\":") < 0 || put_int(b, ret, 1) < 0 || PUT_LIT(b, ",\"error\":") < 0
        || (error == Py_None ? PUT_LIT(b, "null") : put_jstr(b, error)) < 0)
        goto out;
    if (tail != Py_None) {
        /* the fields past the fixed ones (the raw values, a field added to the event
         * class): the sink's text for them */
        Py_CLEAR(text);
        text = PyObject_CallOneArg(tail, ev);
        if (text == NULL || put_ascii(b, text) < 0)
            goto out;
    }
    if (PUT_LIT(b, "}\n") < 0)
        goto out;
    rc = 0;
out:
    Py_XDECREF(args);
    Py_XDECREF(text);
    return rc;
}

/* JsonSink.note()'s line: {"type":"note","tid":T,"comm":C,"text":"..."} */
static int put_note(Buf *b, PyObject *note)
{
    PyObject *v[3];
    for (int i = 0; i < 3; i++)
        if ((v[i] = *(PyObject **)((char *)note + note_shape.off[i])) == NULL) {
            PyErr_SetString(PyExc_TypeError, "a Note without a field");
            return -1;
        }
    if (PUT_LIT(b, "{\"type\":\"note\",\"tid\":") < 0 || put_int(b, v[0], 1) < 0
        || PUT_LIT(b, ",\"comm\":") < 0
        || (v[2] == Py_None ? PUT_LIT(b, "null") : put_jstr(b, v[2])) < 0
        || PUT_LIT(b, ",\"text\":") < 0 || put_jstr(b, v[1]) < 0 || PUT_LIT(b, "}\n") < 0)
        return -1;
    return 0;
}

static PyObject *lines(PyObject *self, PyObject *const *argv, Py_ssize_t argc)
{
    (void)self;
    if (argc != 5) {
        PyErr_SetString(PyExc_TypeError, "lines(events, threads, calls, call_text, tail)");
        return NULL;
    }
    if (event_shape.cls == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_jsonl.configure() was not called");
        return NULL;
    }
    PyObject *events = argv[0], *threads = argv[1], *calls = argv[2];
    if (!PyList_Check(events) || !PyDict_Check(threads) || !PyDict_Check(calls)) {
        PyErr_SetString(PyExc_TypeError, "lines() takes a list and two dicts");
        return NULL;
    }
    static size_t last; /* the last batch's size: this one's guess */
    Buf b = BUF_INIT(last + last / 8);
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(events); i++) {
        PyObject *ev = PyList_GET_ITEM(events, i);
        Py_INCREF(ev); /* a cache miss runs Python code, which could change the list */
        int rc = Py_IS_TYPE(ev, note_shape.cls) ? put_note(&b, ev)
                                                : put_event(&b, ev, threads, calls, argv[3], argv[4]);
        Py_DECREF(ev);
        if (rc < 0) {
            buf_drop(&b);
            return NULL;
        }
    }
    last = b.len;
    return buf_str(&b);
}

static PyObject *configure(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cls, *note_cls;
    if (!PyArg_ParseTuple(args, "OOn", &cls, &note_cls, &max_cached))
        return NULL;
    if (shape_init(&event_shape, cls, fields, (int)(sizeof fields / sizeof fields[0])) < 0
        || shape_init(&note_shape, note_cls, note_fields, 3) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS,
     "configure(TraceEvent, Note, max_cached): the event and note classes and the\n"
     "caches' bound, once."},
    {"lines", (PyCFunction)(void (*)(void))lines, METH_FASTCALL,
     "lines(events, threads, calls, call_text, tail) -> str\n\n"
     "The JSON lines of a list of TraceEvents (and Notes), as JsonSink.event() (and\n"
     "note()) write them; tail:\n"
     "None, or tail(event) -> the text of the fields after \"error\"."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "vmstrace.sinks._jsonl", NULL, -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__jsonl(void)
{
    return PyModule_Create(&module);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Parquet sink's gathering of a batch of events into its columns, compiled:
 * sinks/parquet.py's Columns.add() over a list of TraceEvents, which stays the
 * reference (a batch of anything else goes through it, and tests hold the two to the
 * same columns).
 *
 * Why C: Columns.add() was a list comprehension per column and, for the twelve fields
 * that repeat from row to row, a 12-tuple built, hashed and looked up per row:
 * 1.6-2.5 us per event, more than the decoder's whole path to JSON lines.  Here one
 * pass reads each event's slots once and appends the very objects the comprehensions
 * would have appended, to the same lists, so the columns, and the table made of them,
 * are the same by construction; no value is converted or checked here.
 *
 * The repeating fields' combination number comes from a memo by the identity of their
 * twelve objects in front of the `combos` dict (the lane makes a thread's events from one
 * tuple of its fields and a call's name and number from its plan, so consecutive rows
 * share the very objects), as _jsonl.c's thread memo does: an entry holds its objects,
 * so none of its pointers can be another object's while it is kept, and the memo stands
 * for one dict, which only grows (setdefault), so a number once given stays right.
 */
#include "../_slots.h"

/* TraceEvent's fields, by slot: the twelve repeating ones first, in parquet.py's
 * _REPEATING order (the combos' keys are tuples of them in that order). */
static const char *const fields[] = {
    "pid", "tid", "ppid", "comm", "uid", "euid", "task_id", "exe", "cr3", "nr", "name", "abi",
    "ts", "ts_exit", "vcpu", "ret", "error", "raw_ret", "args", "raw_args",
};
enum {
    N_REPEATING = 12,
    F_TS = N_REPEATING, F_TS_EXIT, F_VCPU, F_RET, F_ERROR, F_RAW_RET, F_ARGS, F_RAW_ARGS,
    N_FIELDS,
};
static Shape shape;

#define MEMO 256
typedef struct {
    PyObject *part[N_REPEATING], *number;
} MemoEntry;
static MemoEntry memo[MEMO];
/* The dict the memo stands for: another one (the next row group's) empties the memo
 * first, so no more than one row group's combinations are kept past their Columns. */
static PyObject *memo_owner;

/* Every change to the memo is made whole before the references it drops are let go:
 * letting one go may free a hostile value whose finalizer is Python code, which may call
 * add() again (with another dict) and must find the memo consistent. */
static void memo_for(PyObject *combos)
{
    if (memo_owner == combos)
        return;
    MemoEntry *dropped = PyMem_Malloc(sizeof memo);
    if (dropped == NULL) { /* (no memo, no harm: the entries are let go one by one) */
        Py_CLEAR(memo_owner);
        for (int at = 0; at < MEMO; at++)
            Py_CLEAR(memo[at].number); /* first: an entry without a number is unused */
        for (int at = 0; at < MEMO; at++)
            for (int i = 0; i < N_REPEATING; i++)
                Py_CLEAR(memo[at].part[i]);
        return;
    }
    memcpy(dropped, memo, sizeof memo);
    memset(memo, 0, sizeof memo);
    PyObject *old = memo_owner;
    memo_owner = Py_NewRef(combos);
    for (int at = 0; at < MEMO; at++) {
        for (int i = 0; i < N_REPEATING; i++)
            Py_XDECREF(dropped[at].part[i]);
        Py_XDECREF(dropped[at].number);
    }
    PyMem_Free(dropped);
    Py_XDECREF(old);
}

static inline PyObject *field(PyObject *ev, int i)
{
    return *(PyObject **)((char *)ev + shape.off[i]);
}

/* Every field set, args and raw_args tuples. */
static int has_fields(PyObject *ev)
{
    for (int i = 0; i < N_FIELDS; i++)
        if (field(ev, i) == NULL)
            return 0;
    return PyTuple_Check(field(ev, F_ARGS)) && PyTuple_Check(field(ev, F_RAW_ARGS));
}

static int takes_row(PyObject *ev)
{
    return Py_IS_TYPE(ev, shape.cls) && has_fields(ev);
}

/* Whether add() can take `rows` (a list): exactly TraceEvents with every field set and
 * tuples for args and raw_args (anything else is the reference's, before any column is
 * touched). */
static int takes(PyObject *rows)
{
    for (Py_ssize_t r = 0; r < PyList_GET_SIZE(rows); r++)
        if (!takes_row(PyList_GET_ITEM(rows, r)))
            return 0;
    return 1;
}

/* The combination number of `ev`'s repeating fields in `combos` (given the next number
 * if new, as combos.setdefault(key, len(combos))).  A new reference. */
static PyObject *combination(PyObject *ev, PyObject *combos)
{
    memo_for(combos); /* (each time: Python code since the last may have run another add()) */
    if (!takes_row(ev)) { /* (changed by what memo_for let go) */
        PyErr_SetString(PyExc_TypeError, "add(): an event changed while it was added");
        return NULL;
    }
    PyObject *part[N_REPEATING];
    for (int i = 0; i < N_REPEATING; i++)
        part[i] = field(ev, i);
    size_t at = (((uintptr_t)part[1] >> 4) ^ ((uintptr_t)part[10] >> 6)) % MEMO; /* tid, name */
    int hit = memo_owner == combos && memo[at].number != NULL;
    for (int i = 0; hit && i < N_REPEATING; i++)
        hit = memo[at].part[i] == part[i];
    if (hit)
        return Py_NewRef(memo[at].number);
    PyObject *key = PyTuple_New(N_REPEATING);
    if (key == NULL)
        return NULL;
    for (int i = 0; i < N_REPEATING; i++)
        PyTuple_SET_ITEM(key, i, Py_NewRef(part[i]));
    PyObject *next = PyLong_FromSsize_t(PyDict_GET_SIZE(combos));
    PyObject *number = next == NULL ? NULL : PyDict_SetDefault(combos, key, next);
    Py_XINCREF(number);
    Py_XDECREF(next);
    /* kept only for the dict the memo still stands for (the lookup may have run another
     * add(), which took the memo), the parts from the key (the event's may have changed) */
    if (number != NULL && memo_owner == combos) {
        MemoEntry dropped = memo[at];
        for (int i = 0; i < N_REPEATING; i++)
            memo[at].part[i] = Py_NewRef(PyTuple_GET_ITEM(key, i));
        memo[at].number = Py_NewRef(number);
        for (int i = 0; i < N_REPEATING; i++)
            Py_XDECREF(dropped.part[i]);
        Py_XDECREF(dropped.number);
    }
    Py_DECREF(key);
    return number;
}

static int append_new(PyObject *list, PyObject *item)
{
    if (item == NULL)
        return -1;
    int rc = PyList_Append(list, item);
    Py_DECREF(item);
    return rc;
}

static int extend(PyObject *list, PyObject *tuple)
{
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(tuple); i++)
        if (PyList_Append(list, PyTuple_GET_ITEM(tuple, i)) < 0)
            return -1;
    return 0;
}

enum { L_INDEX, L_VCPU, L_ERROR, L_ARG_LENS, L_ARG_ITEMS, L_RAW_LENS, N_LISTS };
enum { I_TS, I_TS_EXIT, I_RET, I_RAW_RET, I_RAW_ITEMS, N_INTS };

static PyObject *add(PyObject *self, PyObject *const *argv, Py_ssize_t argc)
{
    (void)self;
    if (argc != 2 + N_LISTS) {
        PyErr_SetString(PyExc_TypeError,
                        "add(rows, combos, index, vcpu, error, arg_lens, arg_items, raw_lens)");
        return NULL;
    }
    if (shape.cls == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_columns.configure() was not called");
        return NULL;
    }
    PyObject *rows = argv[0], *combos = argv[1];
    PyObject *const *lists = argv + 2;
    if (!PyDict_Check(combos)) {
        PyErr_SetString(PyExc_TypeError, "add(): combos is not a dict");
        return NULL;
    }
    for (int i = 0; i < N_LISTS; i++)
        if (!PyList_Check(lists[i])) {
            PyErr_SetString(PyExc_TypeError, "add(): a column is not a list");
            return NULL;
        }
    /* The rows, held, then checked: a key's hash or equality in the dict may be Python
     * code (not for the values the decoder makes), as may a collector's finalizer at any
     * allocation, and either could change the list or an event's slots; so each row is
     * checked again right before it is read. */
    PyObject *held = PyList_Check(rows) ? PyList_GetSlice(rows, 0, PyList_GET_SIZE(rows)) : NULL;
    if (held == NULL) {
        if (PyErr_Occurred())
            return NULL;
        Py_RETURN_NONE;
    }
    if (!takes(held)) {
        Py_DECREF(held);
        Py_RETURN_NONE;
    }
    PyObject *ints = PyTuple_New(N_INTS);
    if (ints == NULL) {
        Py_DECREF(held);
        return NULL;
    }
    for (int i = 0; i < N_INTS; i++) {
        PyObject *l = PyList_New(0);
        if (l == NULL) {
            Py_DECREF(ints);
            Py_DECREF(held);
            return NULL;
        }
        PyTuple_SET_ITEM(ints, i, l);
    }
#define INTS(i) PyTuple_GET_ITEM(ints, i)
    int rc = 0;
    for (Py_ssize_t r = 0; rc == 0 && r < PyList_GET_SIZE(held); r++) {
        PyObject *ev = PyList_GET_ITEM(held, r);
        PyObject *number = combination(ev, combos);
        if (number == NULL || !takes_row(ev)) {
            Py_XDECREF(number);
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "add(): an event changed while it was added");
            rc = -1;
            break;
        }
        PyObject *args = field(ev, F_ARGS), *raw = field(ev, F_RAW_ARGS);
        rc = PyList_Append(lists[L_INDEX], number) < 0
                 || PyList_Append(INTS(I_TS), field(ev, F_TS)) < 0
                 || PyList_Append(INTS(I_TS_EXIT), field(ev, F_TS_EXIT)) < 0
                 || PyList_Append(lists[L_VCPU], field(ev, F_VCPU)) < 0
                 || PyList_Append(INTS(I_RET), field(ev, F_RET)) < 0
                 || PyList_Append(lists[L_ERROR], field(ev, F_ERROR)) < 0
                 || PyList_Append(INTS(I_RAW_RET), field(ev, F_RAW_RET)) < 0
                 || append_new(lists[L_ARG_LENS], PyLong_FromSsize_t(PyTuple_GET_SIZE(args))) < 0
                 || extend(lists[L_ARG_ITEMS], args) < 0
                 || append_new(lists[L_RAW_LENS], PyLong_FromSsize_t(PyTuple_GET_SIZE(raw))) < 0
                 || extend(INTS(I_RAW_ITEMS), raw) < 0
             ? -1 : 0;
        Py_DECREF(number);
    }
#undef INTS
    Py_DECREF(held);
    if (rc < 0) {
        Py_DECREF(ints);
        return NULL;
    }
    return ints;
}

static PyObject *configure(PyObject *self, PyObject *cls)
{
    (void)self;
    if (shape_init(&shape, cls, fields, N_FIELDS) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_O, "configure(TraceEvent): the event class, once."},
    {"add", (PyCFunction)(void (*)(void))add, METH_FASTCALL,
     "add(rows, combos, index, vcpu, error, arg_lens, arg_items, raw_lens)\n"
     "    -> (ts, ts_exit, ret, raw_ret, raw_items) or None\n\n"
     "Columns.add() of a list of TraceEvents: appends to the six lists given and returns\n"
     "the five integer columns' new values as lists; None (nothing touched): rows it does\n"
     "not take, for the reference."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "vmstrace.sinks._columns", NULL, -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__columns(void)
{
    return PyModule_Create(&module);
}

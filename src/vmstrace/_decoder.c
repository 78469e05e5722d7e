/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The decoder's event assembly, compiled: the last step of session.Decoder.__call__,
 * which turns a decoded call into the TraceEvent every sink receives.
 *
 * Why C: the step is a dozen field reads from the call, its entry and its exit and
 * nineteen stores (about 0.8 us in CPython, an eighth of the consumer's time per call
 * once the reader, the pairing and the JSON lines were compiled).  It decides nothing:
 * the Decoder works out every value that needs a decision (the arguments, the return
 * text, the executable, the thread's fields) and this only copies fields into the
 * event's slots (_slots.h).  A test holds the result to the dataclass's constructor.
 */
#include "_slots.h"

static const char *const event_fields[] = {
    /* the thread's, in the order of the Decoder's tuple of them */
    "pid", "tid", "ppid", "comm", "cr3", "uid", "euid", "task_id",
    /* the call's */
    "ts", "ts_exit", "vcpu", "nr", "abi", "ret", "name", "args", "ret_text", "error", "exe",
};
enum { V_THREAD = 8, V_TS = 8, V_TS_EXIT, V_VCPU, V_NR, V_ABI, V_RET, V_NAME, V_ARGS,
       V_RET_TEXT, V_ERROR, V_EXE, V_N };
static const char *const call_fields[] = {"entry", "exit", "ret"};
static const char *const entry_fields[] = {"ts", "vcpu", "nr", "abi"};
static const char *const exit_fields[] = {"ts"};

static struct {
    Shape event, call, entry, exit;
    int ready;
} S;

#define NFIELDS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static PyObject *configure(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *event_cls, *call_cls, *entry_cls, *exit_cls;
    if (!PyArg_ParseTuple(args, "OOOO", &event_cls, &call_cls, &entry_cls, &exit_cls))
        return NULL;
    if (shape_init(&S.event, event_cls, event_fields, NFIELDS(event_fields)) < 0
        || shape_init(&S.call, call_cls, call_fields, NFIELDS(call_fields)) < 0
        || shape_init(&S.entry, entry_cls, entry_fields, NFIELDS(entry_fields)) < 0
        || shape_init(&S.exit, exit_cls, exit_fields, NFIELDS(exit_fields)) < 0)
        return NULL;
    S.ready = 1;
    Py_RETURN_NONE;
}

/* event(thread, call, name, args, ret_text, error, exe) -> TraceEvent */
static PyObject *event(PyObject *self, PyObject *const *argv, Py_ssize_t argc)
{
    (void)self;
    if (!S.ready) {
        PyErr_SetString(PyExc_RuntimeError, "_decoder.configure() was not called");
        return NULL;
    }
    if (argc != 7 || !PyTuple_Check(argv[0]) || PyTuple_GET_SIZE(argv[0]) != V_THREAD) {
        PyErr_SetString(PyExc_TypeError, "event(thread: 8-tuple, call, name, args, "
                                         "ret_text, error, exe)");
        return NULL;
    }
    PyObject *call = argv[1], *entry = NULL, *exit = NULL;
    PyObject *ev = shape_new(&S.event);
    if (ev == NULL)
        return NULL;
    for (int i = 0; i < V_THREAD; i++)
        slot_put(ev, &S.event, i, Py_NewRef(PyTuple_GET_ITEM(argv[0], i)));
    for (int i = 0; i < 5; i++)
        slot_put(ev, &S.event, V_NAME + i, Py_NewRef(argv[2 + i]));
    if ((entry = slot_get(call, &S.call, 0)) == NULL || (exit = slot_get(call, &S.call, 1)) == NULL
        || slot_put(ev, &S.event, V_RET, slot_get(call, &S.call, 2)) < 0
        || slot_put(ev, &S.event, V_TS, slot_get(entry, &S.entry, 0)) < 0
        || slot_put(ev, &S.event, V_VCPU, slot_get(entry, &S.entry, 1)) < 0
        || slot_put(ev, &S.event, V_NR, slot_get(entry, &S.entry, 2)) < 0
        || slot_put(ev, &S.event, V_ABI, slot_get(entry, &S.entry, 3)) < 0
        || slot_put(ev, &S.event, V_TS_EXIT,
                    exit == Py_None ? Py_NewRef(Py_None) : slot_get(exit, &S.exit, 0)) < 0)
        Py_CLEAR(ev);
    Py_XDECREF(entry);
    Py_XDECREF(exit);
    return ev;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS,
     "configure(event_cls, syscall_cls, entry_cls, exit_cls): the classes, once."},
    {"event", (PyCFunction)(void (*)(void))event, METH_FASTCALL,
     "event(thread, call, name, args, ret_text, error, exe) -> TraceEvent\n\n"
     "thread: (pid, tid, ppid, comm, cr3, uid, euid, task_id); ts, ts_exit, vcpu, nr, abi\n"
     "and ret come from the call."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "vmstrace._decoder", NULL, -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__decoder(void)
{
    return PyModule_Create(&module);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The decoder's per-call glue, compiled: pipeline.Emitter's loop over a batch of paired
 * calls and pipeline.Decoder.__call__ around the renderers, for the ordinary call.
 *
 * The contract (_decoder.pyi): configure() takes the classes it reads, once; an Events
 * makes the events of one event class (its dataclass fields are the definition: the ones
 * named below are filled here, any other gets its default, _slots.h); a Lane is made once
 * per run with everything it reads or calls (the process tree's pid set, the decoder's
 * state and methods, the plans, the texts) as arguments.  Nothing is looked up by name
 * on a Python object.
 *
 * Why C: once the reader, the pairing and the JSON lines were compiled, the Python glue
 * between them (the process filter's membership test, the plan lookup, a Ctx, the
 * return text, the thread's prepared fields, the executable, the event's nineteen slots)
 * was about a quarter of the consumer's time per call: 1.2 us of 5-6 on the file- and
 * process-bound recordings, twelve Python-level calls for a one-argument brk().  The
 * renderers stay Python, except the plain numbers (a pointer, a size, an int, an fd or
 * dirfd without -y, a mode), the strings and buffers (a path, a string cut at -s, write's
 * and read's data: decode/args.py's PLAIN_KINDS) and a returned address (args.ret_hex),
 * which are printed here as their Python renderers print them; every other return text
 * goes through decode.success_text.  This does what the Python reference does for a call
 * that needs nothing special.  (The strings were half of what was left in Python on the
 * file-bound recording: 1.0 us of its 1.9 us of decoding a call.)
 *
 * The reference stays in Python and is what runs for everything else: lane() stops at the
 * first call that is not ordinary (an exec or a new child the process tree must see, a
 * signal frame, a call without a template, i386 socketcall, a renderer that raised, an object of another type) and
 * returns its index; pipeline.Emitter runs the Python path for that one call and calls
 * lane() again.  After an exit_group (noted) it puts the "+++ exited with N +++" line in
 * the batch, a Note after the call's event, and counts it (Lane.notes).  The
 * calls the command's outcome watches (observed) go to it from here as from the loop.
 * tests/unit/test_lane.py holds the two paths to the same events, notes and state.
 */
#include "_plain.h"
#include "_slots.h"
#include "_blobs.h"
#include "vmstrace_records.h"

static const char *const event_fields[] = {
    /* the thread's, in the order of the Decoder's tuple of them */
    "pid", "tid", "ppid", "comm", "cr3", "uid", "euid", "task_id",
    /* the call's */
    "ts", "ts_exit", "vcpu", "nr", "abi", "ret", "name", "args", "ret_text", "error", "exe",
    "raw_args", "raw_ret",
};
enum { V_THREAD = 8, V_TS = 8, V_TS_EXIT, V_VCPU, V_NR, V_ABI, V_RET, V_NAME, V_ARGS,
       V_RET_TEXT, V_ERROR, V_EXE, V_RAW_ARGS, V_RAW_RET, V_N };
static const char *const call_fields[] = {"entry", "exit", "ret"};
static const char *const entry_fields[] = {"ts", "vcpu", "nr", "abi", "args"};
static const char *const exit_fields[] = {"ts", "ret"};

/* The classes of the calls read (configure()). */
static struct {
    Shape call, entry, exit;
    int ready;
} S;

#define NFIELDS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* An event class's shape (Events(event_cls)). */
typedef struct {
    PyObject_HEAD
    Shape shape;
} Events;

static PyObject *events_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *cls;
    static char *kwlist[] = {"event_cls", NULL};
    if (!S.ready) {
        PyErr_SetString(PyExc_RuntimeError, "_decoder.configure() was not called");
        return NULL;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:Events", kwlist, &cls))
        return NULL;
    Events *self = (Events *)type->tp_alloc(type, 0);
    if (self != NULL && shape_init(&self->shape, cls, event_fields, V_N) < 0)
        Py_CLEAR(self);
    return (PyObject *)self;
}

static void shape_clear(Shape *s)
{
    Py_CLEAR(s->cls);
    for (int i = 0; i < SHAPE_MAX; i++) {
        Py_CLEAR(s->name[i]);
        Py_CLEAR(s->xval[i]);
    }
    Py_CLEAR(s->unfillable);
}

static void events_dealloc(Events *self)
{
    shape_clear(&self->shape);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The event of `call` from the thread's 8-tuple and the call's decoded texts (all
 * borrowed); NULL with an exception set on failure. */
static PyObject *make_event(const Shape *es, PyObject *thread, PyObject *call, PyObject *name,
                            PyObject *args, PyObject *ret_text, PyObject *error, PyObject *exe)
{
    PyObject *entry = NULL, *exit = NULL;
    PyObject *ev = shape_new(es);
    if (ev == NULL)
        return NULL;
    for (int i = 0; i < V_THREAD; i++)
        slot_put(ev, es, i, Py_NewRef(PyTuple_GET_ITEM(thread, i)));
    slot_put(ev, es, V_NAME, Py_NewRef(name));
    slot_put(ev, es, V_ARGS, Py_NewRef(args));
    slot_put(ev, es, V_RET_TEXT, Py_NewRef(ret_text));
    slot_put(ev, es, V_ERROR, Py_NewRef(error));
    slot_put(ev, es, V_EXE, Py_NewRef(exe));
    if ((entry = slot_get(call, &S.call, 0)) == NULL || (exit = slot_get(call, &S.call, 1)) == NULL
        || slot_put(ev, es, V_RET, slot_get(call, &S.call, 2)) < 0
        || slot_put(ev, es, V_TS, slot_get(entry, &S.entry, 0)) < 0
        || slot_put(ev, es, V_VCPU, slot_get(entry, &S.entry, 1)) < 0
        || slot_put(ev, es, V_NR, slot_get(entry, &S.entry, 2)) < 0
        || slot_put(ev, es, V_ABI, slot_get(entry, &S.entry, 3)) < 0
        || slot_put(ev, es, V_RAW_ARGS, slot_get(entry, &S.entry, 4)) < 0
        || slot_put(ev, es, V_TS_EXIT,
                    exit == Py_None ? Py_NewRef(Py_None) : slot_get(exit, &S.exit, 0)) < 0
        || slot_put(ev, es, V_RAW_RET,
                    exit == Py_None ? Py_NewRef(Py_None) : slot_get(exit, &S.exit, 1)) < 0)
        Py_CLEAR(ev);
    Py_XDECREF(entry);
    Py_XDECREF(exit);
    return ev;
}

static int is_thread(PyObject *t)
{
    return PyTuple_CheckExact(t) && PyTuple_GET_SIZE(t) == V_THREAD;
}

/* Events.make(thread, call, name, args, ret_text, error, exe) -> event */
static PyObject *events_make(Events *self, PyObject *const *argv, Py_ssize_t argc)
{
    if (argc != 7 || !is_thread(argv[0])) {
        PyErr_SetString(PyExc_TypeError, "make(thread: 8-tuple, call, name, args, "
                                         "ret_text, error, exe)");
        return NULL;
    }
    return make_event(&self->shape, argv[0], argv[1], argv[2], argv[3], argv[4], argv[5],
                      argv[6]);
}

static PyMethodDef events_methods[] = {
    {"make", (PyCFunction)(void (*)(void))events_make, METH_FASTCALL,
     "make(thread, call, name, args, ret_text, error, exe) -> event\n\n"
     "thread: (pid, tid, ppid, comm, cr3, uid, euid, task_id); ts, ts_exit, vcpu, nr, abi,\n"
     "ret, raw_args and raw_ret come from the call; any other field gets its default."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject EventsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "vmstrace._decoder.Events",
    .tp_basicsize = sizeof(Events),
    .tp_dealloc = (destructor)events_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Events(event_cls): makes events of event_cls (a slots=True dataclass).",
    .tp_methods = events_methods,
    .tp_new = events_new,
};

/* ---- the lane: Emitter.emit and Decoder.__call__ for ordinary calls ------------------- */

static const char *const plan_fields[] = {
    "name", "template", "renders", "returns_fd", "plain_ret", "socketcall", "plain", "ret_hex",
};
enum {
    P_NAME, P_TEMPLATE, P_RENDERS, P_RETURNS_FD, P_PLAIN_RET, P_SOCKETCALL, P_PLAIN, P_RET_HEX
};
static const char *const ctx_fields[] = {"call", "opts", "args", "ret"};
static const char *const who_fields[] = {"pid", "ppid", "tid", "comm", "cr3", "uid", "euid",
                                         "start_time"};
enum { W_PID, W_PPID, W_TID, W_COMM, W_CR3, W_UID, W_EUID, W_START_TIME };
static const char *const end_fields[] = {"who", "process", "quiet"};
enum { T_WHO, T_PROCESS, T_QUIET };
static const char *const lane_entry_fields[] = {"who", "nr", "abi", "mem", "args"};
enum { E_WHO, E_NR, E_ABI, E_MEM, E_ARGS };
static const char *const lane_exit_fields[] = {"mem"};
static const char *const mem_fields[] = {"data", "fault", "truncated", "elems", "addr"};
static const char *const note_fields[] = {"tid", "text", "comm"};
enum { M_DATA, M_FAULT, M_TRUNCATED, M_ELEMS, M_ADDR };

static struct {
    Shape plan, ctx, who, entry, exit, mem, end, note;
    PyObject *sigframe_arg, *exe_arg, *rax_arg; /* blob numbers (vmstrace_records.h) */
    PyTypeObject *blobs; /* the reader's Blobs (_blobs.h), read in place */
    PyObject *cr3_mask; /* attribution.CR3_PGD_MASK */
    Py_ssize_t max_exes; /* pipeline.MAX_EXES */
    PyObject *question, *null, *zero, *at_fdcwd, *empty_quotes, *ellipsis, *comma;
} L;

/* A slot of an object already known to be of the shape's class (borrowed; NULL if unset). */
static inline PyObject *slot(PyObject *obj, const Shape *s, int i)
{
    return *(PyObject **)((char *)obj + s->off[i]);
}

/* configure(syscall_cls, entry_cls, exit_cls, taskinfo_cls, plan_cls, ctx_cls, mem_cls,
 *           threadend_cls, note_cls, cr3_mask, max_exes) */
static PyObject *configure(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *call_cls, *entry_cls, *exit_cls, *who_cls, *plan_cls, *ctx_cls, *mem_cls;
    PyObject *end_cls, *note_cls, *cr3_mask;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOO!n", &call_cls, &entry_cls, &exit_cls, &who_cls,
                          &plan_cls, &ctx_cls, &mem_cls, &end_cls, &note_cls, &PyLong_Type,
                          &cr3_mask, &L.max_exes))
        return NULL;
    if (shape_init(&S.call, call_cls, call_fields, NFIELDS(call_fields)) < 0
        || shape_init(&S.entry, entry_cls, entry_fields, NFIELDS(entry_fields)) < 0
        || shape_init(&S.exit, exit_cls, exit_fields, NFIELDS(exit_fields)) < 0
        || shape_init(&L.plan, plan_cls, plan_fields, NFIELDS(plan_fields)) < 0
        || shape_init(&L.ctx, ctx_cls, ctx_fields, NFIELDS(ctx_fields)) < 0
        || shape_init(&L.who, who_cls, who_fields, NFIELDS(who_fields)) < 0
        || shape_init(&L.entry, entry_cls, lane_entry_fields, NFIELDS(lane_entry_fields)) < 0
        || shape_init(&L.exit, exit_cls, lane_exit_fields, NFIELDS(lane_exit_fields)) < 0
        || shape_init(&L.mem, mem_cls, mem_fields, NFIELDS(mem_fields)) < 0
        || shape_init(&L.end, end_cls, end_fields, NFIELDS(end_fields)) < 0
        || shape_init(&L.note, note_cls, note_fields, NFIELDS(note_fields)) < 0)
        return NULL;
    Py_XSETREF(L.cr3_mask, Py_NewRef(cr3_mask));
#define CONST(field, make) \
    if (L.field == NULL && (L.field = (make)) == NULL) \
        return NULL;
    CONST(sigframe_arg, PyLong_FromLong(VMST_ARG_SIGFRAME))
    CONST(exe_arg, PyLong_FromLong(VMST_ARG_EXE))
    CONST(rax_arg, PyLong_FromLong(VMST_ARG_RAX))
    CONST(question, PyUnicode_InternFromString("?"))
    CONST(null, PyUnicode_InternFromString("NULL"))
    CONST(zero, PyUnicode_InternFromString("0"))
    CONST(at_fdcwd, PyUnicode_InternFromString("AT_FDCWD"))
    CONST(empty_quotes, PyUnicode_InternFromString("\"\""))
    CONST(ellipsis, PyUnicode_InternFromString("..."))
    CONST(comma, PyUnicode_InternFromString(", "))
#undef CONST
    if (L.blobs == NULL && (L.blobs = blobs_type()) == NULL)
        return NULL;
    S.ready = 1;
    Py_RETURN_NONE;
}

/* What the lane keeps between calls, each table direct-mapped (a collision costs the
 * lookup it saves, never a wrong answer: an entry holds what it was made from, and the
 * objects it compares by identity, so none of them can be another object while kept).
 * Dicts keyed by tuples did the same before: building and hashing the key tuples was a
 * tenth of the lane's time. */
#define REG_MEMO 2048 /* K_REG texts: (renderer, register values) -> text */
#define PLAN_NRS 1024 /* the plans of the numbers below this, per ABI */
#define THREAD_MEMO 64 /* a thread's fields of an event, by its TaskInfo */
#define VALUE_MEMO 128 /* value_texts' texts, by (function, value) */
#define EXE_MEMO 16 /* an exec's executable, by the bytes of the walk of its file */
/* The lane's value_texts (pipeline.VALUE_TEXTS), in order: structs.mode, a clone's flags
 * (process.clone_flags_text), a wait status (process.wait_status_text), a statx's mask and
 * attributes (structs.statx_mask, statx_attributes). */
enum { VT_MODE, VT_CLONE_FLAGS, VT_WAIT_STATUS, VT_STATX_MASK, VT_STATX_ATTRS, VT_N };
typedef struct {
    struct {
        PyObject *render, *text; /* text: a str, or None (an argument not shown) */
        unsigned long long reg, other;
        int two; /* keyed by the other register too */
    } reg[REG_MEMO];
    PyObject *abi[2];            /* the ABI names whose plans are below (interned strs) */
    PyObject *plan[2][PLAN_NRS]; /* CallPlan by (ABI, number): a pure function of the two */
    struct {
        PyObject *who, *known; /* known: (who, Decoder.thread_fields' 8-tuple) */
    } thread[THREAD_MEMO];
    struct {
        unsigned long long value;
        int which;
        PyObject *text; /* value_texts[which](value, raw) */
    } value[VALUE_MEMO];
    struct {
        PyObject *walk, *name; /* a bytes, and exe_named(walk) */
    } exe[EXE_MEMO];
} Memo;

static void memo_free(Memo *m)
{
    if (m == NULL)
        return;
    for (int i = 0; i < REG_MEMO; i++) {
        Py_CLEAR(m->reg[i].render);
        Py_CLEAR(m->reg[i].text);
    }
    for (int j = 0; j < 2; j++) {
        Py_CLEAR(m->abi[j]);
        for (int i = 0; i < PLAN_NRS; i++)
            Py_CLEAR(m->plan[j][i]);
    }
    for (int i = 0; i < THREAD_MEMO; i++) {
        Py_CLEAR(m->thread[i].who);
        Py_CLEAR(m->thread[i].known);
    }
    for (int i = 0; i < VALUE_MEMO; i++)
        Py_CLEAR(m->value[i].text);
    for (int i = 0; i < EXE_MEMO; i++) {
        Py_CLEAR(m->exe[i].walk);
        Py_CLEAR(m->exe[i].name);
    }
    PyMem_Free(m);
}

/* One run's lane: everything it reads or calls, given to its constructor. */
typedef struct {
    PyObject_HEAD
    Events *events;
    int trace_all;
    PyObject *pids;         /* the process tree's traced pids (a set, updated here) */
    PyObject *opts;         /* the DecodeOptions */
    int decode_fds, raw;
    int strings;            /* strsize is one the string kinds print as Python does */
    Py_ssize_t strsize;     /* -s */
    PyObject *exes;         /* Decoder.exes: pid -> executable */
    PyObject *thread_fields; /* Decoder.thread_fields(who) -> (who, 8-tuple) */
    PyObject *exe_named;    /* fdpath.describe_walk(walk) -> str | None: an exec's executable */
    PyObject *plans;        /* (abi, nr) -> CallPlan, as Plans.for_call() fills it */
    PyObject *forks;        /* abi -> the fork-like numbers */
    PyObject *execs;        /* abi -> the exec numbers (ProcessTree.execs) */
    PyObject *failure;      /* errno -> the text after "= -1 " */
    PyObject *errno_name;   /* errno -> its name */
    PyObject *success;      /* the return text of a call that did not fail plainly */
    PyObject *noted;        /* the names after whose calls the Python loop writes a line */
    Py_ssize_t notes;       /* the Notes the last run() put in evs (Lane.notes) */
    PyObject *observed;     /* the names whose calls go to observe(), of any process */
    PyObject *observe;      /* CommandOutcome.see(call, name) */
    PyObject *value_texts;  /* (value, raw) -> text, indexed by VT_* (pipeline.VALUE_TEXTS) */
    PyObject *failed;       /* errno -> (text, name): at most 4095 entries */
    /* -e trace and -e status (trace/filters.py's CallFilter.wants_call) */
    int every_call;
    PyObject *calls;        /* the SyscallSet's (abi, nr) keys */
    int inverted;           /* every call except those */
    int successful, failing, unfinished; /* the statuses kept */
    PyObject *args_for;     /* the names whose argument texts a sink reads; None: all */
    Memo *memo;             /* the texts, plans and threads kept by identity (Memo) */
} Lane;

static PyObject *lane_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"events", "pids", "trace_all", "opts", "exes",
                             "thread_fields", "exe_named", "plans", "forks", "execs", "failure_text",
                             "errno_name", "success_text", "noted", "observed", "observe", "value_texts", "calls",
                             "inverted", "statuses", "args_for", NULL};
    PyObject *events, *pids, *opts, *exes, *thread_fields, *exe_named, *plans, *forks, *execs;
    PyObject *failure, *errno_name, *success, *noted, *calls, *statuses, *args_for;
    PyObject *observed, *observe, *value_texts;
    int trace_all, inverted;
    if (!S.ready) {
        PyErr_SetString(PyExc_RuntimeError, "_decoder.configure() was not called");
        return NULL;
    }
    if (!PyArg_ParseTupleAndKeywords(
            args, kwds, "$O!O!pOO!OOO!O!O!OOOO!O!OO!O!pO!O:Lane", kwlist, &EventsType, &events,
            &PySet_Type, &pids, &trace_all, &opts, &PyDict_Type,
            &exes, &thread_fields, &exe_named, &PyDict_Type, &plans, &PyDict_Type, &forks, &PyDict_Type, &execs,
            &failure, &errno_name, &success, &PyFrozenSet_Type, &noted, &PyFrozenSet_Type, &observed, &observe, &PyTuple_Type, &value_texts,
            &PyFrozenSet_Type, &calls, &inverted, &PyFrozenSet_Type, &statuses, &args_for))
        return NULL;
    if (PyTuple_GET_SIZE(value_texts) != VT_N) {
        PyErr_SetString(PyExc_TypeError, "Lane: value_texts is pipeline.VALUE_TEXTS");
        return NULL;
    }
    if (args_for != Py_None && !PyFrozenSet_CheckExact(args_for)) {
        PyErr_SetString(PyExc_TypeError, "Lane: args_for is a frozenset of names or None");
        return NULL;
    }
    int kept[3];
    static const char *const status_names[3] = {"successful", "failed", "unfinished"};
    for (int i = 0; i < 3; i++) {
        PyObject *name = PyUnicode_FromString(status_names[i]);
        kept[i] = name == NULL ? -1 : PySet_Contains(statuses, name);
        Py_XDECREF(name);
        if (kept[i] < 0)
            return NULL;
    }
    PyObject *decode_fds = PyObject_GetAttrString(opts, "decode_fds");
    int fds = decode_fds == NULL ? -1 : PyObject_IsTrue(decode_fds);
    Py_XDECREF(decode_fds);
    PyObject *raw_opt = fds < 0 ? NULL : PyObject_GetAttrString(opts, "raw");
    int raw = raw_opt == NULL ? -1 : PyObject_IsTrue(raw_opt);
    Py_XDECREF(raw_opt);
    PyObject *strsize_opt = raw < 0 ? NULL : PyObject_GetAttrString(opts, "strsize");
    Py_ssize_t strsize = -1;
    if (strsize_opt != NULL && PyLong_CheckExact(strsize_opt)) {
        int overflow;
        long long s = PyLong_AsLongLongAndOverflow(strsize_opt, &overflow);
        strsize = overflow || s < 0 || s > (1 << 24) ? -1 : (Py_ssize_t)s;
    }
    Py_XDECREF(strsize_opt);
    /* -x, -xx: the strings in hex, as only fmt.quote knows (the Python renderers print them) */
    PyObject *hexstr_opt = PyErr_Occurred() ? NULL : PyObject_GetAttrString(opts, "hexstr");
    int hexstr = hexstr_opt == NULL ? -1 : PyObject_IsTrue(hexstr_opt);
    Py_XDECREF(hexstr_opt);
    if (PyErr_Occurred() || raw < 0 || hexstr < 0)
        return NULL;
    Lane *self = (Lane *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->events = (Events *)Py_NewRef(events);
    self->trace_all = trace_all;
    self->pids = Py_NewRef(pids);
    self->opts = Py_NewRef(opts);
    self->decode_fds = fds;
    self->raw = raw;
    self->strings = strsize >= 0 && !hexstr; /* else the Python renderers print them */
    self->strsize = strsize;
    self->exes = Py_NewRef(exes);
    self->thread_fields = Py_NewRef(thread_fields);
    self->exe_named = Py_NewRef(exe_named);
    self->plans = Py_NewRef(plans);
    self->forks = Py_NewRef(forks);
    self->execs = Py_NewRef(execs);
    self->failure = Py_NewRef(failure);
    self->errno_name = Py_NewRef(errno_name);
    self->success = Py_NewRef(success);
    self->noted = Py_NewRef(noted);
    self->observed = Py_NewRef(observed);
    self->observe = Py_NewRef(observe);
    self->value_texts = Py_NewRef(value_texts);
    self->calls = Py_NewRef(calls);
    self->inverted = inverted;
    self->successful = kept[0], self->failing = kept[1], self->unfinished = kept[2];
    self->every_call = inverted && PySet_GET_SIZE(calls) == 0 && kept[0] && kept[1] && kept[2];
    self->args_for = Py_NewRef(args_for);
    if ((self->memo = PyMem_Calloc(1, sizeof(Memo))) == NULL)
        PyErr_NoMemory();
    if (self->memo == NULL || (self->failed = PyDict_New()) == NULL)
        Py_CLEAR(self);
    return (PyObject *)self;
}

static void lane_dealloc(Lane *self)
{
    Py_CLEAR(self->events);
    Py_CLEAR(self->pids);
    Py_CLEAR(self->opts);
    Py_CLEAR(self->exes);
    Py_CLEAR(self->thread_fields);
    Py_CLEAR(self->exe_named);
    Py_CLEAR(self->plans);
    Py_CLEAR(self->forks);
    Py_CLEAR(self->execs);
    Py_CLEAR(self->failure);
    Py_CLEAR(self->errno_name);
    Py_CLEAR(self->success);
    Py_CLEAR(self->noted);
    Py_CLEAR(self->observed);
    Py_CLEAR(self->observe);
    Py_CLEAR(self->value_texts);
    Py_CLEAR(self->failed);
    Py_CLEAR(self->calls);
    Py_CLEAR(self->args_for);
    memo_free(self->memo);
    self->memo = NULL;
    Py_TYPE(self)->tp_free((PyObject *)self);
}

enum { DEFER = 0, DONE = 1, FAIL = -1 };
/* lane_one(): done, and the call's "+++ exited" line follows it (Lane.notes) */
enum { NOTE = 3 };

/* A Python call's result, or DEFER for an Exception (the Python path will meet it again
 * and handle it as the reference does), or FAIL for anything else (KeyboardInterrupt). */
static int deferred(PyObject *result)
{
    if (result != NULL)
        return DONE;
    if (PyErr_ExceptionMatches(PyExc_Exception)) {
        PyErr_Clear();
        return DEFER;
    }
    return FAIL;
}

/* ProcessTree.wants(), where it does not decide the command's start: 1 for a process the
 * tree traces (in tree.pids; a fork's child joins them, _note_child), OUTSIDE for a call
 * that is not an exec of a process neither in them nor a child of one in them (the
 * guest's other processes: no event, no work but this), or 0 to leave the call to it (an
 * exec, which may start the command; a process joining the tree; a call without a pid). */
enum { OUTSIDE = 2 };
static int tree_keeps(const Lane *ln, PyObject *who, PyObject *abi, PyObject *nr,
                      PyObject *ret)
{
    if (ln->trace_all)
        return 1;
    PyObject *pid = slot(who, &L.who, W_PID);
    if (pid == NULL || pid == Py_None)
        return 0;
    int in = PySet_Contains(ln->pids, pid);
    if (in < 0)
        return -1;
    if (!in) {
        PyObject *ppid = slot(who, &L.who, W_PPID);
        int parent = ppid == NULL || ppid == Py_None ? 0 : PySet_Contains(ln->pids, ppid);
        if (parent != 0) /* it joins there (not here: a fork is not noted on that path) */
            return parent < 0 ? -1 : 0;
        /* only an exec can start the command (the launcher's, then the root's) */
        PyObject *execs = PyDict_GetItemWithError(ln->execs, abi);
        int exec = execs == NULL ? (PyErr_Occurred() ? -1 : 0) : PySequence_Contains(execs, nr);
        return exec < 0 ? -1 : exec ? 0 : OUTSIDE;
    }
    PyObject *forks = PyDict_GetItemWithError(ln->forks, abi);
    if (forks == NULL)
        return PyErr_Occurred() ? -1 : 0;
    int fork = PySequence_Contains(forks, nr);
    if (fork <= 0 || ret == Py_None)
        return fork < 0 ? -1 : 1;
    if (!PyLong_CheckExact(ret))
        return 0;
    int overflow;
    long long r = PyLong_AsLongLongAndOverflow(ret, &overflow);
    if (r == -1 && PyErr_Occurred())
        return -1;
    /* (adding it again, should the call still go to Python, changes nothing) */
    if ((overflow > 0 || r > 0) && PySet_Add(ln->pids, ret) < 0)
        return -1;
    return 1;
}

/* The renderers printed here (decode/args.py's PLAIN_KINDS), as their Python renderers
 * print them: a kind in the code's low byte, its parameter above.  The plain numbers read
 * the register alone; the strings and buffers read the argument's memory too. */
enum { K_PYTHON, K_PTR, K_HEX, K_ULONG, K_INT, K_UINT, K_LONG, K_FD, K_DIRFD, K_MODE,
       K_PATH, K_STR, K_WBUF, K_RBUF, K_REG, K_STAT, K_EXEC, K_SKIP, K_RLIMIT, K_WSTATUS,
       K_CLONE, K_ARCH_PRCTL, K_RUSAGE, K_DIRENTS, K_XATTR, K_STATX, K_LAST = K_STATX };
/* The calls every process makes (process.py): K_SKIP, an argument another prints (args.SKIP);
 * K_RLIMIT, a struct rlimit read at entry (parameter 0: IN) or at exit (1: OUT); K_WSTATUS,
 * wait4's status word; K_CLONE, clone's named fields in its first argument's place;
 * K_ARCH_PRCTL, arch_prctl's second argument; K_DIRENTS, getdents' records, counted;
 * K_XATTR, an extended attribute's value (parameter 0: getxattr's, of the return's size;
 * 1: setxattr's, of the next argument's); K_STATX, the struct statx the kernel filled;
 * K_RUSAGE, wait4's struct rusage (its size / 8
 * the parameter), the address unless there is one to show (the renderer shows it). */
/* K_EXEC: execve's program (EXEC_*), argv and envp, read at entry or from the new stack
 * (process.py's _exec_mem). */
enum { EXEC_PATH, EXEC_ARGV, EXEC_ENVP };
/* K_STAT: an x86-64 struct stat the kernel filled (structs.stat's abbreviated form; a
 * device's, which prints its number, runs the Python renderer).
 * K_REG: a Python renderer whose text depends on the register and the run's options alone
 * (flags, a value from a table), or on one other register too (its number + 1 in the
 * parameter: open's mode, shown as the flags say): its texts are kept per (renderer,
 * register values). */
#define KIND(code) ((int)((code) & 0xff))
#define PARAM(code) ((int)((code) >> 8))
#define FORCE_HEX 8 /* K_WBUF's and K_RBUF's parameter: every byte as \xNN (getrandom) */
#define PATH_MAX_ 4096 /* fmt.PATH_MAX */
#define AT_FDCWD_ (-100)

/* An ASCII str of n bytes. */
static PyObject *ascii(const char *p, Py_ssize_t n)
{
    PyObject *s = PyUnicode_New(n, 127);
    if (s != NULL)
        memcpy(PyUnicode_1BYTE_DATA(s), p, (size_t)n);
    return s;
}

/* "0x..." (lowercase, no padding), as f"{v:#x}" */
static PyObject *hex_text(unsigned long long v)
{
    static const char digits[] = "0123456789abcdef";
    char buf[20], *o = buf + sizeof(buf);
    do {
        *--o = digits[v & 15];
        v >>= 4;
    } while (v);
    *--o = 'x';
    *--o = '0';
    return ascii(o, buf + sizeof(buf) - o);
}

/* v's decimal digits, after a '-' if negative, written to end at `end`: their start. */
static char *digits(char *end, unsigned long long v, int negative)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (negative)
        *--end = '-';
    return end;
}

/* as str(v) for a signed or unsigned value */
static PyObject *dec_text(unsigned long long v, int negative)
{
    char buf[24], *o = digits(buf + sizeof(buf), v, negative);
    return ascii(o, buf + sizeof(buf) - o);
}

/* A text built in buf (room bytes, *n of them used), for ascii(): a piece that does not
 * fit, or a str that is not ASCII, is not put and the put returns -1. */
static int put_bytes(char *buf, size_t room, int *n, const char *s, size_t k)
{
    if ((size_t)*n + k >= room)
        return -1;
    memcpy(buf + *n, s, k);
    *n += (int)k;
    return 0;
}

#define PUT_LIT(buf, room, n, s) put_bytes((buf), (room), (n), (s), sizeof(s) - 1)

static int put_text(char *buf, size_t room, int *n, PyObject *text)
{
    if (!PyUnicode_IS_ASCII(text))
        return -1;
    return put_bytes(buf, room, n, (const char *)PyUnicode_1BYTE_DATA(text),
                     (size_t)PyUnicode_GET_LENGTH(text));
}

/* as str(v) (signed_text's and dec_text's digits), at buf + *n */
static int put_dec(char *buf, size_t room, int *n, unsigned long long v, int negative)
{
    char d[24], *o = digits(d + sizeof(d), v, negative);
    return put_bytes(buf, room, n, o, (size_t)(d + sizeof(d) - o));
}

/* as fmt.ptr(v), at buf + *n */
static void put_ptr(char *buf, size_t room, int *n, unsigned long long v)
{
    *n += v ? snprintf(buf + *n, room - (size_t)*n, "%#llx", v)
            : snprintf(buf + *n, room - (size_t)*n, "NULL");
}

static PyObject *signed_text(long long v)
{
    return v < 0 ? dec_text(0ull - (unsigned long long)v, 1) : dec_text((unsigned long long)v, 0);
}

/* fmt.octal(v): "0644", zero as "000" */
static PyObject *octal_text(unsigned v)
{
    char buf[16];
    int n = v ? snprintf(buf, sizeof(buf), "0%02o", v) : snprintf(buf, sizeof(buf), "000");
    return ascii(buf, n);
}

/* The text of argument register v as a register-only kind prints it (fmt.ptr, hexnum,
 * str(s32()), ...); the registers are unsigned 64-bit (RawEntry). */
static PyObject *plain_text(int k, unsigned long long v, int raw)
{
    switch (k) {
    case K_PTR:
        return v ? hex_text(v) : Py_NewRef(L.null);
    case K_HEX:
        return v ? hex_text(v) : Py_NewRef(L.zero);
    case K_ULONG:
        return dec_text(v, 0);
    case K_INT:
    case K_FD: /* _fd without -y: the register's low 32 bits as a C int */
        return signed_text((long long)(int32_t)(uint32_t)v);
    case K_UINT:
        return dec_text((uint32_t)v, 0);
    case K_LONG:
        return signed_text((long long)v);
    case K_DIRFD: { /* _dirfd without -y */
        long long fd = v < 0x80000000ull ? (long long)v : (long long)(int32_t)(uint32_t)v;
        return fd == AT_FDCWD_ && !raw ? Py_NewRef(L.at_fdcwd) : signed_text(fd);
    }
    case K_MODE:
        return octal_text((unsigned)(v & 0xffff));
    }
    PyErr_SetString(PyExc_SystemError, "plain_text: not a register-only kind");
    return NULL;
}

/* A register's value as the reader makes it (an int in 0..2**64-1): 1, else 0. */
static int reg_value(PyObject *v, unsigned long long *out)
{
    if (!PyLong_CheckExact(v))
        return 0;
    *out = as_u64(v);
    if (*out == (unsigned long long)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    return 1;
}

/* ---- strings and buffers, as fmt.quote, fmt.cstring and fmt.buffer print them -------- */

/* The length of fmt.quote(d[:n], force_hex) without its quotes; with out, written there.
 * A byte PLAIN() (_plain.h) prints as itself. */
static Py_ssize_t quote_into(const unsigned char *d, Py_ssize_t n, int force_hex, char *out)
{
    static const char digits[] = "0123456789abcdef";
    Py_ssize_t len = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!force_hex && PLAIN(d[i])) { /* a run printed as itself, copied at once */
            Py_ssize_t j = plain_end(d, i + 1, n);
            if (out != NULL)
                memcpy(out + len, d + i, (size_t)(j - i));
            len += j - i;
            i = j - 1;
            continue;
        }
        unsigned b = d[i];
        char tmp[4];
        int w;
        if (force_hex) {
            tmp[0] = '\\', tmp[1] = 'x', tmp[2] = digits[b >> 4], tmp[3] = digits[b & 15];
            w = 4;
        } else if (b == '"' || b == '\\') {
            tmp[0] = '\\', tmp[1] = (char)b, w = 2;
        } else if (b >= 0x20 && b < 0x7f) {
            tmp[0] = (char)b, w = 1;
        } else if (b >= '\t' && b <= '\r') {
            tmp[0] = '\\', tmp[1] = "tnvfr"[b - '\t'], w = 2;
        } else if (i + 1 < n && d[i + 1] >= '0' && d[i + 1] <= '7') {
            /* an octal digit follows: three digits, so the escape cannot swallow it */
            tmp[0] = '\\', tmp[1] = (char)('0' + (b >> 6)), tmp[2] = (char)('0' + ((b >> 3) & 7));
            tmp[3] = (char)('0' + (b & 7)), w = 4;
        } else { /* the fewest octal digits */
            w = 0;
            tmp[w++] = '\\';
            if (b >= 0100)
                tmp[w++] = (char)('0' + (b >> 6));
            if (b >= 010)
                tmp[w++] = (char)('0' + ((b >> 3) & 7));
            tmp[w++] = (char)('0' + (b & 7));
        }
        if (out != NULL)
            memcpy(out + len, tmp, (size_t)w);
        len += w;
    }
    return len;
}

/* fmt.quote(d[:n], force_hex) + ("..." if more else "") */
static PyObject *quoted(const unsigned char *d, Py_ssize_t n, int force_hex, int more)
{
    Py_ssize_t len = quote_into(d, n, force_hex, NULL);
    PyObject *s = PyUnicode_New(len + 2 + (more ? 3 : 0), 127);
    if (s == NULL)
        return NULL;
    char *o = (char *)PyUnicode_1BYTE_DATA(s);
    o[0] = '"';
    quote_into(d, n, force_hex, o + 1);
    o[len + 1] = '"';
    if (more)
        memcpy(o + len + 2, "...", 3);
    return s;
}

/* A Mem's bytes and flags (borrowed data), or DEFER for an object of another shape. */
typedef struct {
    const unsigned char *data;
    Py_ssize_t len;
    int fault, truncated;
} MemView;

static int mem_view(PyObject *m, MemView *v)
{
    if (!Py_IS_TYPE(m, L.mem.cls))
        return DEFER;
    PyObject *data = slot(m, &L.mem, M_DATA), *fault = slot(m, &L.mem, M_FAULT);
    PyObject *trunc = slot(m, &L.mem, M_TRUNCATED);
    if (data == NULL || !PyBytes_CheckExact(data) || fault == NULL || !PyBool_Check(fault)
        || trunc == NULL || !PyBool_Check(trunc))
        return DEFER;
    v->data = (const unsigned char *)PyBytes_AS_STRING(data);
    v->len = PyBytes_GET_SIZE(data);
    v->fault = fault == Py_True;
    v->truncated = trunc == Py_True;
    return DONE;
}

/* An event's blobs (its `mem`): read in place (a Blobs), through the dict, or by Python
 * (another type: DEFER). */
static int mems_kind(PyObject *mems)
{
    if (mems != NULL && Py_IS_TYPE(mems, L.blobs))
        return 1;
    return mems != NULL && (PyDict_CheckExact(mems) || no_mem(mems)) ? 0 : -1;
}

/* Where Ctx.mem(i) finds argument i's read (exit_only: Ctx.exit_mem(i)), the exit's before
 * the entry's: 1 in a record's Blobs (*blobs, *bv), 2 in a dict as a Mem (*mem, borrowed),
 * 0 in neither; -1 with *st DEFER (a mapping of another type) or FAIL. */
static int arg_find(PyObject *entry, PyObject *exit, Py_ssize_t i, int exit_only,
                    BlobsObject **blobs, BlobView *bv, PyObject **mem, int *st)
{
    *st = DONE;
    for (int at_exit = 1; at_exit >= 0; at_exit--) {
        PyObject *ev = at_exit ? exit : entry;
        if (ev == Py_None || (!at_exit && exit_only))
            continue;
        PyObject *mems = slot(ev, at_exit ? &L.exit : &L.entry, at_exit ? 0 : E_MEM);
        int kind = mems_kind(mems);
        if (kind < 0) {
            *st = DEFER;
            return -1;
        }
        if (kind == 1) {
            if (!blobs_top((BlobsObject *)mems, i, bv))
                continue;
            *blobs = (BlobsObject *)mems;
            return 1;
        }
        if (!PyDict_CheckExact(mems))
            continue; /* (the empty NO_MEM) */
        PyObject *key = PyLong_FromSsize_t(i);
        PyObject *m = key == NULL ? NULL : PyDict_GetItemWithError(mems, key);
        Py_XDECREF(key);
        if (m != NULL) {
            *mem = m;
            return 2;
        }
        if (PyErr_Occurred()) {
            *st = FAIL;
            return -1;
        }
    }
    return 0;
}

/* A blob read in place, as a view. */
static MemView blob_view(const BlobView *bv)
{
    return (MemView){bv->data, bv->len, (bv->flags & VMST_BLOB_FAULT) != 0,
                     (bv->flags & VMST_BLOB_TRUNC) != 0};
}

/* arg_find()'s read as a view, without a Mem object where the blobs are read in place: 1
 * with *v, 0 when there is none, -1 with *st DEFER or FAIL. */
static int arg_view(PyObject *entry, PyObject *exit, Py_ssize_t i, int exit_only, MemView *v,
                    int *st)
{
    BlobsObject *blobs = NULL;
    BlobView bv;
    PyObject *m = NULL;
    int where = arg_find(entry, exit, i, exit_only, &blobs, &bv, &m, st);
    if (where == 2)
        return (*st = mem_view(m, v)) == DONE ? 1 : -1;
    if (where == 1)
        *v = blob_view(&bv);
    return where;
}

/* fmt.cstring(addr, mem, limit): limit < 0 for a path (cut at PATH_MAX - 1, never at -s). */
static PyObject *cstring_view(unsigned long long addr, const MemView *v, Py_ssize_t limit)
{
    if (!addr)
        return Py_NewRef(L.null);
    if (v == NULL || (v->fault && v->len == 0))
        return hex_text(addr);
    const unsigned char *nul = memchr(v->data, 0, (size_t)v->len);
    Py_ssize_t n = v->len;
    int more = v->truncated || v->fault;
    if (nul == NULL && v->fault && n < (limit < 0 ? PATH_MAX_ : limit + 1))
        return hex_text(addr);
    if (nul == NULL && limit < 0 && n >= PATH_MAX_)
        n = PATH_MAX_ - 1, more = 1;
    if (nul != NULL)
        n = nul - v->data, more = 0;
    if (limit >= 0 && n > limit)
        n = limit, more = 1;
    return quoted(v->data, n, 0, more);
}

/* fmt.buffer(addr, mem, length, strsize, force_hex) */
static PyObject *buffer_text(unsigned long long addr, const MemView *v, unsigned long long length,
                             Py_ssize_t strsize, int force_hex)
{
    if (!addr)
        return Py_NewRef(L.null);
    if (length == 0)
        return Py_NewRef(L.empty_quotes);
    if (v == NULL || (v->fault && v->len == 0))
        return hex_text(addr);
    unsigned long long want = (unsigned long long)strsize + 1;
    if (v->fault && (unsigned long long)v->len < (length < want ? length : want))
        return hex_text(addr);
    unsigned long long shown = length < (unsigned long long)strsize ? length : (unsigned long long)strsize;
    Py_ssize_t n = (unsigned long long)v->len < shown ? v->len : (Py_ssize_t)shown;
    return quoted(v->data, n, force_hex, length > (unsigned long long)n);
}

/* An array argument's read (execve's argv): the read of its pointers, and the string each
 * pointer led to, from a record's Blobs in place (no Mem made) or from a Mem and its
 * tuple of element Mems. */
typedef struct {
    MemView top;
    BlobsObject *blobs; /* in place: the element blobs of argument `arg`; or NULL and */
    long arg;
    PyObject *elems;    /* the Mem's tuple of element Mems (borrowed) */
    Py_ssize_t n;       /* the elements */
    int faulted;        /* the read or one of its elements' faulted */
} ArrayRead;

/* arg_find()'s read of argument i with its elements, counted and checked for a fault in
 * the same walk: 1 with *a, 0 when there is none, -1 with *st DEFER or FAIL. */
static int array_read(PyObject *entry, PyObject *exit, Py_ssize_t i, int exit_only, ArrayRead *a,
                      int *st)
{
    BlobsObject *blobs = NULL;
    BlobView bv;
    PyObject *m = NULL;
    int where = arg_find(entry, exit, i, exit_only, &blobs, &bv, &m, st);
    if (where == 1) {
        a->top = blob_view(&bv);
        a->blobs = blobs, a->arg = i, a->elems = NULL, a->n = 0, a->faulted = a->top.fault;
        if (bv.elems) {
            BlobCursor c = {0, 0};
            BlobView e;
            for (; blobs_next_elem(blobs, i, &c, &e); a->n++)
                a->faulted |= (e.flags & VMST_BLOB_FAULT) != 0;
        }
        return 1;
    }
    if (where != 2)
        return where;
    PyObject *elems = Py_IS_TYPE(m, L.mem.cls) ? slot(m, &L.mem, M_ELEMS) : NULL;
    if ((*st = mem_view(m, &a->top)) != DONE || elems == NULL || !PyTuple_CheckExact(elems)) {
        *st = *st == FAIL ? FAIL : DEFER;
        return -1;
    }
    a->blobs = NULL, a->elems = elems, a->n = PyTuple_GET_SIZE(elems), a->faulted = a->top.fault;
    for (Py_ssize_t j = 0; j < a->n; j++) {
        MemView e;
        if ((*st = mem_view(PyTuple_GET_ITEM(elems, j), &e)) != DONE)
            return -1;
        a->faulted |= e.fault;
    }
    return 1;
}

/* An ArrayRead's elements in order (*c starts zeroed): 1 with the element's view and the
 * address it was read at, 0 after the last, -1 with *st DEFER. */
typedef struct {
    BlobCursor blob;
    Py_ssize_t j;
} ElemCursor;

static int array_next(const ArrayRead *a, ElemCursor *c, MemView *v, unsigned long long *addr,
                      int *st)
{
    if (a->blobs != NULL) {
        BlobView e;
        if (!blobs_next_elem(a->blobs, a->arg, &c->blob, &e))
            return 0;
        *v = blob_view(&e);
        *addr = e.addr;
        return 1;
    }
    if (c->j >= a->n)
        return 0;
    PyObject *e = PyTuple_GET_ITEM(a->elems, c->j++);
    PyObject *at = Py_IS_TYPE(e, L.mem.cls) ? slot(e, &L.mem, M_ADDR) : NULL;
    if (at == NULL || !reg_value(at, addr) || mem_view(e, v) != DONE) {
        *st = DEFER;
        return -1;
    }
    return 1;
}

/* process.py's _exec_mem: execve's argument i as read at entry, unless that read (or one
 * of its elements) faulted: then the exit's read from the new stack, if any.  1 with *a,
 * 0 when there is none, -1 with *st DEFER or FAIL. */
static int exec_read(PyObject *entry, PyObject *exit, Py_ssize_t i, ArrayRead *a, int *st)
{
    int found = array_read(entry, Py_None, i, 0, a, st);
    if (found < 0)
        return -1;
    if (found && !a->faulted)
        return 1;
    if (exit == Py_None)
        return found;
    ArrayRead x;
    int there = array_read(Py_None, exit, i, 1, &x, st);
    if (there < 0)
        return -1;
    if (there)
        *a = x;
    return found || there;
}

/* process.py's _argv: ["x", "a"], at most -s strings, each cut at -s; pointers of
 * `width` bytes. */
static PyObject *argv_text(const Lane *ln, unsigned long long addr, const ArrayRead *a,
                           Py_ssize_t width, int *st)
{
    Py_ssize_t n = a->n;
    if (a->top.fault && n == 0)
        return hex_text(addr);
    PyObject *items = PyList_New(0), *text = NULL;
    int more = 0;
    if (items == NULL) {
        *st = FAIL;
        return NULL;
    }
    ElemCursor c = {{0, 0}, 0};
    for (Py_ssize_t j = 0; j < n && *st == DONE; j++) {
        if (j >= ln->strsize) {
            more = 1;
            break;
        }
        MemView e;
        unsigned long long ea = 0;
        if (array_next(a, &c, &e, &ea, st) <= 0) {
            *st = *st == DONE ? DEFER : *st;
            break;
        }
        PyObject *item = cstring_view(ea ? ea : 1, &e, ln->strsize);
        if (item == NULL || PyList_Append(items, item) < 0)
            *st = FAIL;
        Py_XDECREF(item);
    }
    if (*st == DONE && !more && a->top.fault) {
        /* no NULL before a pointer that could not be read: where it is */
        PyObject *at = hex_text(addr + (unsigned long long)(width * n));
        PyObject *item = at == NULL ? NULL : PyUnicode_FromFormat("... /* %U */", at);
        if (item == NULL || PyList_Append(items, item) < 0)
            *st = FAIL;
        Py_XDECREF(item);
        Py_XDECREF(at);
    } else if (*st == DONE && (more || a->top.truncated)) {
        if (PyList_Append(items, L.ellipsis) < 0)
            *st = FAIL;
    }
    if (*st == DONE) {
        PyObject *joined = PyUnicode_Join(L.comma, items);
        text = joined == NULL ? NULL : PyUnicode_FromFormat("[%U]", joined);
        Py_XDECREF(joined);
        if (text == NULL)
            *st = FAIL;
    }
    Py_DECREF(items);
    return text;
}

/* process.py's _envp: the address, then in a comment how many pointers come before the
 * first NULL ("5 vars"; "5+ vars" when the read was cut). */
static PyObject *envp_text(unsigned long long addr, const MemView *m, PyObject *abi, int *st)
{
    MemView v = *m;
    if (v.fault && v.len == 0)
        return hex_text(addr);
    int narrow = PyUnicode_CompareWithASCIIString(abi, "i386") == 0;
    Py_ssize_t width = narrow ? 4 : 8, whole = v.len / width, n = 0;
    for (; n < whole; n++) {
        uint64_t w = 0;
        memcpy(&w, v.data + n * width, (size_t)width); /* (little-endian, as the stream) */
        if (w == 0)
            break;
    }
    /* no NULL before a pointer that could not be read: "unterminated" */
    int cut = v.fault && n == whole;
    const char *more = v.truncated && !cut ? "+" : "";
    const char *s = n == 1 && !*more ? "" : "s";
    char buf[96];
    int k = 0;
    put_ptr(buf, sizeof buf, &k, addr); /* (addr is not 0: that prints NULL before) */
    PUT_LIT(buf, sizeof buf, &k, " /* ");
    put_dec(buf, sizeof buf, &k, (unsigned long long)n, 0);
    put_bytes(buf, sizeof buf, &k, more, strlen(more));
    PUT_LIT(buf, sizeof buf, &k, " var");
    put_bytes(buf, sizeof buf, &k, s, strlen(s));
    if (cut)
        PUT_LIT(buf, sizeof buf, &k, ", unterminated");
    PUT_LIT(buf, sizeof buf, &k, " */");
    PyObject *text = ascii(buf, k);
    if (text == NULL)
        *st = FAIL;
    return text;
}

/* The text of execve's (or execveat's) program, argv or envp (K_EXEC), or NULL with *st
 * DEFER (the Python path's business) or FAIL. */
static PyObject *exec_text(const Lane *ln, int which, PyObject *call, PyObject *regs,
                           Py_ssize_t i, int *st)
{
    PyObject *entry = slot(call, &S.call, 0), *exit = slot(call, &S.call, 1);
    unsigned long long addr;
    *st = DONE;
    if (!reg_value(PyTuple_GET_ITEM(regs, i), &addr)) {
        *st = DEFER;
        return NULL;
    }
    if (which > EXEC_ENVP) {
        PyErr_SetString(PyExc_ValueError, "CallPlan.plain: an exec kind out of range");
        *st = FAIL;
        return NULL;
    }
    if (which != EXEC_PATH && !addr)
        return Py_NewRef(L.null);
    ArrayRead a;
    int found = exec_read(entry, exit, i, &a, st);
    if (found < 0)
        return NULL;
    if (which == EXEC_PATH)
        return cstring_view(addr, found ? &a.top : NULL, -1);
    if (!found)
        return hex_text(addr);
    PyObject *abi = slot(entry, &L.entry, E_ABI);
    if (abi == NULL || !PyUnicode_CheckExact(abi)) {
        *st = DEFER;
        return NULL;
    }
    if (which == EXEC_ARGV)
        return argv_text(ln, addr, &a, PyUnicode_CompareWithASCIIString(abi, "i386") ? 8 : 4, st);
    return envp_text(addr, &a.top, abi, st);
}

/* Whether a return value is a failure (Ctx.failed: None, or -4095..-1); -1 on error. */
static int failed_ret(PyObject *ret, long long *r)
{
    if (ret == Py_None)
        return 1;
    int overflow;
    *r = PyLong_AsLongLongAndOverflow(ret, &overflow);
    if (*r == -1 && PyErr_Occurred())
        return -1;
    if (overflow)
        *r = overflow > 0 ? LLONG_MAX : LLONG_MIN;
    return *r >= -4095 && *r <= -1;
}

/* The text of argument i as a string or buffer kind prints it (NULL with *st DEFER: the
 * Python path's business; with *st FAIL: an exception). */
static PyObject *mem_text(const Lane *ln, int k, int param, PyObject *call, PyObject *regs,
                          Py_ssize_t i, int *st)
{
    PyObject *entry = slot(call, &S.call, 0), *exit = slot(call, &S.call, 1);
    PyObject *ret = slot(call, &S.call, 2);
    unsigned long long addr = as_u64(PyTuple_GET_ITEM(regs, i));
    if (addr == (unsigned long long)-1 && PyErr_Occurred()) {
        *st = deferred(NULL);
        return NULL;
    }
    MemView v;
    int got;
    switch (k) {
    case K_PATH:
    case K_STR:
        if ((got = arg_view(entry, exit, i, 0, &v, st)) < 0)
            return NULL;
        return cstring_view(addr, got ? &v : NULL, k == K_PATH ? -1 : ln->strsize);
    case K_WBUF: {
        int j = param & 7;
        unsigned long long length = 0;
        if (j < 6) {
            PyObject *reg = PyTuple_GET_ITEM(regs, j);
            length = PyLong_CheckExact(reg) ? as_u64(reg) : (unsigned long long)-1;
            if (!PyLong_CheckExact(reg) || (length == (unsigned long long)-1 && PyErr_Occurred())) {
                *st = deferred(NULL);
                return NULL;
            }
        }
        if ((got = arg_view(entry, exit, i, 0, &v, st)) < 0)
            return NULL;
        return buffer_text(addr, got ? &v : NULL, length, ln->strsize, param & FORCE_HEX);
    }
    case K_RBUF: {
        long long r = 0;
        int failed = failed_ret(ret, &r);
        if (failed < 0) {
            *st = FAIL;
            return NULL;
        }
        if (failed)
            return addr ? hex_text(addr) : Py_NewRef(L.null);
        if (r < 0 || r == LLONG_MAX) { /* a length Python would slice from the end */
            *st = DEFER;
            return NULL;
        }
        if ((got = arg_view(entry, exit, i, 1, &v, st)) < 0)
            return NULL;
        return buffer_text(addr, got ? &v : NULL, (unsigned long long)r, ln->strsize,
                           param & FORCE_HEX);
    }
    }
    PyErr_SetString(PyExc_SystemError, "mem_text: not a string or buffer kind");
    *st = FAIL;
    return NULL;
}

/* value_texts[which](value, raw), kept by (which, value): borrowed (the memo holds it),
 * NULL with *st DEFER or FAIL. */
static PyObject *value_text(const Lane *ln, int which, unsigned long long value, int *st)
{
    Memo *m = ln->memo;
    uint64_t h = (value + (uint64_t)which) * 0x9E3779B97F4A7C15ULL;
    size_t at = (size_t)((h ^ (h >> 29)) % VALUE_MEMO);
    if (m->value[at].text == NULL || m->value[at].value != value || m->value[at].which != which) {
        PyObject *n = PyLong_FromUnsignedLongLong(value);
        PyObject *cargs[2] = {n, ln->raw ? Py_True : Py_False};
        PyObject *fn = PyTuple_GET_ITEM(ln->value_texts, which);
        PyObject *text = n == NULL ? NULL : PyObject_Vectorcall(fn, cargs, 2, NULL);
        Py_XDECREF(n);
        if (text == NULL || !PyUnicode_CheckExact(text)) {
            Py_XDECREF(text);
            *st = text == NULL ? deferred(NULL) : DEFER;
            return NULL;
        }
        Py_XSETREF(m->value[at].text, text);
        m->value[at].value = value;
        m->value[at].which = which;
    }
    *st = DONE;
    return m->value[at].text;
}

/* A read (arg_view()'s result `got` in *v) of at least `size` bytes: 1 with *v its view,
 * 0 when there is none or it is shorter, -1 as arg_view(). */
static int sized(int got, Py_ssize_t size, const MemView *v)
{
    return got < 0 ? -1 : got && v->len >= size;
}

/* Ctx.out_data(i, size): the exit read of a call that succeeded, at least `size` bytes
 * (its data, whatever its fault flag): 1 with *data set, 0 when there is none to show
 * (the renderer prints the address), or -1 with *st DEFER or FAIL. */
static int out_data(PyObject *call, unsigned long long addr, Py_ssize_t i, Py_ssize_t size,
                    const unsigned char **data, int *st)
{
    PyObject *exit = slot(call, &S.call, 1), *ret = slot(call, &S.call, 2);
    long long r = 0;
    int failed = failed_ret(ret, &r);
    if (failed < 0) {
        *st = deferred(NULL);
        return -1;
    }
    *st = DONE;
    MemView v;
    int got = failed || !addr ? 0 : sized(arg_view(Py_None, exit, i, 1, &v, st), size, &v);
    if (got > 0)
        *data = v.data;
    return got;
}

/* Ctx.in_data(i, size): the read of an argument the caller passes (the exit's re-read
 * first), at least `size` bytes: as out_data(). */
static int in_data(PyObject *call, unsigned long long addr, Py_ssize_t i, Py_ssize_t size,
                   const unsigned char **data, int *st)
{
    PyObject *entry = slot(call, &S.call, 0), *exit = slot(call, &S.call, 1);
    *st = DONE;
    MemView v;
    int got = addr ? sized(arg_view(entry, exit, i, 0, &v, st), size, &v) : 0;
    if (got > 0)
        *data = v.data;
    return got;
}

enum { RENDER = 2 }; /* stat_text(): the Python renderer prints this one */

/* structs.stat through OUT(STAT_SIZE) (Ctx.out_data: the exit read, whatever its fault
 * flag, of a call that succeeded): `{st_mode=S_IFREG|0644, st_size=5, ...}`, the address
 * when there is nothing to show, NULL with *st RENDER for a device (or FAIL, DEFER). */
#define STAT_SIZE_ 144
static PyObject *stat_text(const Lane *ln, PyObject *call, unsigned long long addr,
                           Py_ssize_t i, int *st)
{
    const unsigned char *d = NULL;
    int got = out_data(call, addr, i, STAT_SIZE_, &d, st);
    if (got <= 0)
        return got < 0 ? NULL : plain_text(K_PTR, addr, 0);
    uint32_t mode;
    int64_t size;
    memcpy(&mode, d + 24, sizeof mode); /* (the stream and the host: little-endian) */
    memcpy(&size, d + 48, sizeof size);
    if ((mode & 0170000) == 0020000 || (mode & 0170000) == 0060000) {
        *st = RENDER; /* a device: its number, as makedev() or in hex */
        return NULL;
    }
    PyObject *mode_text = value_text(ln, VT_MODE, mode, st);
    if (mode_text == NULL)
        return NULL;
    /* (joined here: PyUnicode_FromFormat parses its format and builds through a writer
     * on every call, most of a stat's time in the lane; it stays for a text too long) */
    char buf[1024];
    int n = 0;
    if (PUT_LIT(buf, sizeof buf, &n, "{st_mode=") == 0
        && put_text(buf, sizeof buf, &n, mode_text) == 0
        && PUT_LIT(buf, sizeof buf, &n, ", st_size=") == 0
        && put_dec(buf, sizeof buf, &n,
                   size < 0 ? 0ULL - (unsigned long long)size : (unsigned long long)size,
                   size < 0) == 0
        && PUT_LIT(buf, sizeof buf, &n, ", ...}") == 0)
        return ascii(buf, n);
    return PyUnicode_FromFormat("{st_mode=%U, st_size=%lld, ...}", mode_text, (long long)size);
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v); /* (the stream and the host: little-endian) */
    return v;
}

/* structs.rlim(v, raw): "8192*1024", "RLIM64_INFINITY" or the number, at o (room for 32). */
static int rlim_into(char *o, size_t room, unsigned long long v, int raw)
{
    if (!raw && v == ~0ULL)
        return snprintf(o, room, "RLIM64_INFINITY");
    if (!raw && v > 1024 && v % 1024 == 0)
        return snprintf(o, room, "%llu*1024", v / 1024);
    return snprintf(o, room, "%llu", v);
}

/* structs.rlimit through IN or OUT(RLIMIT_SIZE): "{rlim_cur=..., rlim_max=...}", or the
 * address when there is nothing to show. */
static PyObject *rlimit_text(const Lane *ln, PyObject *call, unsigned long long addr,
                             Py_ssize_t i, int at_exit, int *st)
{
    const unsigned char *d = NULL;
    int got = at_exit ? out_data(call, addr, i, 16, &d, st) : in_data(call, addr, i, 16, &d, st);
    if (got <= 0)
        return got < 0 ? NULL : plain_text(K_PTR, addr, 0);
    char buf[96];
    int n = snprintf(buf, sizeof buf, "{rlim_cur=");
    n += rlim_into(buf + n, sizeof buf - (size_t)n, le64(d), ln->raw);
    n += snprintf(buf + n, sizeof buf - (size_t)n, ", rlim_max=");
    n += rlim_into(buf + n, sizeof buf - (size_t)n, le64(d + 8), ln->raw);
    n += snprintf(buf + n, sizeof buf - (size_t)n, "}");
    return ascii(buf, n);
}

/* process._status: wait4's status word ("[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]"), NULL,
 * or the address (a failure, nothing reaped under WNOHANG, nothing read). */
static PyObject *wstatus_text(const Lane *ln, PyObject *call, unsigned long long addr,
                              Py_ssize_t i, int *st)
{
    *st = DONE;
    if (!addr)
        return Py_NewRef(L.null);
    PyObject *ret = slot(call, &S.call, 2);
    long long r = 0;
    int failed = failed_ret(ret, &r);
    if (failed < 0) {
        *st = deferred(NULL);
        return NULL;
    }
    const unsigned char *d = NULL;
    int got = ret != Py_None && r == 0 ? 0 : out_data(call, addr, i, 4, &d, st);
    if (got <= 0)
        return got < 0 ? NULL : plain_text(K_PTR, addr, 0);
    uint32_t status;
    memcpy(&status, d, sizeof status);
    return Py_XNewRef(value_text(ln, VT_WAIT_STATUS, status, st));
}

/* linux/sched.h, for _clone's fields (process.py reads them from consts.proc) */
#define CLONE_PIDFD_ 0x00001000ULL
#define CLONE_SETTLS_ 0x00080000ULL
#define CLONE_PARENT_SETTID_ 0x00100000ULL
#define CLONE_CHILD_CLEARTID_ 0x00200000ULL
#define CLONE_CHILD_SETTID_ 0x01000000ULL

/* process._clone joined: "child_stack=NULL, flags=CLONE_...|SIGCHLD, child_tidptr=0x...",
 * from the x86-64 registers (flags, stack, parent_tid, child_tid, tls). */
static PyObject *clone_text(const Lane *ln, PyObject *call, PyObject *regs, int *st)
{
    unsigned long long a[5];
    for (int j = 0; j < 5; j++) {
        PyObject *reg = PyTuple_GET_ITEM(regs, j);
        if (!reg_value(reg, &a[j])) {
            *st = DEFER;
            return NULL;
        }
    }
    PyObject *flags = value_text(ln, VT_CLONE_FLAGS, a[0], st);
    if (flags == NULL)
        return NULL;
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "child_stack=");
    put_ptr(buf, sizeof buf, &n, a[1]);
    n += snprintf(buf + n, sizeof buf - (size_t)n, ", flags=");
    /* (room left for the fields after the flags: at most ~100 bytes) */
    if (put_text(buf, sizeof buf - 160, &n, flags) < 0) {
        *st = DEFER; /* a flags text this long: the renderer prints it */
        return NULL;
    }
    if (a[0] & (CLONE_PARENT_SETTID_ | CLONE_PIDFD_)) {
        const unsigned char *d = NULL;
        int got = out_data(call, a[2], 2, 4, &d, st);
        if (got < 0)
            return NULL;
        n += snprintf(buf + n, sizeof buf - (size_t)n, ", parent_tid=");
        if (got) {
            int32_t tid;
            memcpy(&tid, d, sizeof tid);
            n += snprintf(buf + n, sizeof buf - (size_t)n, "[%d]", (int)tid);
        } else {
            put_ptr(buf, sizeof buf, &n, a[2]);
        }
    }
    if (a[0] & CLONE_SETTLS_) {
        n += snprintf(buf + n, sizeof buf - (size_t)n, ", tls=");
        put_ptr(buf, sizeof buf, &n, a[4]);
    }
    if (a[0] & (CLONE_CHILD_SETTID_ | CLONE_CHILD_CLEARTID_)) {
        n += snprintf(buf + n, sizeof buf - (size_t)n, ", child_tidptr=");
        put_ptr(buf, sizeof buf, &n, a[3]);
    }
    *st = DONE;
    return ascii(buf, n);
}

#define ARCH_GET_FS_ 0x1003
#define ARCH_GET_GS_ 0x1004

/* process._arch_prctl_arg: the address a GET_FS or GET_GS filled ("[0x7f...]", "[NULL]"), else the
 * argument in hex. */
static PyObject *arch_prctl_text(PyObject *call, PyObject *regs, unsigned long long v,
                                 Py_ssize_t i, int *st)
{
    unsigned long long code;
    *st = DONE;
    if (!reg_value(PyTuple_GET_ITEM(regs, 0), &code)) {
        *st = DEFER;
        return NULL;
    }
    if ((uint32_t)code != ARCH_GET_FS_ && (uint32_t)code != ARCH_GET_GS_)
        return plain_text(K_HEX, v, 0);
    const unsigned char *d = NULL;
    int got = out_data(call, v, i, 8, &d, st);
    if (got <= 0)
        return got < 0 ? NULL : plain_text(K_PTR, v, 0);
    char buf[24];
    unsigned long long at = le64(d);
    int n = at ? snprintf(buf, sizeof buf, "[%#llx]", at) : snprintf(buf, sizeof buf, "[NULL]");
    return ascii(buf, n);
}

/* process.wait4_rusage: the address, unless a child was reaped and its usage read (NULL
 * with *st RENDER: the renderer prints that one). */
static PyObject *rusage_text(PyObject *call, unsigned long long addr, Py_ssize_t i,
                             Py_ssize_t size, int *st)
{
    PyObject *ret = slot(call, &S.call, 2);
    long long r = 0;
    int failed = failed_ret(ret, &r);
    if (failed < 0) {
        *st = deferred(NULL);
        return NULL;
    }
    *st = DONE;
    if (ret == Py_None || r <= 0)
        return plain_text(K_PTR, addr, 0);
    const unsigned char *d = NULL;
    int got = out_data(call, addr, i, size, &d, st);
    if (got <= 0)
        return got < 0 ? NULL : plain_text(K_PTR, addr, 0);
    *st = RENDER;
    return NULL;
}

/* files._dirents: the address and a comment counting the records of the buffer getdents
 * filled (each's length at offset 16), or the address alone. */
static PyObject *dirents_text(PyObject *call, unsigned long long addr, Py_ssize_t i, int *st)
{
    PyObject *exit = slot(call, &S.call, 1), *ret = slot(call, &S.call, 2);
    long long r = 0;
    int failed = failed_ret(ret, &r);
    if (failed < 0) {
        *st = deferred(NULL);
        return NULL;
    }
    *st = DONE;
    MemView v;
    int got = failed ? 0 : sized(arg_view(Py_None, exit, i, 1, &v, st), 0, &v);
    if (got <= 0)
        return got < 0 ? NULL : plain_text(K_PTR, addr, 0);
    /* data[:ret], as Python slices it (a return below -4095 is not a failure) */
    Py_ssize_t len = r >= 0 ? (r < v.len ? (Py_ssize_t)r : v.len)
                            : (r > -(long long)v.len ? v.len + (Py_ssize_t)r : 0);
    Py_ssize_t off = 0;
    long n = 0;
    while (off + 18 <= len) {
        uint16_t reclen;
        memcpy(&reclen, v.data + off + 16, sizeof reclen);
        if (reclen == 0)
            break;
        n++;
        off += reclen;
    }
    PyObject *at = plain_text(K_PTR, addr, 0);
    PyObject *text = at == NULL ? NULL : PyUnicode_FromFormat("%U /* %ld entries */", at, n);
    Py_XDECREF(at);
    return text;
}

#define XATTR_SIZE_MAX_ 65536 /* consts.fs */

/* files.xattr_value (strace's print_xattr_val): `size` bytes cut at -s, a last NUL left
 * out (and then no "..."), the address when larger than XATTR_SIZE_MAX or not readable
 * in full (up to -s + 1 bytes). */
static PyObject *xattr_text(const Lane *ln, PyObject *call, unsigned long long addr,
                            PyObject *regs, Py_ssize_t i, int in, int *st)
{
    PyObject *entry = slot(call, &S.call, 0), *exit = slot(call, &S.call, 1);
    unsigned long long size;
    *st = DONE;
    if (in) {
        if (i + 1 >= 6 || !reg_value(PyTuple_GET_ITEM(regs, i + 1), &size)) {
            *st = DEFER;
            return NULL;
        }
    } else {
        long long r = 0;
        int failed = failed_ret(slot(call, &S.call, 2), &r);
        if (failed < 0) {
            *st = deferred(NULL);
            return NULL;
        }
        if (failed)
            return plain_text(K_PTR, addr, 0);
        if (r < 0) { /* a size Python would compare and slice as negative */
            *st = DEFER;
            return NULL;
        }
        size = (unsigned long long)r;
    }
    if (size > XATTR_SIZE_MAX_ || !addr)
        return plain_text(K_PTR, addr, 0);
    unsigned long long cut = (unsigned long long)ln->strsize;
    unsigned long long want = size < cut + 1 ? size : cut + 1;
    if (!want)
        return Py_NewRef(L.empty_quotes);
    MemView v;
    int got = sized(in ? arg_view(entry, exit, i, 0, &v, st) : arg_view(Py_None, exit, i, 1, &v, st),
                    (Py_ssize_t)want, &v);
    if (got <= 0)
        return got < 0 ? NULL : plain_text(K_PTR, addr, 0);
    Py_ssize_t n = (Py_ssize_t)(size < cut ? size : cut);
    if (n > 0 && v.data[n - 1] == 0)
        return quoted(v.data, n - 1, 0, 0);
    return quoted(v.data, n, 0, size > cut);
}

/* structs.statx through OUT(STATX_SIZE) (as stat_text reads struct stat):
 * `{stx_mask=..., stx_attributes=0, stx_mode=S_IFREG|0644, stx_size=5, ...}`, or the
 * address when there is nothing to show. */
#define STATX_SIZE_ 256
static PyObject *statx_text(const Lane *ln, PyObject *call, unsigned long long addr,
                            Py_ssize_t i, int *st)
{
    const unsigned char *d = NULL;
    int got = out_data(call, addr, i, STATX_SIZE_, &d, st);
    if (got <= 0)
        return got < 0 ? NULL : plain_text(K_PTR, addr, 0);
    uint32_t mask;
    uint16_t mode;
    memcpy(&mask, d, sizeof mask);
    memcpy(&mode, d + 28, sizeof mode);
    unsigned long long attrs = le64(d + 8), size = le64(d + 40);
    /* (each text held: the next value_text() may take its memo slot) */
    PyObject *texts[3] = {NULL, NULL, NULL};
    static const int which[3] = {VT_STATX_MASK, VT_STATX_ATTRS, VT_MODE};
    const unsigned long long values[3] = {mask, attrs, mode};
    for (int k = 0; k < 3; k++) {
        PyObject *t = value_text(ln, which[k], values[k], st);
        if (t == NULL) {
            Py_XDECREF(texts[0]);
            Py_XDECREF(texts[1]);
            return NULL;
        }
        texts[k] = Py_NewRef(t);
    }
    char buf[1024];
    int n = 0;
    PyObject *text = NULL;
    if (PUT_LIT(buf, sizeof buf, &n, "{stx_mask=") == 0
        && put_text(buf, sizeof buf, &n, texts[0]) == 0
        && PUT_LIT(buf, sizeof buf, &n, ", stx_attributes=") == 0
        && put_text(buf, sizeof buf, &n, texts[1]) == 0
        && PUT_LIT(buf, sizeof buf, &n, ", stx_mode=") == 0
        && put_text(buf, sizeof buf, &n, texts[2]) == 0
        && PUT_LIT(buf, sizeof buf, &n, ", stx_size=") == 0
        && put_dec(buf, sizeof buf, &n, size, 0) == 0
        && PUT_LIT(buf, sizeof buf, &n, ", ...}") == 0)
        text = ascii(buf, n); /* (as stat_text's) */
    else
        text = PyUnicode_FromFormat(
            "{stx_mask=%U, stx_attributes=%U, stx_mode=%U, stx_size=%llu, ...}", texts[0],
            texts[1], texts[2], size);
    for (int k = 0; k < 3; k++)
        Py_DECREF(texts[k]);
    *st = text == NULL ? FAIL : DONE;
    return text;
}

/* The text of argument i of a struct or call kind (K_STAT, K_RLIMIT .. K_STATX). */
static PyObject *proc_text(const Lane *ln, int k, int param, PyObject *call, PyObject *regs,
                           Py_ssize_t i, int *st)
{
    unsigned long long v = as_u64(PyTuple_GET_ITEM(regs, i));
    if (v == (unsigned long long)-1 && PyErr_Occurred()) {
        *st = deferred(NULL);
        return NULL;
    }
    switch (k) {
    case K_STAT:
        return stat_text(ln, call, v, i, st);
    case K_RLIMIT:
        return rlimit_text(ln, call, v, i, param & 1, st);
    case K_WSTATUS:
        return wstatus_text(ln, call, v, i, st);
    case K_CLONE:
        return clone_text(ln, call, regs, st);
    case K_ARCH_PRCTL:
        return arch_prctl_text(call, regs, v, i, st);
    case K_RUSAGE:
        return rusage_text(call, v, i, (Py_ssize_t)param * 8, st);
    case K_DIRENTS:
        return dirents_text(call, v, i, st);
    case K_XATTR:
        return xattr_text(ln, call, v, regs, i, param & 1, st);
    case K_STATX:
        return statx_text(ln, call, v, i, st);
    }
    PyErr_SetString(PyExc_SystemError, "proc_text: not a process call's kind");
    *st = FAIL;
    return NULL;
}

/* The kind code of a plan's renderer (plan.plain[i]: args.PLAIN_KINDS), K_PYTHON for one
 * that runs as Python; -1 for a code out of range (with an exception). */
static long kind_of(const Lane *ln, PyObject *plain, Py_ssize_t i)
{
    long code = PyLong_AsLong(PyTuple_GET_ITEM(plain, i));
    if (code == -1 && PyErr_Occurred())
        return -1;
    if (code < 0 || KIND(code) > K_LAST || PARAM(code) > 15) {
        PyErr_SetString(PyExc_ValueError, "CallPlan.plain: a kind out of range");
        return -1;
    }
    int k = KIND(code);
    if ((k == K_FD || k == K_DIRFD) && ln->decode_fds)
        return K_PYTHON; /* -y: a path follows */
    if (((k >= K_PATH && k <= K_RBUF) || k == K_EXEC || k == K_XATTR) && !ln->strings)
        return K_PYTHON;
    return code;
}

/* Ctx(call, opts), its four slots set as Ctx.__init__ sets them. */
static PyObject *new_ctx(const Lane *ln, PyObject *call, PyObject *entry, PyObject *ret)
{
    PyObject *c = shape_new(&L.ctx);
    if (c == NULL)
        return NULL;
    slot_put(c, &L.ctx, 0, Py_NewRef(call));
    slot_put(c, &L.ctx, 1, Py_NewRef(ln->opts));
    slot_put(c, &L.ctx, 2, Py_NewRef(slot(entry, &L.entry, E_ARGS)));
    slot_put(c, &L.ctx, 3, Py_NewRef(ret));
    return c;
}

/* The call's argument texts: what plan.render_all(Ctx(call, opts)) gives, without the
 * Nones, each renderer run in order; a plain number is printed here, without a Ctx. */
static int arg_texts(const Lane *ln, PyObject *call, PyObject *entry, PyObject *ret,
                     PyObject *plan, PyObject **ctx, PyObject **args)
{
    PyObject *renders = slot(plan, &L.plan, P_RENDERS), *plain = slot(plan, &L.plan, P_PLAIN);
    PyObject *regs = slot(entry, &L.entry, E_ARGS);
    if (renders == NULL || !PyTuple_CheckExact(renders) || regs == NULL
        || !PyTuple_CheckExact(regs) || PyTuple_GET_SIZE(regs) != 6
        || PyTuple_GET_SIZE(renders) > 6 || plain == NULL || !PyTuple_CheckExact(plain)
        || PyTuple_GET_SIZE(plain) != PyTuple_GET_SIZE(renders))
        return DEFER;
    Py_ssize_t n = PyTuple_GET_SIZE(renders), shown = 0;
    PyObject *texts[6] = {NULL};
    int st = DONE;
    for (Py_ssize_t i = 0; i < n && st == DONE; i++) {
        PyObject *render = PyTuple_GET_ITEM(renders, i);
        long code = PyLong_CheckExact(PyTuple_GET_ITEM(regs, i)) ? kind_of(ln, plain, i) : K_PYTHON;
        int k = code < 0 ? -1 : KIND(code);
        int keep = -1; /* the memo entry a K_REG text goes to */
        unsigned long long reg = 0, oreg = 0;
        if (k == K_REG) { /* a text kept from an earlier call with these register values */
            int other = PARAM(code) - 1, two = other >= 0 && other < 6;
            if (!reg_value(PyTuple_GET_ITEM(regs, i), &reg)
                || (two && !reg_value(PyTuple_GET_ITEM(regs, other), &oreg)))
                k = K_PYTHON; /* not a register's value: rendered, not kept */
            else {
                uint64_t h = ((uintptr_t)render >> 4) * 0x9E3779B97F4A7C15ULL
                             ^ reg * 0xC2B2AE3D27D4EB4FULL ^ oreg * 0x165667B19E3779F9ULL;
                keep = (int)((h ^ (h >> 29)) % REG_MEMO);
                Memo *m = ln->memo;
                if (m->reg[keep].render == render && m->reg[keep].reg == reg
                    && m->reg[keep].two == two && (!two || m->reg[keep].other == oreg)) {
                    texts[i] = Py_NewRef(m->reg[keep].text);
                    k = K_LAST + 1; /* done */
                } else {
                    Py_CLEAR(m->reg[keep].render); /* (emptied: the renderer may fail) */
                    m->reg[keep].two = two;
                    m->reg[keep].other = oreg;
                    m->reg[keep].reg = reg;
                    k = K_PYTHON; /* the renderer runs, its text is kept */
                }
            }
        }
        if (k == K_STAT || (k >= K_RLIMIT && k <= K_STATX)) {
            texts[i] = proc_text(ln, k, PARAM(code), call, regs, i, &st);
            if (texts[i] == NULL && st == RENDER)
                st = DONE, k = K_PYTHON; /* the renderer runs */
            else
                k = K_LAST + 1; /* done (or not: st says) */
        }
        if (k < 0) {
            st = FAIL;
        } else if (k == K_LAST + 1) {
            /* texts[i] set above */
        } else if (k >= K_PATH && k <= K_RBUF) {
            texts[i] = mem_text(ln, k, PARAM(code), call, regs, i, &st);
        } else if (k == K_SKIP) {
            texts[i] = Py_NewRef(Py_None);
        } else if (k == K_EXEC) {
            texts[i] = exec_text(ln, PARAM(code), call, regs, i, &st);
        } else if (k != K_PYTHON) {
            unsigned long long v = as_u64(PyTuple_GET_ITEM(regs, i));
            if (v == (unsigned long long)-1 && PyErr_Occurred())
                st = deferred(NULL); /* not a register's value: the Python path says */
            else
                st = (texts[i] = plain_text(k, v, ln->raw)) == NULL ? FAIL : DONE;
        } else if (*ctx == NULL && (*ctx = new_ctx(ln, call, entry, ret)) == NULL) {
            st = FAIL;
        } else {
            PyObject *index = PyLong_FromSsize_t(i);
            PyObject *cargs[2] = {*ctx, index};
            texts[i] = index == NULL ? NULL : PyObject_Vectorcall(render, cargs, 2, NULL);
            Py_XDECREF(index);
            st = deferred(texts[i]);
            if (st == DONE && texts[i] != Py_None && !PyUnicode_Check(texts[i]))
                st = DEFER; /* not text: the Python path's business */
            if (st == DONE && keep >= 0
                && (texts[i] == Py_None || PyUnicode_CheckExact(texts[i]))) {
                Memo *m = ln->memo;
                Py_XSETREF(m->reg[keep].text, Py_NewRef(texts[i]));
                Py_XSETREF(m->reg[keep].render, Py_NewRef(render)); /* (keys set at the miss) */
            }
        }
        if (st == DONE && texts[i] == NULL)
            st = FAIL; /* a text that could not be made (MemoryError is set) */
        if (st == DONE && texts[i] != Py_None)
            shown++; /* None: an argument another one prints, or one not shown */
    }
    if (st == DONE && (*args = PyTuple_New(shown)) == NULL)
        st = FAIL;
    for (Py_ssize_t i = 0, j = 0; i < n; i++) {
        if (st == DONE && texts[i] != Py_None)
            PyTuple_SET_ITEM(*args, j++, Py_NewRef(texts[i]));
        Py_XDECREF(texts[i]);
    }
    return st;
}

/* str(ret) for a call's return value; the small ones (counts, fds, zero: most calls')
 * made once each. */
#define SMALL_RETS 1024
static PyObject *small_ret[SMALL_RETS];

static PyObject *ret_dec(PyObject *ret)
{
    int overflow = 0;
    long long v = PyLong_CheckExact(ret) ? PyLong_AsLongLongAndOverflow(ret, &overflow) : -1;
    if (!PyLong_CheckExact(ret) || overflow || (v == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return PyObject_Str(ret);
    }
    if (v >= 0 && v < SMALL_RETS) {
        if (small_ret[v] == NULL && (small_ret[v] = dec_text((unsigned long long)v, 0)) == NULL)
            return NULL;
        return Py_NewRef(small_ret[v]);
    }
    return signed_text(v);
}

/* The return text and errno name of a call that did not succeed plainly (new refs). */
static int ret_texts(const Lane *ln, PyObject *call, PyObject *ret, PyObject *plan,
                     PyObject *ctx, PyObject **text, PyObject **error)
{
    *error = Py_NewRef(Py_None);
    if (ret == Py_None) {
        *text = Py_NewRef(L.question);
        return DONE;
    }
    long long r;
    int failed = failed_ret(ret, &r);
    if (failed < 0)
        return FAIL;
    if (failed) {
        PyObject *n = PyLong_FromLongLong(-r);
        if (n == NULL)
            return FAIL;
        PyObject *known = PyDict_GetItemWithError(ln->failed, n); /* (text, name) */
        if (known == NULL) {
            PyObject *t = PyErr_Occurred() ? NULL : PyObject_CallOneArg(ln->failure, n);
            PyObject *e = t == NULL ? NULL : PyObject_CallOneArg(ln->errno_name, n);
            known = e == NULL ? NULL : PyTuple_Pack(2, t, e);
            Py_XDECREF(t);
            Py_XDECREF(e);
            if (known == NULL || PyDict_SetItem(ln->failed, n, known) < 0) {
                Py_XDECREF(known);
                Py_DECREF(n);
                return deferred(NULL);
            }
            Py_DECREF(known); /* the dict holds it */
        }
        Py_DECREF(n);
        *text = Py_NewRef(PyTuple_GET_ITEM(known, 0));
        Py_SETREF(*error, Py_NewRef(PyTuple_GET_ITEM(known, 1)));
        return DONE;
    }
    if (slot(plan, &L.plan, P_PLAIN_RET) == Py_True
        && !(slot(plan, &L.plan, P_RETURNS_FD) == Py_True && ln->decode_fds)) {
        *text = ret_dec(ret); /* what success_text() gives such a call: str(ret) */
        return *text == NULL ? FAIL : DONE;
    }
    /* an address (plan.ret_hex: args.ret_hex's C %#llx, 0 for zero), unless -y annotates */
    if (slot(plan, &L.plan, P_RET_HEX) == Py_True
        && !(slot(plan, &L.plan, P_RETURNS_FD) == Py_True && ln->decode_fds)) {
        unsigned long long v = PyLong_AsUnsignedLongLongMask(ret);
        if (v == (unsigned long long)-1 && PyErr_Occurred())
            return FAIL;
        *text = v ? hex_text(v) : Py_NewRef(L.zero);
        return *text == NULL ? FAIL : DONE;
    }
    PyObject *cargs[5] = {call, ret, plan, ln->opts, ctx == NULL ? Py_None : ctx};
    *text = PyObject_Vectorcall(ln->success, cargs, 5, NULL);
    return deferred(*text);
}

/* events.task_id: "<start_time>:<tid>" of two exact ints (written here: a thread's first
 * event, and every process's, made it through PyUnicode_FromFormat's parse and writer) */
static PyObject *task_id_text(PyObject *start, PyObject *tid)
{
    int o1, o2;
    long long a = PyLong_AsLongLongAndOverflow(start, &o1), b = PyLong_AsLongLongAndOverflow(tid, &o2);
    if (PyErr_Occurred())
        return NULL;
    if (o1 || o2) /* (not a reader's) */
        return PyUnicode_FromFormat("%S:%S", start, tid);
    char buf[48];
    int n = 0;
    put_dec(buf, sizeof buf, &n, a < 0 ? 0ull - (unsigned long long)a : (unsigned long long)a, a < 0);
    PUT_LIT(buf, sizeof buf, &n, ":");
    put_dec(buf, sizeof buf, &n, b < 0 ? 0ull - (unsigned long long)b : (unsigned long long)b, b < 0);
    return ascii(buf, n);
}

/* (who, Decoder.thread_fields(who)'s 8-tuple) for a TaskInfo of the reader's making (exact
 * ints, or None): (pid, tid, ppid, comm, cr3 & CR3_PGD_MASK, uid, euid,
 * "<start_time>:<tid>" or None); NULL without an error for another (Python makes it). */
static PyObject *thread_of(PyObject *who)
{
    PyObject *start = slot(who, &L.who, W_START_TIME), *tid = slot(who, &L.who, W_TID);
    PyObject *cr3 = slot(who, &L.who, W_CR3);
    if (start == NULL || tid == NULL || cr3 == NULL || !PyLong_CheckExact(cr3)
        || (start != Py_None && !PyLong_CheckExact(start))
        || (tid != Py_None && !PyLong_CheckExact(tid)))
        return NULL;
    PyObject *fields = PyTuple_New(8);
    if (fields == NULL)
        return NULL;
    static const int copied[] = {W_PID, W_TID, W_PPID, W_COMM, -1, W_UID, W_EUID};
    for (int i = 0; i < 7; i++) {
        PyObject *v = copied[i] < 0 ? PyNumber_And(cr3, L.cr3_mask)
                                    : Py_XNewRef(slot(who, &L.who, copied[i]));
        if (v == NULL) {
            Py_DECREF(fields);
            return NULL;
        }
        PyTuple_SET_ITEM(fields, i, v);
    }
    PyObject *id = start == Py_None || tid == Py_None ? Py_NewRef(Py_None) : task_id_text(start, tid);
    if (id == NULL) {
        Py_DECREF(fields);
        return NULL;
    }
    PyTuple_SET_ITEM(fields, 7, id);
    PyObject *known = PyTuple_Pack(2, who, fields);
    Py_DECREF(fields);
    return known;
}

/* The executable an exec's exit read the walk of (Decoder.exe_of's first step): *exe a
 * new reference to its name, or NULL when the walk names none (or there is no walk).
 * exe_named's names are kept by the walk's bytes: the programs a run starts are few. */
static int named_exe(const Lane *ln, PyObject *exit, PyObject **exe)
{
    MemView v;
    int st;
    *exe = NULL;
    int got = arg_view(Py_None, exit, VMST_ARG_EXE, 1, &v, &st);
    if (got <= 0)
        return got < 0 ? st : DONE;
    uint64_t h = 1469598103934665603ull; /* FNV-1a over the first bytes and the length */
    for (Py_ssize_t k = 0; k < v.len && k < 64; k++)
        h = (h ^ v.data[k]) * 1099511628211ull;
    Memo *m = ln->memo;
    size_t at = (size_t)((h ^ (uint64_t)v.len) % EXE_MEMO);
    PyObject *name;
    if (m->exe[at].walk != NULL && PyBytes_GET_SIZE(m->exe[at].walk) == v.len
        && memcmp(PyBytes_AS_STRING(m->exe[at].walk), v.data, (size_t)v.len) == 0) {
        name = Py_NewRef(m->exe[at].name);
    } else {
        PyObject *walk = PyBytes_FromStringAndSize((const char *)v.data, v.len);
        name = walk == NULL ? NULL : PyObject_CallOneArg(ln->exe_named, walk);
        if (name == NULL) {
            Py_XDECREF(walk);
            return deferred(NULL);
        }
        if (name != Py_None && !PyUnicode_CheckExact(name)) {
            Py_DECREF(walk);
            Py_DECREF(name);
            PyErr_SetString(PyExc_TypeError, "Lane: exe_named did not return a str or None");
            return FAIL;
        }
        Py_XSETREF(m->exe[at].walk, walk);
        Py_XSETREF(m->exe[at].name, Py_NewRef(name));
    }
    if (name == Py_None)
        Py_CLEAR(name);
    *exe = name;
    return DONE;
}

/* The thread's prepared fields (Decoder.thread_fields) and the executable (borrowed
 * thread tuple kept alive by *hold; exe a new ref). */
static int thread_and_exe(const Lane *ln, PyObject *who, PyObject *program, PyObject **hold,
                          PyObject **thread, PyObject **exe)
{
    Memo *m = ln->memo;
    size_t at = ((uintptr_t)who >> 4) % THREAD_MEMO;
    PyObject *known = NULL;
    if (m->thread[at].who == who) { /* a TaskInfo is frozen: its fields cannot change */
        known = Py_NewRef(m->thread[at].known);
        goto found;
    }
    known = Py_IS_TYPE(who, L.who.cls) ? thread_of(who) : NULL;
    if (known == NULL) {
        if (PyErr_Occurred())
            return FAIL;
        known = PyObject_CallOneArg(ln->thread_fields, who);
        if (known == NULL)
            return FAIL;
        if (!PyTuple_CheckExact(known) || PyTuple_GET_SIZE(known) != 2
            || !is_thread(PyTuple_GET_ITEM(known, 1))) {
            Py_DECREF(known);
            PyErr_SetString(PyExc_TypeError, "Decoder.thread_fields: not (TaskInfo, 8-tuple)");
            return FAIL;
        }
    }
    if (Py_IS_TYPE(who, L.who.cls)) {
        Py_XSETREF(m->thread[at].who, Py_NewRef(who));
        Py_XSETREF(m->thread[at].known, Py_NewRef(known));
    }
found:
    *hold = known;
    *thread = PyTuple_GET_ITEM(known, 1);
    PyObject *pid = slot(who, &L.who, W_PID);
    if (program != NULL && pid != NULL && pid != Py_None) {
        /* a new program: the executable its exec's walk names, now the process's */
        int st = named_exe(ln, program, exe);
        if (st != DONE)
            return st;
        if (*exe != NULL) {
            if (PyDict_GET_SIZE(ln->exes) > L.max_exes)
                PyDict_Clear(ln->exes);
            if (PyDict_SetItem(ln->exes, pid, *exe) < 0) {
                Py_CLEAR(*exe);
                return FAIL;
            }
            return DONE;
        }
    }
    /* Decoder.exe_of(who, None): the process's, else its parent's, now its own too */
    if (PyDict_GET_SIZE(ln->exes) == 0 || pid == NULL || pid == Py_None) {
        *exe = Py_NewRef(Py_None); /* no executable known (yet, or ever) */
        return DONE;
    }
    PyObject *e = PyDict_GetItemWithError(ln->exes, pid);
    if (e == NULL && !PyErr_Occurred()) {
        PyObject *ppid = slot(who, &L.who, W_PPID);
        if (ppid != NULL && ppid != Py_None) {
            e = PyDict_GetItemWithError(ln->exes, ppid);
            if (e != NULL) { /* inherited: kept as Decoder._keep_exe keeps it */
                *exe = Py_NewRef(e); /* (held: the table may be emptied) */
                if (PyDict_GET_SIZE(ln->exes) > L.max_exes)
                    PyDict_Clear(ln->exes);
                if (PyDict_SetItem(ln->exes, pid, *exe) < 0) {
                    Py_CLEAR(*exe);
                    return FAIL;
                }
                return DONE;
            }
        }
    }
    if (PyErr_Occurred())
        return FAIL;
    *exe = Py_NewRef(e == NULL ? Py_None : e);
    return DONE;
}

static int lane_planned(const Lane *ln, PyObject *call, PyObject *abi, PyObject *nr,
                        PyObject *plan, PyObject *evs);
static int outside(const Lane *ln, PyObject *call, PyObject *plan);

/* The plan of (abi, nr) (a new reference), or NULL: none yet (plan_for() makes a missing
 * one, on the Python path), or an error.  Held by the caller: the renderers run Python
 * code, which may drop plans from the dict (plan_for's bound). */
static PyObject *plan_of(const Lane *ln, PyObject *abi, PyObject *nr)
{
    Memo *m = ln->memo;
    int j = abi == m->abi[0] ? 0 : abi == m->abi[1] ? 1 : -1;
    long n = PyLong_AsLong(nr);
    if (n == -1 && PyErr_Occurred())
        PyErr_Clear(); /* a number too large to keep: the dict's */
    else if (j >= 0 && n >= 0 && n < PLAN_NRS && m->plan[j][n] != NULL)
        return Py_NewRef(m->plan[j][n]);
    PyObject *key = PyTuple_Pack(2, abi, nr);
    PyObject *plan = key == NULL ? NULL : Py_XNewRef(PyDict_GetItemWithError(ln->plans, key));
    Py_XDECREF(key);
    if (plan == NULL || n < 0 || n >= PLAN_NRS || !PyUnicode_CHECK_INTERNED(abi))
        return plan;
    if (j < 0 && (m->abi[0] == NULL || m->abi[1] == NULL)) /* two ABIs: x86_64, i386 */
        m->abi[j = m->abi[0] == NULL ? 0 : 1] = Py_NewRef(abi);
    if (j >= 0)
        Py_XSETREF(m->plan[j][n], Py_NewRef(plan));
    return plan;
}

/* Emitter._end() of a process's end that prints nothing (quiet: it exited, and no call of
 * its was in progress): its pid leaves the tree (ProcessTree.ended) and the executables
 * (Decoder.forget).  DONE, DEFER for any other end, or FAIL. */
Py_NO_INLINE static int lane_end(const Lane *ln, PyObject *end)
{
    PyObject *who = slot(end, &L.end, T_WHO);
    if (slot(end, &L.end, T_PROCESS) != Py_True || slot(end, &L.end, T_QUIET) != Py_True
        || who == NULL || !Py_IS_TYPE(who, L.who.cls))
        return DEFER;
    PyObject *pid = slot(who, &L.who, W_PID);
    if (pid == NULL || pid == Py_None)
        return pid == NULL ? DEFER : DONE;
    if (PySet_Discard(ln->pids, pid) < 0)
        return FAIL;
    int known = PyDict_Contains(ln->exes, pid);
    return known < 0 || (known && PyDict_DelItem(ln->exes, pid) < 0) ? FAIL : DONE;
}

/* One call (held by the caller): its event appended to evs (DONE), or DEFER to the Python
 * path, or FAIL. */
static int lane_one(const Lane *ln, PyObject *call, PyObject *evs)
{
    if (Py_IS_TYPE(call, L.end.cls))
        return lane_end(ln, call);
    if (!Py_IS_TYPE(call, S.call.cls))
        return DEFER;
    PyObject *entry = slot(call, &S.call, 0), *exit = slot(call, &S.call, 1);
    PyObject *ret = slot(call, &S.call, 2);
    if (entry == NULL || exit == NULL || ret == NULL || !Py_IS_TYPE(entry, L.entry.cls)
        || (exit != Py_None && !Py_IS_TYPE(exit, L.exit.cls))
        || (ret != Py_None && !PyLong_CheckExact(ret)))
        return DEFER;
    PyObject *who = slot(entry, &L.entry, E_WHO), *nr = slot(entry, &L.entry, E_NR);
    PyObject *abi = slot(entry, &L.entry, E_ABI);
    if (who == NULL || nr == NULL || abi == NULL || !Py_IS_TYPE(who, L.who.cls)
        || !PyLong_CheckExact(nr) || !PyUnicode_CheckExact(abi)
        || slot(entry, &L.entry, E_ARGS) == NULL)
        return DEFER;
    PyObject *emem = slot(entry, &L.entry, E_MEM);
    int ekind = mems_kind(emem);
    if (ekind < 0)
        return DEFER;
    if (ekind == 1) {
        BlobView bv;
        if (blobs_top((BlobsObject *)emem, VMST_ARG_RAX, &bv))
            return DEFER; /* a number register with junk the kernel ignored: a note follows */
    } else if (PyDict_CheckExact(emem) && PyDict_GET_SIZE(emem) > 0) {
        /* a number register with junk the kernel ignored: a note follows the call */
        int junk = PyDict_Contains(emem, L.rax_arg);
        if (junk != 0)
            return junk < 0 ? FAIL : DEFER;
    }
    int keep = tree_keeps(ln, who, abi, nr, ret);
    if (keep <= 0)
        return keep < 0 ? FAIL : DEFER;
    PyObject *plan = plan_of(ln, abi, nr);
    if (plan == NULL)
        return PyErr_Occurred() ? FAIL : DEFER;
    int st = keep == OUTSIDE ? outside(ln, call, plan) : lane_planned(ln, call, abi, nr, plan, evs);
    Py_DECREF(plan);
    return st;
}

/* Emitter.emit's outcome.see() for a call the lane completes (-1 on an error). */
static int observed(const Lane *ln, PyObject *call, PyObject *name)
{
    int watched = PySet_Contains(ln->observed, name);
    if (watched <= 0)
        return watched;
    PyObject *cargs[2] = {call, name};
    PyObject *r = PyObject_Vectorcall(ln->observe, cargs, 2, NULL);
    Py_XDECREF(r);
    return r == NULL ? -1 : 0;
}

/* A call of a process outside the trace: nothing but the outcome's look at it (not even a
 * noted call's line: the Python loop writes none for it either). */
static int outside(const Lane *ln, PyObject *call, PyObject *plan)
{
    PyObject *name = Py_IS_TYPE(plan, L.plan.cls) ? slot(plan, &L.plan, P_NAME) : NULL;
    if (name == NULL || !PyUnicode_CheckExact(name))
        return DEFER;
    return observed(ln, call, name) < 0 ? FAIL : DONE;
}

/* CallFilter.wants_call(): whether -e trace and -e status keep the call whose (abi, nr)
 * is key (1, 0, or -1 with an exception). */
static int wanted(const Lane *ln, PyObject *abi, PyObject *nr, PyObject *ret)
{
    if (ln->every_call)
        return 1;
    PyObject *key = PyTuple_Pack(2, abi, nr);
    int in = key == NULL ? -1 : PySet_Contains(ln->calls, key);
    Py_XDECREF(key);
    if (in < 0)
        return -1;
    if (in == ln->inverted) /* (key in keys) != inverted */
        return 0;
    long long r = 0;
    int failed = ret == Py_None ? 0 : failed_ret(ret, &r);
    if (failed < 0)
        return -1;
    return ret == Py_None ? ln->unfinished : failed ? ln->failing : ln->successful;
}

/* lane_one() once the call's plan is found (all held by the caller). */
static int lane_planned(const Lane *ln, PyObject *call, PyObject *abi, PyObject *nr,
                        PyObject *plan, PyObject *evs)
{
    PyObject *entry = slot(call, &S.call, 0), *exit = slot(call, &S.call, 1);
    PyObject *ret = slot(call, &S.call, 2), *who = slot(entry, &L.entry, E_WHO);
    if (!Py_IS_TYPE(plan, L.plan.cls))
        return DEFER;
    PyObject *name = slot(plan, &L.plan, P_NAME);
    if (name == NULL || !PyUnicode_CheckExact(name)
        || slot(plan, &L.plan, P_TEMPLATE) == Py_None  /* raw arguments */
        || slot(plan, &L.plan, P_SOCKETCALL) != Py_False) /* named by its arguments */
        return DEFER;
    int note = PySet_Contains(ln->noted, name); /* exit_group's "+++ exited" line */
    if (note < 0)
        return FAIL;
    PyObject *program = NULL; /* an exec's exit that holds the new program's executable */
    if (exit != Py_None) {
        if (ret == Py_None)
            return DEFER; /* returned, but its result is unknown: decode_call() says so */
        PyObject *xmem = slot(exit, &L.exit, 0);
        int xkind = mems_kind(xmem);
        if (xkind < 0)
            return DEFER;
        if (xkind == 1) {
            unsigned has = blobs_have((BlobsObject *)xmem, VMST_ARG_SIGFRAME, VMST_ARG_EXE);
            if (has & 1)
                return DEFER; /* a signal: a note follows */
            program = has & 2 ? exit : NULL;
        } else if (PyDict_CheckExact(xmem) && PyDict_GET_SIZE(xmem)) {
            int special = PyDict_Contains(xmem, L.sigframe_arg); /* a signal: a note follows */
            if (special != 0)
                return special < 0 ? FAIL : DEFER;
            int exe = PyDict_Contains(xmem, L.exe_arg);
            if (exe < 0)
                return FAIL;
            program = exe ? exit : NULL;
        }
    }

    int keep = wanted(ln, abi, nr, ret); /* a call -e drops: only a noted one's line follows */
    if (keep <= 0)
        return keep < 0 || observed(ln, call, name) < 0 ? FAIL : note ? NOTE : DONE;
    int texts = ln->args_for == Py_None ? 1 : PySet_Contains(ln->args_for, name);
    if (texts < 0)
        return FAIL;

    PyObject *ctx = NULL, *args = NULL, *text = NULL, *error = NULL, *hold = NULL;
    PyObject *thread = NULL, *exe = NULL, *ev = NULL;
    int st = DONE;
    if (texts) /* else no sink reads them (-c): Decoder.__call__'s with_args */
        st = arg_texts(ln, call, entry, ret, plan, &ctx, &args);
    else if ((args = PyTuple_New(0)) == NULL)
        st = FAIL;
    if (st == DONE)
        st = ret_texts(ln, call, ret, plan, ctx, &text, &error);
    if (st == DONE)
        st = thread_and_exe(ln, who, program, &hold, &thread, &exe);
    if (st == DONE && observed(ln, call, name) < 0) /* (nothing defers past here) */
        st = FAIL;
    if (st == DONE) {
        ev = make_event(&ln->events->shape, thread, call, name, args, text, error, exe);
        st = ev != NULL && PyList_Append(evs, ev) == 0 ? DONE : FAIL;
    }
    Py_XDECREF(ctx);
    Py_XDECREF(args);
    Py_XDECREF(text);
    Py_XDECREF(error);
    Py_XDECREF(hold);
    Py_XDECREF(exe);
    Py_XDECREF(ev);
    return st == DONE && note ? NOTE : st;
}

/* Emitter._notes' line after an exit_group (a call of a traced process, without a signal
 * frame or a junk number register: those are the Python loop's), as a Note in evs. */
static int exit_note(Lane *ln, PyObject *call, PyObject *evs)
{
    PyObject *entry = slot(call, &S.call, 0);
    PyObject *who = slot(entry, &L.entry, E_WHO), *regs = slot(entry, &L.entry, E_ARGS);
    PyObject *tid = slot(who, &L.who, W_TID), *comm = slot(who, &L.who, W_COMM);
    if (tid == NULL || comm == NULL || !PyTuple_CheckExact(regs) || PyTuple_GET_SIZE(regs) < 1
        || !PyLong_Check(PyTuple_GET_ITEM(regs, 0))) {
        PyErr_SetString(PyExc_TypeError, "Lane: an exit_group without its thread or code");
        return FAIL;
    }
    /* (args[0] & 0xFF of any int: the low bits of its two's complement) */
    unsigned long long code = PyLong_AsUnsignedLongLongMask(PyTuple_GET_ITEM(regs, 0));
    if (code == (unsigned long long)-1 && PyErr_Occurred())
        return FAIL;
    char buf[32];
    int n = 0;
    PUT_LIT(buf, sizeof buf, &n, "+++ exited with ");
    put_dec(buf, sizeof buf, &n, code & 0xff, 0);
    PUT_LIT(buf, sizeof buf, &n, " +++");
    PyObject *text = ascii(buf, n), *note = text == NULL ? NULL : shape_new(&L.note);
    int st = note != NULL && slot_put(note, &L.note, 0, Py_NewRef(tid)) == 0
                     && slot_put(note, &L.note, 1, Py_NewRef(text)) == 0
                     && slot_put(note, &L.note, 2, Py_NewRef(comm)) == 0
                     && PyList_Append(evs, note) == 0
                 ? DONE
                 : FAIL;
    Py_XDECREF(text);
    Py_XDECREF(note);
    ln->notes += st == DONE;
    return st;
}

/* Lane.run(calls, start, evs) -> index of the first call left to Python */
static PyObject *lane_run(Lane *ln, PyObject *const *argv, Py_ssize_t argc)
{
    if (argc != 3 || !PyList_CheckExact(argv[0]) || !PyLong_Check(argv[1])
        || !PyList_CheckExact(argv[2])) {
        PyErr_SetString(PyExc_TypeError, "run(calls: list, start: int, evs: list)");
        return NULL;
    }
    PyObject *calls = argv[0], *evs = argv[2];
    Py_ssize_t i = PyLong_AsSsize_t(argv[1]);
    if (i == -1 && PyErr_Occurred())
        return NULL;
    if (i < 0) {
        PyErr_SetString(PyExc_ValueError, "run: a negative start");
        return NULL;
    }
    ln->notes = 0;
    for (; i < PyList_GET_SIZE(calls); i++) {
        PyObject *call = Py_NewRef(PyList_GET_ITEM(calls, i)); /* Python code may run */
        int st = lane_one(ln, call, evs);
        if (st == NOTE)
            st = exit_note(ln, call, evs);
        Py_DECREF(call);
        if (st == FAIL)
            return NULL;
        if (st == DEFER)
            break;
    }
    return PyLong_FromSsize_t(i);
}

static PyMethodDef lane_methods[] = {
    {"run", (PyCFunction)(void (*)(void))lane_run, METH_FASTCALL,
     "run(calls, start, evs) -> int\n\n"
     "Appends the events of calls[start:] to evs up to the first call that needs the\n"
     "Python path, and returns its index (len(calls) when there is none); after an\n"
     "exit_group, a Note of its \"+++ exited with N +++\" line (counted in notes)."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef lane_members[] = {
    {"notes", T_PYSSIZET, offsetof(Lane, notes), READONLY,
     "the Notes the last run() put in evs"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject LaneType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "vmstrace._decoder.Lane",
    .tp_basicsize = sizeof(Lane),
    .tp_dealloc = (destructor)lane_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Lane(*, events, pids, trace_all, opts, exes, thread_fields, exe_named,\n"
              "     plans, forks, execs, failure_text, errno_name, success_text, noted,\n"
              "     observed, observe, value_texts,\n"
              "     calls, inverted, statuses, args_for)",
    .tp_methods = lane_methods,
    .tp_members = lane_members,
    .tp_new = lane_new,
};

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS,
     "configure(syscall_cls, entry_cls, exit_cls, taskinfo_cls, plan_cls, ctx_cls):\n"
     "the classes the lane reads, once."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "vmstrace._decoder", NULL, -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__decoder(void)
{
    if (PyType_Ready(&EventsType) < 0 || PyType_Ready(&LaneType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && (PyModule_AddType(m, &EventsType) < 0
                      || PyModule_AddType(m, &LaneType) < 0))
        Py_CLEAR(m);
    return m;
}

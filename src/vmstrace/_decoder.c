/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The decoder's per-call glue, compiled: session.Emitter's loop over a batch of paired
 * calls and session.Decoder.__call__ around the renderers, for the ordinary call.
 *
 * Why C: once the reader, the pairing and the JSON lines were compiled, the Python glue
 * between them (the process filter's membership test, the plan lookup, a Ctx, the
 * return text, the thread's prepared fields, the executable, the event's nineteen slots)
 * was about a quarter of the consumer's time per call: 1.2 us of 5-6 on the file- and
 * process-bound recordings, twelve Python-level calls for a one-argument brk().  The
 * renderers stay Python, except the plain numbers (a pointer, a size, an int, an fd
 * without -y: decode/args.py's PLAIN_KINDS) and a returned address (args.ret_hex), which
 * are printed here as their Python renderers print them; every other return text goes
 * through decode._success_text.  This does what the Python reference does for a call
 * that needs nothing special.
 *
 * The reference stays in Python and is what runs for everything else: lane() stops at the
 * first call that is not ordinary (not yet known to the process tree, a signal
 * frame, an exec's executable, a call the Python loop looks at itself (exit_group's
 * note, the command's exec and end: python_only), a call without a template,
 * i386 socketcall, a renderer that raised, an object of another type) and returns its
 * index; session.Emitter runs the Python path for that one call and calls lane() again.
 * tests/unit/test_lane.py holds the two paths to the same events, notes and state.
 */
#include "_slots.h"
#include "vmstrace_records.h"

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

/* The event of `call` from the thread's 8-tuple and the call's decoded texts (all
 * borrowed); NULL with an exception set on failure. */
static PyObject *make_event(PyObject *thread, PyObject *call, PyObject *name, PyObject *args,
                            PyObject *ret_text, PyObject *error, PyObject *exe)
{
    PyObject *entry = NULL, *exit = NULL;
    PyObject *ev = shape_new(&S.event);
    if (ev == NULL)
        return NULL;
    for (int i = 0; i < V_THREAD; i++)
        slot_put(ev, &S.event, i, Py_NewRef(PyTuple_GET_ITEM(thread, i)));
    slot_put(ev, &S.event, V_NAME, Py_NewRef(name));
    slot_put(ev, &S.event, V_ARGS, Py_NewRef(args));
    slot_put(ev, &S.event, V_RET_TEXT, Py_NewRef(ret_text));
    slot_put(ev, &S.event, V_ERROR, Py_NewRef(error));
    slot_put(ev, &S.event, V_EXE, Py_NewRef(exe));
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

static int is_thread(PyObject *t)
{
    return PyTuple_CheckExact(t) && PyTuple_GET_SIZE(t) == V_THREAD;
}

/* event(thread, call, name, args, ret_text, error, exe) -> TraceEvent */
static PyObject *event(PyObject *self, PyObject *const *argv, Py_ssize_t argc)
{
    (void)self;
    if (!S.ready) {
        PyErr_SetString(PyExc_RuntimeError, "_decoder.configure() was not called");
        return NULL;
    }
    if (argc != 7 || !is_thread(argv[0])) {
        PyErr_SetString(PyExc_TypeError, "event(thread: 8-tuple, call, name, args, "
                                         "ret_text, error, exe)");
        return NULL;
    }
    return make_event(argv[0], argv[1], argv[2], argv[3], argv[4], argv[5], argv[6]);
}

/* ---- the lane: Emitter.emit and Decoder.__call__ for ordinary calls ------------------- */

static const char *const plan_fields[] = {
    "name", "template", "renders", "returns_fd", "plain_ret", "socketcall", "plain", "ret_hex",
};
enum {
    P_NAME, P_TEMPLATE, P_RENDERS, P_RETURNS_FD, P_PLAIN_RET, P_SOCKETCALL, P_PLAIN, P_RET_HEX
};
static const char *const ctx_fields[] = {"call", "opts", "args", "ret"};
static const char *const who_fields[] = {"pid", "ppid"};
enum { W_PID };
static const char *const lane_entry_fields[] = {"who", "nr", "abi", "mem", "args"};
enum { E_WHO, E_NR, E_ABI, E_MEM, E_ARGS };
static const char *const lane_exit_fields[] = {"mem"};

static struct {
    Shape plan, ctx, who, entry, exit;
    PyObject *failure;    /* decode._failure_text */
    PyObject *errno_name; /* decode._errno_name */
    PyObject *success;    /* decode._success_text */
    PyObject *failed;     /* errno -> (text, name): at most 4095 entries */
    PyObject *sigframe_arg, *exe_arg, *python_only, *question, *null, *zero;
    PyObject *rax_arg; /* VMST_ARG_RAX: the number register as set, when it held junk */
    PyObject *s_trace_all, *s_pids, *s_forks, *s_plans, *s_cache, *s_opts, *s_decode_fds,
        *s_threads, *s_exe, *s_thread, *s_exe_of;
    int ready;
} L;

/* A slot of an object already known to be of the shape's class (borrowed; NULL if unset). */
static inline PyObject *slot(PyObject *obj, const Shape *s, int i)
{
    return *(PyObject **)((char *)obj + s->off[i]);
}

static PyObject *configure_lane(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *plan_cls, *ctx_cls, *who_cls, *failure, *errno_name, *success;
    PyObject *sigframe_arg, *exe_arg, *python_only;
    if (!S.ready) {
        PyErr_SetString(PyExc_RuntimeError, "_decoder.configure() was not called");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "OOOOOOO!O!O!", &plan_cls, &ctx_cls, &who_cls, &failure,
                          &errno_name, &success, &PyLong_Type, &sigframe_arg, &PyLong_Type, &exe_arg,
                          &PyFrozenSet_Type, &python_only))
        return NULL;
    if (shape_init(&L.plan, plan_cls, plan_fields, NFIELDS(plan_fields)) < 0
        || shape_init(&L.ctx, ctx_cls, ctx_fields, NFIELDS(ctx_fields)) < 0
        || shape_init(&L.who, who_cls, who_fields, NFIELDS(who_fields)) < 0
        || shape_init(&L.entry, (PyObject *)S.entry.cls, lane_entry_fields,
                      NFIELDS(lane_entry_fields)) < 0
        || shape_init(&L.exit, (PyObject *)S.exit.cls, lane_exit_fields,
                      NFIELDS(lane_exit_fields)) < 0)
        return NULL;
    Py_XSETREF(L.failure, Py_NewRef(failure));
    Py_XSETREF(L.errno_name, Py_NewRef(errno_name));
    Py_XSETREF(L.success, Py_NewRef(success));
    Py_XSETREF(L.sigframe_arg, Py_NewRef(sigframe_arg));
    Py_XSETREF(L.exe_arg, Py_NewRef(exe_arg));
    Py_XSETREF(L.python_only, Py_NewRef(python_only));
    if (L.failed == NULL && (L.failed = PyDict_New()) == NULL)
        return NULL;
    PyDict_Clear(L.failed); /* the texts of the functions given before */
    if (L.rax_arg == NULL && (L.rax_arg = PyLong_FromLong(VMST_ARG_RAX)) == NULL)
        return NULL;
#define INTERN(field, text) \
    if (L.field == NULL && (L.field = PyUnicode_InternFromString(text)) == NULL) \
        return NULL;
    INTERN(question, "?")
    INTERN(null, "NULL")
    INTERN(zero, "0")
    INTERN(s_trace_all, "trace_all")
    INTERN(s_pids, "pids")
    INTERN(s_forks, "forks")
    INTERN(s_plans, "plans")
    INTERN(s_cache, "cache")
    INTERN(s_opts, "opts")
    INTERN(s_decode_fds, "decode_fds")
    INTERN(s_threads, "_threads")
    INTERN(s_exe, "_exe")
    INTERN(s_thread, "_thread")
    INTERN(s_exe_of, "_exe_of")
#undef INTERN
    L.ready = 1;
    Py_RETURN_NONE;
}

/* What one lane() call works with: the emitter's process tree and decoder, read once. */
typedef struct {
    int trace_all;
    PyObject *pids;    /* tree.pids (a set) */
    PyObject *forks;   /* tree.forks: abi -> the fork-like numbers of the run's tables */
    PyObject *decoder; /* the session.Decoder */
    PyObject *plans;   /* decoder.plans.cache: (abi, nr) -> CallPlan, filled by Plans.get() */
    PyObject *opts;    /* decoder.opts */
    int decode_fds;
    PyObject *threads; /* decoder._threads */
    PyObject *exes;    /* decoder._exe */
} Lane;

enum { DEFER = 0, DONE = 1, FAIL = -1 };

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

/* ProcessTree.wants() for a process the tree already traces (1), or 0 to leave the call
 * to it: the process is in tree.pids, and a fork's child joins them (_note_child). */
static int tree_keeps(const Lane *ln, PyObject *who, PyObject *abi, PyObject *nr,
                      PyObject *ret)
{
    if (ln->trace_all)
        return 1;
    PyObject *pid = slot(who, &L.who, W_PID);
    if (pid == NULL || pid == Py_None)
        return 0;
    int in = PySet_Contains(ln->pids, pid);
    if (in <= 0)
        return in;
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

/* The plain numbers (decode/args.py), printed as their Python renderers print them. */
enum { K_PYTHON, K_PTR, K_HEX, K_ULONG, K_INT, K_UINT, K_LONG, K_FD };

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

/* as str(v) for a signed or unsigned value */
static PyObject *dec_text(unsigned long long v, int negative)
{
    char buf[24], *o = buf + sizeof(buf);
    do {
        *--o = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (negative)
        *--o = '-';
    return ascii(o, buf + sizeof(buf) - o);
}

static PyObject *signed_text(long long v)
{
    return v < 0 ? dec_text(0ull - (unsigned long long)v, 1) : dec_text((unsigned long long)v, 0);
}

/* The text of argument register v as kind k prints it (fmt.ptr, hexnum, str(s32()), ...);
 * the registers are unsigned 64-bit (RawEntry). */
static PyObject *plain_text(int k, unsigned long long v)
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
    }
    PyErr_SetString(PyExc_SystemError, "plain_text: not a plain kind");
    return NULL;
}

/* The plain kind of a plan's renderer (plan.plain[i]: args.PLAIN_KINDS), K_PYTHON for
 * one that runs as Python; -1 for a code out of range (with an exception). */
static int kind_of(const Lane *ln, PyObject *plain, Py_ssize_t i)
{
    long kind = PyLong_AsLong(PyTuple_GET_ITEM(plain, i));
    if (kind == -1 && PyErr_Occurred())
        return -1;
    if (kind < K_PYTHON || kind > K_FD) {
        PyErr_SetString(PyExc_ValueError, "CallPlan.plain: a kind out of range");
        return -1;
    }
    return kind == K_FD && ln->decode_fds ? K_PYTHON : (int)kind; /* -y: a path follows */
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
        int k = PyLong_CheckExact(PyTuple_GET_ITEM(regs, i)) ? kind_of(ln, plain, i) : K_PYTHON;
        if (k < 0) {
            st = FAIL;
        } else if (k != K_PYTHON) {
            unsigned long long v = PyLong_AsUnsignedLongLong(PyTuple_GET_ITEM(regs, i));
            if (v == (unsigned long long)-1 && PyErr_Occurred())
                st = deferred(NULL); /* not a register's value: the Python path says */
            else
                st = (texts[i] = plain_text(k, v)) == NULL ? FAIL : DONE;
        } else {
            if (*ctx == NULL && (*ctx = new_ctx(ln, call, entry, ret)) == NULL) {
                st = FAIL;
                break;
            }
            PyObject *index = PyLong_FromSsize_t(i);
            PyObject *cargs[2] = {*ctx, index};
            texts[i] = index == NULL ? NULL : PyObject_Vectorcall(render, cargs, 2, NULL);
            Py_XDECREF(index);
            st = deferred(texts[i]);
            if (st == DONE && texts[i] != Py_None && !PyUnicode_Check(texts[i]))
                st = DEFER; /* not text: the Python path's business */
        }
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

/* The return text and errno name of a call that did not succeed plainly (new refs). */
static int ret_texts(const Lane *ln, PyObject *call, PyObject *ret, PyObject *plan,
                     PyObject *ctx, PyObject **text, PyObject **error)
{
    *error = Py_NewRef(Py_None);
    if (ret == Py_None) {
        *text = Py_NewRef(L.question);
        return DONE;
    }
    int overflow;
    long long r = PyLong_AsLongLongAndOverflow(ret, &overflow);
    if (r == -1 && PyErr_Occurred())
        return FAIL;
    if (!overflow && r >= -4095 && r <= -1) {
        PyObject *n = PyLong_FromLongLong(-r);
        if (n == NULL)
            return FAIL;
        PyObject *known = PyDict_GetItemWithError(L.failed, n); /* (text, name) */
        if (known == NULL) {
            PyObject *t = PyErr_Occurred() ? NULL : PyObject_CallOneArg(L.failure, n);
            PyObject *e = t == NULL ? NULL : PyObject_CallOneArg(L.errno_name, n);
            known = e == NULL ? NULL : PyTuple_Pack(2, t, e);
            Py_XDECREF(t);
            Py_XDECREF(e);
            if (known == NULL || PyDict_SetItem(L.failed, n, known) < 0) {
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
        *text = PyObject_Str(ret); /* what _success_text() gives such a call */
        return *text == NULL ? FAIL : DONE;
    }
    /* an address (plan.ret_hex: args.ret_hex's f"{ret & MASK64:#x}"), unless -y annotates */
    if (slot(plan, &L.plan, P_RET_HEX) == Py_True
        && !(slot(plan, &L.plan, P_RETURNS_FD) == Py_True && ln->decode_fds)) {
        unsigned long long v = PyLong_AsUnsignedLongLongMask(ret);
        if (v == (unsigned long long)-1 && PyErr_Occurred())
            return FAIL;
        *text = hex_text(v);
        return *text == NULL ? FAIL : DONE;
    }
    PyObject *cargs[5] = {call, ret, plan, ln->opts, ctx == NULL ? Py_None : ctx};
    *text = PyObject_Vectorcall(L.success, cargs, 5, NULL);
    return deferred(*text);
}

/* The thread's prepared fields (Decoder._thread's cache) and the executable (borrowed
 * thread tuple kept alive by *hold; exe a new ref). */
static int thread_and_exe(const Lane *ln, PyObject *who, PyObject **hold, PyObject **thread,
                          PyObject **exe)
{
    PyObject *key = PyLong_FromVoidPtr(who);
    if (key == NULL)
        return FAIL;
    PyObject *known = PyDict_GetItemWithError(ln->threads, key);
    Py_DECREF(key);
    if (known != NULL && PyTuple_CheckExact(known) && PyTuple_GET_SIZE(known) == 2
        && PyTuple_GET_ITEM(known, 0) == who && is_thread(PyTuple_GET_ITEM(known, 1))) {
        Py_INCREF(known);
    } else if (PyErr_Occurred()) {
        return FAIL;
    } else {
        known = PyObject_CallMethodOneArg(ln->decoder, L.s_thread, who);
        if (known == NULL)
            return FAIL;
        if (!PyTuple_CheckExact(known) || PyTuple_GET_SIZE(known) != 2
            || !is_thread(PyTuple_GET_ITEM(known, 1))) {
            Py_DECREF(known);
            PyErr_SetString(PyExc_TypeError, "Decoder._thread: not (TaskInfo, 8-tuple)");
            return FAIL;
        }
    }
    *hold = known;
    *thread = PyTuple_GET_ITEM(known, 1);
    PyObject *pid = slot(who, &L.who, W_PID);
    if (PyDict_GET_SIZE(ln->exes) == 0 || pid == NULL || pid == Py_None) {
        *exe = Py_NewRef(Py_None); /* no executable known (yet, or ever) */
        return DONE;
    }
    PyObject *e = Py_XNewRef(PyDict_GetItemWithError(ln->exes, pid));
    int truth = e == NULL ? 0 : PyObject_IsTrue(e);
    if (truth > 0) {
        *exe = e; /* the process's */
        return DONE;
    }
    Py_XDECREF(e);
    if (PyErr_Occurred())
        return FAIL;
    PyObject *cargs[3] = {ln->decoder, who, Py_None}; /* else its parent's, if known */
    *exe = PyObject_VectorcallMethod(L.s_exe_of, cargs, 3 | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                     NULL);
    return *exe == NULL ? FAIL : DONE;
}

static int lane_planned(const Lane *ln, PyObject *call, PyObject *plan, PyObject *evs);

/* One call (held by the caller): its event appended to evs (DONE), or DEFER to the Python
 * path, or FAIL. */
static int lane_one(const Lane *ln, PyObject *call, PyObject *evs)
{
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
    if (emem == NULL || !PyDict_CheckExact(emem))
        return DEFER;
    if (PyDict_GET_SIZE(emem) > 0) {
        /* a number register with junk the kernel ignored: a note follows the call */
        int junk = PyDict_Contains(emem, L.rax_arg);
        if (junk != 0)
            return junk < 0 ? FAIL : DEFER;
    }
    int keep = tree_keeps(ln, who, abi, nr, ret);
    if (keep <= 0)
        return keep < 0 ? FAIL : DEFER;
    /* the plan (Plans.get() makes a missing one, on the Python path) */
    PyObject *key = PyTuple_Pack(2, abi, nr);
    if (key == NULL)
        return FAIL;
    PyObject *plan = PyDict_GetItemWithError(ln->plans, key);
    Py_DECREF(key);
    if (plan == NULL)
        return PyErr_Occurred() ? FAIL : DEFER;
    /* held: the renderers run Python code, which may drop plans (Plans.MAX) */
    Py_INCREF(plan);
    int st = lane_planned(ln, call, plan, evs);
    Py_DECREF(plan);
    return st;
}

/* lane_one() once the call's plan is found (both held by the caller). */
static int lane_planned(const Lane *ln, PyObject *call, PyObject *plan, PyObject *evs)
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
    int own = PySet_Contains(L.python_only, name); /* exit_group's note, wait4 ... */
    if (own != 0)
        return own < 0 ? FAIL : DEFER;
    if (exit != Py_None) {
        if (ret == Py_None)
            return DEFER; /* returned, but its result is unknown: decode_call() says so */
        PyObject *xmem = slot(exit, &L.exit, 0);
        if (xmem == NULL || !PyDict_CheckExact(xmem))
            return DEFER;
        int special = PyDict_Contains(xmem, L.sigframe_arg); /* a signal: a note follows */
        if (special == 0)
            special = PyDict_Contains(xmem, L.exe_arg); /* a new program's executable */
        if (special != 0)
            return special < 0 ? FAIL : DEFER;
    }

    PyObject *ctx = NULL, *args = NULL, *text = NULL, *error = NULL, *hold = NULL;
    PyObject *thread = NULL, *exe = NULL, *ev = NULL;
    int st = arg_texts(ln, call, entry, ret, plan, &ctx, &args);
    if (st == DONE)
        st = ret_texts(ln, call, ret, plan, ctx, &text, &error);
    if (st == DONE)
        st = thread_and_exe(ln, who, &hold, &thread, &exe);
    if (st == DONE) {
        ev = make_event(thread, call, name, args, text, error, exe);
        st = ev != NULL && PyList_Append(evs, ev) == 0 ? DONE : FAIL;
    }
    Py_XDECREF(ctx);
    Py_XDECREF(args);
    Py_XDECREF(text);
    Py_XDECREF(error);
    Py_XDECREF(hold);
    Py_XDECREF(exe);
    Py_XDECREF(ev);
    return st;
}

/* lane(calls, start, evs, tree, decoder) -> index of the first call left to Python */
static PyObject *lane(PyObject *self, PyObject *const *argv, Py_ssize_t argc)
{
    (void)self;
    if (!L.ready) {
        PyErr_SetString(PyExc_RuntimeError, "_decoder.configure_lane() was not called");
        return NULL;
    }
    if (argc != 5 || !PyList_CheckExact(argv[0]) || !PyLong_Check(argv[1])
        || !PyList_CheckExact(argv[2])) {
        PyErr_SetString(PyExc_TypeError, "lane(calls: list, start: int, evs: list, tree, "
                                         "decoder)");
        return NULL;
    }
    PyObject *calls = argv[0], *evs = argv[2];
    Py_ssize_t i = PyLong_AsSsize_t(argv[1]);
    if (i == -1 && PyErr_Occurred())
        return NULL;
    if (i < 0) {
        PyErr_SetString(PyExc_ValueError, "lane: a negative start");
        return NULL;
    }
    Lane ln = {.decoder = argv[4]};
    PyObject *trace_all = NULL, *decode_fds = NULL, *plans = NULL, *result = NULL;
    if ((trace_all = PyObject_GetAttr(argv[3], L.s_trace_all)) == NULL
        || (ln.trace_all = PyObject_IsTrue(trace_all)) < 0
        || (ln.pids = PyObject_GetAttr(argv[3], L.s_pids)) == NULL
        || (ln.forks = PyObject_GetAttr(argv[3], L.s_forks)) == NULL
        || (plans = PyObject_GetAttr(argv[4], L.s_plans)) == NULL
        || (ln.plans = PyObject_GetAttr(plans, L.s_cache)) == NULL
        || (ln.opts = PyObject_GetAttr(argv[4], L.s_opts)) == NULL
        || (ln.threads = PyObject_GetAttr(argv[4], L.s_threads)) == NULL
        || (ln.exes = PyObject_GetAttr(argv[4], L.s_exe)) == NULL
        || (decode_fds = PyObject_GetAttr(ln.opts, L.s_decode_fds)) == NULL
        || (ln.decode_fds = PyObject_IsTrue(decode_fds)) < 0)
        goto out;
    if (!PyAnySet_Check(ln.pids) || !PyDict_Check(ln.forks) || !PyDict_CheckExact(ln.plans)
        || !PyDict_CheckExact(ln.threads) || !PyDict_CheckExact(ln.exes)) {
        PyErr_SetString(PyExc_TypeError, "lane: a ProcessTree and a session.Decoder");
        goto out;
    }
    for (; i < PyList_GET_SIZE(calls); i++) {
        PyObject *call = Py_NewRef(PyList_GET_ITEM(calls, i)); /* Python code may run */
        int st = lane_one(&ln, call, evs);
        Py_DECREF(call);
        if (st == FAIL)
            goto out;
        if (st == DEFER)
            break;
    }
    result = PyLong_FromSsize_t(i);
out:
    Py_XDECREF(trace_all);
    Py_XDECREF(decode_fds);
    Py_XDECREF(plans);
    Py_XDECREF(ln.pids);
    Py_XDECREF(ln.forks);
    Py_XDECREF(ln.plans);
    Py_XDECREF(ln.opts);
    Py_XDECREF(ln.threads);
    Py_XDECREF(ln.exes);
    return result;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS,
     "configure(event_cls, syscall_cls, entry_cls, exit_cls): the classes, once."},
    {"event", (PyCFunction)(void (*)(void))event, METH_FASTCALL,
     "event(thread, call, name, args, ret_text, error, exe) -> TraceEvent\n\n"
     "thread: (pid, tid, ppid, comm, cr3, uid, euid, task_id); ts, ts_exit, vcpu, nr, abi\n"
     "and ret come from the call."},
    {"configure_lane", configure_lane, METH_VARARGS,
     "configure_lane(plan_cls, ctx_cls, taskinfo_cls, failure_text, errno_name,\n"
     "               success_text, sigframe_arg, exe_arg, python_only)"},
    {"lane", (PyCFunction)(void (*)(void))lane, METH_FASTCALL,
     "lane(calls, start, evs, tree, decoder) -> int\n\n"
     "Appends the events of calls[start:] to evs up to the first call that needs the\n"
     "Python path, and returns its index (len(calls) when there is none)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "vmstrace._decoder", NULL, -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__decoder(void)
{
    return PyModule_Create(&module);
}

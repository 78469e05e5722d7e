/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * strace's lines for a batch of events, compiled: sinks/text.py's TextSink._line() in its
 * default form (`[pid N] name(args) = ret`, no comm, no times) over a list of
 * TraceEvents at once (and note()'s `[pid N] +++ exited with 0 +++` of a Note among
 * them), returned as one str.
 *
 * Why C: once the JSON lines were compiled, the text output (what `vmstrace run` writes
 * by default) spent 0.3-0.4 us a call in the f-string and the join of each line, a fifth
 * of the consumer's time on the syscall-bound recording.  text.py stays the reference and
 * tests hold the two to the same text.  Anything else (a line without a tid, a field
 * that is not a str, a non-ASCII text: the decoder escapes every byte it prints, so none
 * comes from it) raises TypeError, and text.py writes that batch itself.
 */
#include "../_slots.h"
#include "_buf.h"

static const char *const fields[] = {"tid", "name", "args", "ret_text"};
enum { F_TID, F_NAME, F_ARGS, F_RET_TEXT };
static Shape event_shape;
/* events.Note: a line between calls, which the lane put in the batch */
static const char *const note_fields[] = {"tid", "text"};
static Shape note_shape;

static int refuse(const char *why)
{
    PyErr_SetString(PyExc_TypeError, why);
    return -1;
}

/* An ASCII str, as it is. */
static int put_text(Buf *b, PyObject *s)
{
    if (!PyUnicode_CheckExact(s) || !PyUnicode_IS_ASCII(s))
        return refuse("not an ASCII str");
    return put(b, (const char *)PyUnicode_DATA(s), (size_t)PyUnicode_GET_LENGTH(s));
}

/* "[pid N] " */
static int put_pid(Buf *b, PyObject *tid_obj)
{
    if (!PyLong_CheckExact(tid_obj))
        return refuse("a line of another form");
    int overflow;
    long long tid = PyLong_AsLongLongAndOverflow(tid_obj, &overflow);
    if (overflow || (tid == -1 && PyErr_Occurred()))
        return refuse("a tid out of range");
    char num[24];
    int n = snprintf(num, sizeof num, "%lld", tid);
    return PUT_LIT(b, "[pid ") < 0 || put(b, num, (size_t)n) < 0 || PUT_LIT(b, "] ") < 0 ? -1 : 0;
}

/* TextSink.note()'s line: "[pid N] +++ exited with 0 +++" */
static int put_note(Buf *b, PyObject *note)
{
    PyObject *v[2];
    for (int i = 0; i < 2; i++)
        if ((v[i] = *(PyObject **)((char *)note + note_shape.off[i])) == NULL)
            return refuse("a Note without a field");
    return put_pid(b, v[0]) < 0 || put_text(b, v[1]) < 0 || PUT_LIT(b, "\n") < 0 ? -1 : 0;
}

static int put_line(Buf *b, PyObject *ev)
{
    if (Py_IS_TYPE(ev, note_shape.cls))
        return put_note(b, ev);
    if (!Py_IS_TYPE(ev, event_shape.cls))
        return refuse("not a TraceEvent");
    PyObject *v[4];
    for (int i = 0; i < 4; i++)
        if ((v[i] = *(PyObject **)((char *)ev + event_shape.off[i])) == NULL)
            return refuse("an event without a field");
    if (!PyTuple_CheckExact(v[F_ARGS]))
        return refuse("a line of another form");
    if (put_pid(b, v[F_TID]) < 0 || put_text(b, v[F_NAME]) < 0 || PUT_LIT(b, "(") < 0)
        return -1;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(v[F_ARGS]); i++)
        if ((i && PUT_LIT(b, ", ") < 0) || put_text(b, PyTuple_GET_ITEM(v[F_ARGS], i)) < 0)
            return -1;
    if (PUT_LIT(b, ") = ") < 0 || put_text(b, v[F_RET_TEXT]) < 0 || PUT_LIT(b, "\n") < 0)
        return -1;
    return 0;
}

static PyObject *lines(PyObject *self, PyObject *events)
{
    (void)self;
    if (event_shape.cls == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_text.configure() was not called");
        return NULL;
    }
    if (!PyList_CheckExact(events)) {
        PyErr_SetString(PyExc_TypeError, "lines() takes a list");
        return NULL;
    }
    static size_t last; /* the last batch's size: this one's guess */
    Buf b = BUF_INIT(last + last / 8);
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(events); i++) {
        if (put_line(&b, PyList_GET_ITEM(events, i)) < 0) { /* (no Python code runs here) */
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
    if (!PyArg_ParseTuple(args, "OO", &cls, &note_cls))
        return NULL;
    if (shape_init(&event_shape, cls, fields, (int)(sizeof fields / sizeof fields[0])) < 0
        || shape_init(&note_shape, note_cls, note_fields, 2) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS,
     "configure(TraceEvent, Note): the event and note classes, once."},
    {"lines", lines, METH_O,
     "lines(events) -> str\n\n"
     "TextSink's default lines of a list of TraceEvents (and Notes); TypeError for any\n"
     "other form."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "vmstrace.sinks._text", NULL, -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__text(void)
{
    return PyModule_Create(&module);
}

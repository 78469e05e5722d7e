/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The events' fields as slots, for the compiled parts of the consumer (_records.c,
 * _pairing.c, _decoder.c, sinks/_jsonl.c).
 *
 * The events that flow between the stages are frozen dataclasses declared with
 * slots=True: each field is a slot at a fixed offset in the object, so an event is one
 * allocation instead of an object plus a dict (building and freeing those dicts was half
 * of the record reader's time).  A Shape holds a class's offsets, looked up once by field
 * name from the class's member descriptors; the C code then builds and reads events at
 * those offsets, the way object.__setattr__ and the attribute lookup would, without the
 * lookups.  An object whose type is not exactly the Shape's class is read through
 * getattr instead, so a stand-in event still works (slowly).
 *
 * The class's dataclass fields are the one definition: a field the C code does not fill
 * gets its default (or a call of its default_factory) in shape_new(), as __init__ would
 * give it, so adding a field with a default to an event class is one edit in Python.  A
 * field without a default that the C code does not fill makes shape_new() raise TypeError
 * naming it (reading such a class is fine).  Only __post_init__ is not run: the C code
 * makes the values it would have made.
 *
 * Header-only: each extension module keeps its own shapes.
 */
#ifndef VMSTRACE_SLOTS_H
#define VMSTRACE_SLOTS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#define SHAPE_MAX 24

typedef struct {
    PyTypeObject *cls; /* owned */
    int n;
    Py_ssize_t off[SHAPE_MAX];
    PyObject *name[SHAPE_MAX]; /* owned, interned */
    /* the dataclass fields not in name[]: set by shape_new() to their defaults */
    int nx;
    Py_ssize_t xoff[SHAPE_MAX];
    PyObject *xval[SHAPE_MAX]; /* owned: the default, or the default_factory to call */
    char xcall[SHAPE_MAX];
    PyObject *unfillable; /* owned: the name of a field without a default, or NULL */
} Shape;

/* Whether an event's `mem` is the read-only empty mapping the record reader gives every
 * record without blobs (events.NO_MEM, shared: a dict per record cost the reader a tenth
 * of its time); any other mapping is a dict, or another type the C code leaves alone. */
static inline int no_mem(PyObject *mem)
{
    if (!Py_IS_TYPE(mem, &PyDictProxy_Type))
        return 0;
    Py_ssize_t n = PyObject_Length(mem); /* (a proxy of another mapping may raise) */
    if (n < 0)
        PyErr_Clear();
    return n == 0;
}

/* PyLong_AsUnsignedLongLong (the same value, the same errors), quicker for the ints a
 * register holds (exact, 0..2**64-1): CPython 3.11 converts any int of two digits or more
 * (an address) through a byte array, where the mask conversion adds up its digits. */
static inline unsigned long long as_u64(PyObject *v)
{
    if (PyLong_CheckExact(v) && _PyLong_Sign(v) >= 0 && _PyLong_NumBits(v) <= 64)
        return PyLong_AsUnsignedLongLongMask(v);
    return PyLong_AsUnsignedLongLong(v);
}

/* The offset of slot `name` of `cls`, or -1 with TypeError set. */
static Py_ssize_t slot_offset(PyObject *cls, PyObject *name)
{
    PyObject *descr = PyObject_GetAttr(cls, name);
    if (descr == NULL)
        return -1;
    Py_ssize_t off = -1;
    if (Py_IS_TYPE(descr, &PyMemberDescr_Type)
        && ((PyMemberDescrObject *)descr)->d_member->type == T_OBJECT_EX)
        off = ((PyMemberDescrObject *)descr)->d_member->offset;
    Py_DECREF(descr);
    if (off < 0)
        PyErr_Format(PyExc_TypeError, "%s.%U is not a slot (slots=True dataclass?)",
                     ((PyTypeObject *)cls)->tp_name, name);
    return off;
}

/* The fields of dataclass `cls` that are not among the shape's names, each with its
 * default (dataclasses.fields(): the one definition of the class). */
static int shape_defaults(Shape *s, PyObject *cls)
{
    for (int i = 0; i < s->nx; i++)
        Py_CLEAR(s->xval[i]);
    s->nx = 0;
    Py_CLEAR(s->unfillable);
    if (!PyObject_HasAttrString(cls, "__dataclass_fields__"))
        return 0; /* a plain slotted class: its constructor's business */
    PyObject *dc = PyImport_ImportModule("dataclasses");
    PyObject *missing = dc == NULL ? NULL : PyObject_GetAttrString(dc, "MISSING");
    PyObject *fields = dc == NULL ? NULL : PyObject_CallMethod(dc, "fields", "O", cls);
    int rc = fields == NULL || missing == NULL ? -1 : 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyTuple_GET_SIZE(fields); i++) {
        PyObject *f = PyTuple_GET_ITEM(fields, i);
        PyObject *name = PyObject_GetAttrString(f, "name");
        if (name == NULL) {
            rc = -1;
            break;
        }
        int known = 0;
        for (int j = 0; j < s->n && !known; j++)
            known = PyUnicode_Compare(name, s->name[j]) == 0;
        PyObject *dflt = known ? NULL : PyObject_GetAttrString(f, "default");
        PyObject *factory = dflt == NULL ? NULL : PyObject_GetAttrString(f, "default_factory");
        if (known) {
            /* filled by the C code */
        } else if (factory == NULL) {
            rc = -1;
        } else if (s->nx == SHAPE_MAX) {
            PyErr_SetString(PyExc_TypeError, "shape_defaults: too many fields");
            rc = -1;
        } else if (dflt == missing && factory == missing) {
            if (s->unfillable == NULL)
                s->unfillable = Py_NewRef(name);
        } else if ((s->xoff[s->nx] = slot_offset(cls, name)) < 0) {
            rc = -1;
        } else {
            s->xcall[s->nx] = dflt == missing;
            s->xval[s->nx++] = Py_NewRef(dflt == missing ? factory : dflt);
        }
        Py_XDECREF(dflt);
        Py_XDECREF(factory);
        Py_DECREF(name);
    }
    Py_XDECREF(fields);
    Py_XDECREF(missing);
    Py_XDECREF(dc);
    return rc;
}

/* The offsets of `cls`'s slots `names` (n of them), in that order. */
static int shape_init(Shape *s, PyObject *cls, const char *const *names, int n)
{
    if (!PyType_Check(cls) || n > SHAPE_MAX) {
        PyErr_SetString(PyExc_TypeError, "shape_init: a class with at most 24 fields");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        PyObject *name = PyUnicode_InternFromString(names[i]);
        if (name == NULL)
            return -1;
        if ((s->off[i] = slot_offset(cls, name)) < 0) {
            Py_DECREF(name);
            return -1;
        }
        Py_XSETREF(s->name[i], name);
    }
    s->n = n;
    if (shape_defaults(s, cls) < 0)
        return -1;
    Py_XSETREF(s->cls, (PyTypeObject *)Py_NewRef(cls));
    return 0;
}

/* A new instance of the shape's class: the fields the C code does not fill set to their
 * defaults, the others empty (to be filled with slot_put). */
static inline PyObject *shape_new(const Shape *s)
{
    if (s->unfillable != NULL) {
        PyErr_Format(PyExc_TypeError, "%s.%U has no default and the compiled part does not "
                     "fill it: give it a default", s->cls->tp_name, s->unfillable);
        return NULL;
    }
    PyObject *obj = s->cls->tp_alloc(s->cls, 0);
    for (int i = 0; obj != NULL && i < s->nx; i++) {
        PyObject *v = s->xcall[i] ? PyObject_CallNoArgs(s->xval[i]) : Py_NewRef(s->xval[i]);
        if (v == NULL)
            Py_CLEAR(obj);
        else
            Py_XSETREF(*(PyObject **)((char *)obj + s->xoff[i]), v);
    }
    return obj;
}

/* obj.<field i> = v, stealing v; -1 (and nothing stored) when v is NULL. */
static inline int slot_put(PyObject *obj, const Shape *s, int i, PyObject *v)
{
    if (v == NULL)
        return -1;
    PyObject **p = (PyObject **)((char *)obj + s->off[i]);
    Py_XSETREF(*p, v);
    return 0;
}

/* obj.<field i>, as a new reference: from the slot when obj is exactly the shape's
 * class, else through getattr. */
static inline PyObject *slot_get(PyObject *obj, const Shape *s, int i)
{
    if (Py_IS_TYPE(obj, s->cls)) {
        PyObject *v = *(PyObject **)((char *)obj + s->off[i]);
        if (v != NULL)
            return Py_NewRef(v);
    }
    return PyObject_GetAttr(obj, s->name[i]);
}

#endif

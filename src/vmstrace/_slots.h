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
} Shape;

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
        PyObject *descr = PyObject_GetAttr(cls, name);
        if (descr == NULL) {
            Py_DECREF(name);
            return -1;
        }
        int slot = Py_IS_TYPE(descr, &PyMemberDescr_Type)
                   && ((PyMemberDescrObject *)descr)->d_member->type == T_OBJECT_EX;
        if (slot)
            s->off[i] = ((PyMemberDescrObject *)descr)->d_member->offset;
        Py_DECREF(descr);
        if (!slot) {
            PyErr_Format(PyExc_TypeError, "%s.%U is not a slot (slots=True dataclass?)",
                         ((PyTypeObject *)cls)->tp_name, name);
            Py_DECREF(name);
            return -1;
        }
        Py_XSETREF(s->name[i], name);
    }
    Py_XSETREF(s->cls, (PyTypeObject *)Py_NewRef(cls));
    s->n = n;
    return 0;
}

/* A new instance of the shape's class, every slot empty (to be filled with slot_put). */
static inline PyObject *shape_new(const Shape *s)
{
    return s->cls->tp_alloc(s->cls, 0);
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

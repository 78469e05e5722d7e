/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The decoder's event assembly, compiled: the last step of session.Decoder.__call__,
 * which turns a decoded call into the TraceEvent every sink receives.
 *
 * Why C: the step is a dict copy, a dozen field reads from the call, its entry and its
 * exit, and a dozen stores (about 0.8 us in CPython, an eighth of the consumer's time per
 * call once the reader, the pairing and the JSON lines were compiled).  It decides
 * nothing: the Decoder works out every value that needs a decision (the arguments, the
 * return text, the executable, the thread's fields) and this only copies fields into
 * place, the way events.frozen_new() fills an instance dict.  A test holds the result to
 * the dataclass's own constructor.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *k_dict, *k_entry, *k_exit, *k_ret, *k_ts, *k_ts_exit, *k_vcpu, *k_nr,
    *k_abi, *k_name, *k_args, *k_ret_text, *k_error, *k_exe, *empty_tuple;

/* A field of obj: from its instance dict (where the events keep all of theirs), else
 * through getattr.  New reference. */
static PyObject *field(PyObject *dict, PyObject *obj, PyObject *name)
{
    PyObject *v = PyDict_GetItemWithError(dict, name);
    if (v != NULL)
        return Py_NewRef(v);
    if (PyErr_Occurred())
        return NULL;
    return PyObject_GetAttr(obj, name);
}

static int copy_field(PyObject *to, PyObject *dict, PyObject *obj, PyObject *name,
                      PyObject *as)
{
    PyObject *v = field(dict, obj, name);
    if (v == NULL)
        return -1;
    int rc = PyDict_SetItem(to, as, v);
    Py_DECREF(v);
    return rc;
}

/* event(cls, thread_fields, call, name, args, ret_text, error, exe) -> cls instance */
static PyObject *event(PyObject *self, PyObject *const *argv, Py_ssize_t argc)
{
    (void)self;
    if (argc != 8 || !PyType_Check(argv[0]) || !PyDict_Check(argv[1])) {
        PyErr_SetString(PyExc_TypeError,
                        "event(cls, thread_fields, call, name, args, ret_text, error, exe)");
        return NULL;
    }
    PyTypeObject *cls = (PyTypeObject *)argv[0];
    PyObject *call = argv[2];
    PyObject *d = PyDict_Copy(argv[1]);
    PyObject *cd = NULL, *entry = NULL, *ed = NULL, *exit = NULL, *obj = NULL;
    if (d == NULL || (cd = PyObject_GenericGetDict(call, NULL)) == NULL)
        goto out;
    if ((entry = field(cd, call, k_entry)) == NULL || (exit = field(cd, call, k_exit)) == NULL
        || (ed = PyObject_GenericGetDict(entry, NULL)) == NULL)
        goto out;
    if (copy_field(d, ed, entry, k_ts, k_ts) < 0 || copy_field(d, ed, entry, k_vcpu, k_vcpu) < 0
        || copy_field(d, ed, entry, k_nr, k_nr) < 0 || copy_field(d, ed, entry, k_abi, k_abi) < 0
        || copy_field(d, cd, call, k_ret, k_ret) < 0)
        goto out;
    if (exit == Py_None) {
        if (PyDict_SetItem(d, k_ts_exit, Py_None) < 0)
            goto out;
    } else {
        PyObject *xd = PyObject_GenericGetDict(exit, NULL);
        int rc = xd == NULL ? -1 : copy_field(d, xd, exit, k_ts, k_ts_exit);
        Py_XDECREF(xd);
        if (rc < 0)
            goto out;
    }
    if (PyDict_SetItem(d, k_name, argv[3]) < 0 || PyDict_SetItem(d, k_args, argv[4]) < 0
        || PyDict_SetItem(d, k_ret_text, argv[5]) < 0 || PyDict_SetItem(d, k_error, argv[6]) < 0
        || PyDict_SetItem(d, k_exe, argv[7]) < 0)
        goto out;
    obj = PyBaseObject_Type.tp_new(cls, empty_tuple, NULL);
    if (obj != NULL && PyObject_GenericSetAttr(obj, k_dict, d) < 0)
        Py_CLEAR(obj);
out:
    Py_XDECREF(ed);
    Py_XDECREF(exit);
    Py_XDECREF(entry);
    Py_XDECREF(cd);
    Py_XDECREF(d);
    return obj;
}

static PyMethodDef methods[] = {
    {"event", (PyCFunction)(void (*)(void))event, METH_FASTCALL,
     "event(cls, thread_fields, call, name, args, ret_text, error, exe) -> cls instance\n\n"
     "An instance of cls whose dict is a copy of thread_fields plus ts, ts_exit, vcpu, nr,\n"
     "abi and ret from the call and the given name, args, ret_text, error and exe."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "vmstrace._decoder", NULL, -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__decoder(void)
{
    struct {
        PyObject **slot;
        const char *name;
    } keys[] = {
        {&k_dict, "__dict__"}, {&k_entry, "entry"}, {&k_exit, "exit"},   {&k_ret, "ret"},
        {&k_ts, "ts"},         {&k_ts_exit, "ts_exit"}, {&k_vcpu, "vcpu"}, {&k_nr, "nr"},
        {&k_abi, "abi"},       {&k_name, "name"},   {&k_args, "args"},
        {&k_ret_text, "ret_text"}, {&k_error, "error"}, {&k_exe, "exe"},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if ((*keys[i].slot = PyUnicode_InternFromString(keys[i].name)) == NULL)
            return NULL;
    if ((empty_tuple = PyTuple_New(0)) == NULL)
        return NULL;
    return PyModule_Create(&module);
}

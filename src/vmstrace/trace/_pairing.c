/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pairing stage's batch loop, compiled: trace/pairing.py's Pairer.feed() over a
 * list of events at once (the record reader hands them over 64 at a time).
 *
 * Why C: pairing runs for every record, and in CPython its method call and a dozen
 * attribute reads cost about as much as reading the record did once the reader was
 * compiled (0.6 us a record).  The rules are pairing.py's, which stays the reference (its
 * feed() handles one event, and tests hold the two to the same results):
 *
 *  - an entry of a call that does not return (NO_RETURN) is a call at once;
 *  - otherwise it waits in `pending` under its thread's key, (task, tid or 0), or
 *    (cr3 & ~0xfff, sp) when the task could not be read; an entry it replaces is a call
 *    without a return (unfinished);
 *  - an exit completes the entry pending under its key, or is an orphan;
 *  - a record with a thread record number (seq) is taken only in its turn: one that comes
 *    early waits in `held` until the records before it have come (HOLD_LIMIT: then the
 *    thread's held records go in order, a gap counted); `seqs` holds each thread's last
 *    taken (the record's own int, so that none is made per record);
 *  - after an event that paired a reaping call's exit (wait4, waitid: `reaps`), with a table
 *    over its limit, or when a death waiting in `dying` can be settled (every vCPU's latest
 *    record, in `marks`, is past it), Pairer._after() runs (in Python: it holds the rules of
 *    deaths and limits); watching() is Pairer._watching().  Its commonest work is done
 *    here (reap_here()): the reaping call of a process that ended outside any call, or one
 *    that reaped nothing, with nothing else waiting -- once per process in a trace that
 *    makes many, where the Python call cost a fifth of the pairing's time.
 *
 * A call's return value is worked out here when it is plain (no signal frame among the
 * exit's blobs, no flag of the plugin's -- a restart, or resumed elsewhere: the exit's
 * register, signed as the ABI's word); anything else goes to events.return_value(), the
 * one full implementation.
 */
#include "../_slots.h"
#include "../_blobs.h"
#include "vmstrace_records.h"

#include <stdint.h>

/* The tables looked up with a kept hash (thread_key_hashed).  CPython 3.11 and 3.12 export
 * the set and delete forms; 3.13 made them internal, and there the hash is computed again. */
#if PY_VERSION_HEX < 0x030D0000
#define dict_set_hashed(d, k, v, h) _PyDict_SetItem_KnownHash((d), (k), (v), (h))
#define dict_del_hashed(d, k, h) _PyDict_DelItem_KnownHash((d), (k), (h))
#else
#define dict_set_hashed(d, k, v, h) ((void)(h), PyDict_SetItem((d), (k), (v)))
#define dict_del_hashed(d, k, h) ((void)(h), PyDict_DelItem((d), (k)))
#endif

/* The fields read and made here, by slot (_slots.h).  Entries and exits have the thread
 * and the stack pointer first, for thread_key(). */
static const char *const entry_fields[] = {"who", "sp", "seq", "nr", "abi", "ts", "vcpu",
                                           "args"};
static const char *const exit_fields[] = {"who", "sp", "seq", "mem", "ret", "flags", "ts",
                                          "vcpu"};
static const char *const who_fields[] = {"task", "tid", "cr3", "pid"};
static const char *const call_fields[] = {"entry", "exit", "ret"};
static const char *const mem_fields[] = {"data", "fault", "at_exit"};
static const char *const end_fields[] = {"ts", "who", "signal", "status", "process", "quiet",
                                         "core"};
enum { E_WHO, E_SP, E_SEQ, E_NR, E_ABI, E_TS, E_VCPU, E_ARGS };
enum { X_WHO, X_SP, X_SEQ, X_MEM, X_RET, X_FLAGS, X_TS, X_VCPU };
enum { W_TASK, W_TID, W_CR3, W_PID };
enum { C_ENTRY, C_EXIT, C_RET };
enum { M_DATA, M_FAULT, M_AT_EXIT };
enum { T_TS, T_WHO, T_SIGNAL, T_STATUS, T_PROCESS, T_QUIET, T_CORE };

static struct {
    Shape entry, exit, who, call, mem, end;
    PyObject *return_value; /* events.return_value(entry, exit) */
    PyObject *i386;         /* the ABI name whose word is 32 bits */
    PyObject *sigframe_arg; /* VMST_ARG_SIGFRAME: the exit blob that holds a signal frame */
    PyTypeObject *blobs; /* the reader's Blobs (../_blobs.h), read in place */
    PyObject *page_mask, *zero;
    long hold_limit;
    int ready;
} S;

/* counts, in PairingCounts' order; then REAPED, a flag: the event paired a reaping call */
enum { ENTRIES, EXITS, PAIRED, NO_RETURN, UNFINISHED, ORPHANS, HELD, GAPS, STALE, NCOUNTS,
       REAPED = NCOUNTS };

/* The keys of the threads seen last, by their TaskInfo: the reader hands all of a
 * thread's records one shared TaskInfo (a frozen one), and a thread's key is worked out
 * two to four times a call.  Direct-mapped on the object's address; each slot holds its
 * TaskInfo, so that address cannot be another object's while the slot keeps it. */
#define KEY_CACHE 256
static struct {
    PyObject *who, *key;
    Py_hash_t hash;
} key_cache[KEY_CACHE];

static size_t key_slot(PyObject *who)
{
    return ((uintptr_t)who >> 4) % KEY_CACHE;
}

/* The first of equal keys, for *key (replaced; -1 with an error).  A thread gets a new
 * TaskInfo when its process execs (its comm and CR3 change), and with it a new key tuple,
 * equal to the one the tables already hold; a dict keeps the key it was first given for
 * an item, so each later lookup of that thread would compare the two tuples field by
 * field.  One key object per thread makes every lookup an identity hit.  Bounded: at
 * CANON_MAX keys it starts again (a key made before then only costs those compares). */
#define CANON_MAX 4096
static PyObject *canon; /* {key: the same key} */

static int canonical(PyObject **key)
{
    if (canon == NULL && (canon = PyDict_New()) == NULL)
        return -1;
    if (PyDict_GET_SIZE(canon) >= CANON_MAX)
        PyDict_Clear(canon);
    PyObject *first = PyDict_SetDefault(canon, *key, *key); /* borrowed */
    if (first == NULL)
        return -1;
    Py_SETREF(*key, Py_NewRef(first));
    return 0;
}

/* The thread's key (module comment) and its hash; `sh` is the event's shape (entry or
 * exit).  The hash is kept with a kept key: the tables are looked up with it several
 * times a call (the dicts' *_KnownHash functions), and a tuple does not keep its own. */
static PyObject *thread_key_hashed(PyObject *ev, const Shape *sh, Py_hash_t *hash)
{
    PyObject *who = slot_get(ev, sh, E_WHO);
    if (who == NULL)
        return NULL;
    size_t at = key_slot(who);
    if (key_cache[at].who == who) {
        Py_DECREF(who);
        *hash = key_cache[at].hash;
        return Py_NewRef(key_cache[at].key);
    }
    PyObject *key = NULL, *task = NULL, *a = NULL, *b = NULL;
    task = slot_get(who, &S.who, W_TASK);
    if (task == NULL)
        goto out;
    int known = PyObject_IsTrue(task);
    if (known < 0)
        goto out;
    if (known) {
        PyObject *tid = slot_get(who, &S.who, W_TID);
        if (tid == NULL)
            goto out;
        int t = PyObject_IsTrue(tid);
        if (t < 0) {
            Py_DECREF(tid);
            goto out;
        }
        a = Py_NewRef(task);
        b = t ? tid : Py_NewRef(S.zero);
        if (!t)
            Py_DECREF(tid);
        /* a key from the TaskInfo alone, of a TaskInfo that cannot change: kept */
        if ((key = PyTuple_Pack(2, a, b)) != NULL
            && ((*hash = PyObject_Hash(key)) == -1 || canonical(&key) < 0))
            Py_CLEAR(key);
        if (key != NULL && Py_IS_TYPE(who, S.who.cls)) {
            Py_XSETREF(key_cache[at].who, Py_NewRef(who));
            Py_XSETREF(key_cache[at].key, Py_NewRef(key));
            key_cache[at].hash = *hash;
        }
        goto out;
    } else {
        PyObject *cr3 = slot_get(who, &S.who, W_CR3);
        if (cr3 == NULL)
            goto out;
        a = PyNumber_And(cr3, S.page_mask);
        Py_DECREF(cr3);
        if (a == NULL)
            goto out;
        b = slot_get(ev, sh, E_SP);
        if (b == NULL)
            goto out;
    }
    if ((key = PyTuple_Pack(2, a, b)) != NULL && (*hash = PyObject_Hash(key)) == -1)
        Py_CLEAR(key);
out:
    Py_XDECREF(a);
    Py_XDECREF(b);
    Py_XDECREF(task);
    Py_DECREF(who);
    return key;
}

/* The Pairer's tables for task reuse, and its syscall sets (no_return: {abi: frozenset of
 * numbers}; reaps: {abi: {number of a call that reaps a child: pairing.REAP_ARG}}), for the
 * pair() call in progress (the loop runs under the GIL and is not re-entered:
 * Pairer._after never pairs through here). */
static struct {
    PyObject *pending, *seqs, *tasks, *gone, *no_return, *reaps;
    /* Within the call (strong references, let go at its end), what repeats record after
     * record: the last ABI's two sets, and the TaskInfo that note_task() last found
     * `tasks` agreeing with (only note_task() changes `tasks` here; Pairer._after may too,
     * and the loop forgets it after each call of that). */
    PyObject *abi, *abi_no_return, *abi_reaps, *noted;
} B;

/* B's sets for `abi` (borrowed from B), as no_return[abi] and reaps.get(abi) would give
 * them: an ABI no_return does not know raises KeyError; reaps may lack it (NULL). */
static int abi_sets(PyObject *abi)
{
    if (abi == B.abi)
        return 0;
    PyObject *never = PyObject_GetItem(B.no_return, abi);
    if (never == NULL)
        return -1;
    PyObject *reaps = PyDict_GetItemWithError(B.reaps, abi);
    if (reaps == NULL && PyErr_Occurred()) {
        Py_DECREF(never);
        return -1;
    }
    Py_XSETREF(B.abi_no_return, never);
    Py_XSETREF(B.abi_reaps, Py_XNewRef(reaps));
    Py_XSETREF(B.abi, Py_NewRef(abi));
    return 0;
}

static void b_forget(void)
{
    Py_CLEAR(B.abi);
    Py_CLEAR(B.abi_no_return);
    Py_CLEAR(B.abi_reaps);
    Py_CLEAR(B.noted);
}

/* Whether a thread with `entry` in progress went on as its process's leader on its own
 * task_struct, as a thread that is not the leader does when its execve succeeds (fs/exec.c,
 * de_thread(): it takes the leader's pid): `who` (the new entry's) has tid == pid == the
 * pid of the call's thread.  That thread is not gone (Pairer._note_task). */
static int exec_took_leader(PyObject *entry, PyObject *who, PyObject *tid)
{
    PyObject *pid = slot_get(who, &S.who, W_PID);
    PyObject *owho = pid == NULL ? NULL : slot_get(entry, &S.entry, E_WHO);
    PyObject *opid = owho == NULL ? NULL : slot_get(owho, &S.who, W_PID);
    int rc = -1;
    if (opid != NULL) {
        rc = PyObject_RichCompareBool(tid, pid, Py_EQ);
        if (rc == 1)
            rc = PyObject_RichCompareBool(pid, opid, Py_EQ);
    }
    Py_XDECREF(pid);
    Py_XDECREF(owho);
    Py_XDECREF(opid);
    return rc;
}

/* An entry of a thread (task, tid): when its task_struct last ran another tid that the
 * tables still hold, that thread is gone: (its key, this entry's ts) joins `gone`
 * (Pairer._note_task). */
static int note_task(PyObject *ev)
{
    PyObject *who = slot_get(ev, &S.entry, E_WHO);
    if (who == NULL)
        return -1;
    if (who == B.noted) { /* (its values cannot change: a TaskInfo is frozen) */
        Py_DECREF(who);
        return 0;
    }
    PyObject *task = slot_get(who, &S.who, W_TASK), *tid = slot_get(who, &S.who, W_TID);
    PyObject *gone = NULL, *ts = NULL, *item = NULL;
    int rc = -1;
    if (task == NULL || tid == NULL)
        goto out;
    int known = PyObject_IsTrue(task);
    int t = known > 0 ? PyObject_IsTrue(tid) : 0;
    if (known < 0 || t < 0)
        goto out;
    rc = 0;
    if (!known || !t)
        goto out;
    rc = -1;
    PyObject *old = PyDict_GetItemWithError(B.tasks, task);
    if (old == NULL && PyErr_Occurred())
        goto out;
    int same = old == NULL ? 1 : PyObject_RichCompareBool(old, tid, Py_EQ);
    if (same < 0)
        goto out;
    if (!same) {
        if ((gone = PyTuple_Pack(2, task, old)) == NULL)
            goto out;
        PyObject *entry = PyDict_GetItemWithError(B.pending, gone); /* borrowed */
        if (entry == NULL && PyErr_Occurred())
            goto out;
        int held = entry != NULL;
        if (held) {
            int exec = exec_took_leader(entry, who, tid);
            if (exec < 0)
                goto out;
            held = !exec;
        } else {
            held = PyDict_Contains(B.seqs, gone);
        }
        if (held < 0)
            goto out;
        if (held) {
            if ((ts = slot_get(ev, &S.entry, E_TS)) == NULL
                || (item = PyTuple_Pack(2, gone, ts)) == NULL || PyList_Append(B.gone, item) < 0)
                goto out;
        }
    }
    /* (an equal value leaves the table as it was: the same order, the same contents) */
    rc = old != NULL && same ? 0 : PyDict_SetItem(B.tasks, task, tid);
    if (rc == 0)
        Py_XSETREF(B.noted, Py_NewRef(who));
out:
    Py_XDECREF(gone);
    Py_XDECREF(ts);
    Py_XDECREF(item);
    Py_XDECREF(task);
    Py_XDECREF(tid);
    Py_DECREF(who);
    return rc;
}

/* Syscall(entry, exit) with its return value in place, as events.paired() makes it. */
static PyObject *make_call(PyObject *entry, PyObject *exit, PyObject *ret)
{
    PyObject *call = shape_new(&S.call);
    if (call != NULL) {
        slot_put(call, &S.call, C_ENTRY, Py_NewRef(entry));
        slot_put(call, &S.call, C_EXIT, Py_NewRef(exit));
        slot_put(call, &S.call, C_RET, Py_NewRef(ret));
    }
    return call;
}

/* The return value of a call that returned (module comment). */
static PyObject *return_value(PyObject *entry, PyObject *exit)
{
    PyObject *mem = slot_get(exit, &S.exit, X_MEM);
    PyObject *ret = NULL, *abi = NULL;
    if (mem == NULL)
        return NULL;
    BlobView bv;
    int framed = no_mem(mem)                   ? 0
                 : Py_IS_TYPE(mem, S.blobs)    ? blobs_top((BlobsObject *)mem, VMST_ARG_SIGFRAME, &bv)
                 : PyDict_CheckExact(mem)      ? PyDict_Contains(mem, S.sigframe_arg)
                                               : 1;
    if (framed < 0)
        goto out;
    if (!framed) { /* a restart, or resumed elsewhere (the plugin's flags): return_value() */
        PyObject *flags = slot_get(exit, &S.exit, X_FLAGS);
        if (flags == NULL)
            goto out;
        framed = !PyLong_CheckExact(flags) || PyObject_IsTrue(flags);
        Py_DECREF(flags);
        if (framed < 0)
            goto out;
    }
    if (!framed) {
        ret = slot_get(exit, &S.exit, X_RET);
        abi = slot_get(entry, &S.entry, E_ABI);
        if (ret == NULL || abi == NULL)
            goto out;
        int is32 = abi == S.i386 ? 1 : PyObject_RichCompareBool(abi, S.i386, Py_EQ);
        if (is32 < 0)
            goto out;
        if (PyLong_CheckExact(ret)) {
            unsigned long long raw = PyLong_AsUnsignedLongLongMask(ret);
            if (raw == (unsigned long long)-1 && PyErr_Occurred())
                goto out;
            Py_SETREF(ret, is32 ? PyLong_FromLong((int32_t)(uint32_t)raw)
                                : PyLong_FromLongLong((int64_t)raw));
            goto out;
        }
        Py_CLEAR(ret);
    }
    ret = PyObject_CallFunctionObjArgs(S.return_value, entry, exit, NULL);
out:
    Py_DECREF(mem);
    Py_XDECREF(abi);
    if (PyErr_Occurred()) {
        Py_XDECREF(ret);
        return NULL;
    }
    return ret;
}

static int append_call(PyObject *out, PyObject *entry, PyObject *exit, PyObject *ret)
{
    PyObject *call = make_call(entry, exit, ret);
    if (call == NULL)
        return -1;
    int rc = PyList_Append(out, call);
    Py_DECREF(call);
    return rc;
}

static int on_entry(PyObject *ev, PyObject *pending, PyObject *out, Py_ssize_t *counts,
                    int *never_out)
{
    counts[ENTRIES]++;
    PyObject *nr = slot_get(ev, &S.entry, E_NR), *abi = slot_get(ev, &S.entry, E_ABI);
    PyObject *key = NULL, *old = NULL;
    int rc = -1;
    if (nr == NULL || abi == NULL)
        goto out;
    if (abi_sets(abi) < 0) /* KeyError for an unknown ABI, as in .py */
        goto out;
    int never = PySequence_Contains(B.abi_no_return, nr);
    if (never < 0)
        goto out;
    *never_out = never;
    if (never) {
        counts[NO_RETURN]++;
        rc = append_call(out, ev, Py_None, Py_None);
        goto out;
    }
    Py_hash_t h;
    key = thread_key_hashed(ev, &S.entry, &h);
    if (key == NULL || note_task(ev) < 0)
        goto out;
    old = _PyDict_GetItem_KnownHash(pending, key, h);
    Py_XINCREF(old);
    if (old == NULL && PyErr_Occurred())
        goto out;
    /* pop, then insert: the newest entry goes last, as pending.pop(); pending[k] = ev */
    if (old != NULL && dict_del_hashed(pending, key, h) < 0)
        goto out;
    if (dict_set_hashed(pending, key, ev, h) < 0)
        goto out;
    rc = 0;
    if (old != NULL) {
        counts[UNFINISHED]++;
        rc = append_call(out, old, Py_None, Py_None);
    }
out:
    Py_XDECREF(nr);
    Py_XDECREF(abi);
    Py_XDECREF(key);
    Py_XDECREF(old);
    return rc;
}

/* Sets counts[REAPED] when `entry` is a call that reaps a child (Pairer._pair). */
static int reaping(PyObject *entry, Py_ssize_t *counts)
{
    PyObject *nr = slot_get(entry, &S.entry, E_NR), *abi = slot_get(entry, &S.entry, E_ABI);
    int rc = -1;
    if (nr != NULL && abi != NULL && abi_sets(abi) == 0) {
        PyObject *set = B.abi_reaps;
        int in = set == NULL ? 0 : PySequence_Contains(set, nr);
        if (in > 0)
            counts[REAPED] = 1;
        rc = in < 0 ? -1 : 0;
    }
    Py_XDECREF(nr);
    Py_XDECREF(abi);
    return rc;
}

static int on_exit_(PyObject *ev, PyObject *pending, PyObject *out, Py_ssize_t *counts)
{
    counts[EXITS]++;
    Py_hash_t h;
    PyObject *key = thread_key_hashed(ev, &S.exit, &h);
    if (key == NULL)
        return -1;
    PyObject *entry = _PyDict_GetItem_KnownHash(pending, key, h);
    int rc = -1;
    Py_XINCREF(entry);
    if (entry == NULL) {
        Py_DECREF(key);
        if (PyErr_Occurred())
            return -1;
        counts[ORPHANS]++;
        return 0;
    }
    if (dict_del_hashed(pending, key, h) == 0) {
        counts[PAIRED]++;
        if (reaping(entry, counts) < 0) {
            Py_DECREF(key);
            Py_DECREF(entry);
            return -1;
        }
        PyObject *ret = return_value(entry, ev);
        if (ret != NULL) {
            rc = append_call(out, entry, ev, ret);
            Py_DECREF(ret);
        }
    }
    Py_DECREF(key);
    Py_DECREF(entry);
    return rc;
}

/* One record, paired now (Pairer._pair); *never: an entry of a call that does not return. */
static int take(PyObject *ev, int is_entry, PyObject *pending, PyObject *out,
                Py_ssize_t *counts, int *never)
{
    *never = 0;
    Py_INCREF(ev); /* the containers may change under a callback */
    int rc = is_entry ? on_entry(ev, pending, out, counts, never)
                      : on_exit_(ev, pending, out, counts);
    Py_DECREF(ev);
    return rc;
}

/* After a record of `key` numbered `seq` (an int) was taken (Pairer._advance). */
static int advance(PyObject *seqs, PyObject *key, Py_hash_t h, PyObject *seq, int never)
{
    if (never) {
        if (dict_del_hashed(seqs, key, h) < 0) {
            if (!PyErr_ExceptionMatches(PyExc_KeyError))
                return -1;
            PyErr_Clear();
        }
        return 0;
    }
    return dict_set_hashed(seqs, key, seq, h);
}

static int is_entry_ev(PyObject *ev)
{
    return PyObject_TypeCheck(ev, S.entry.cls);
}

/* Takes `held`'s records of `key` in seq order, all of them (a gap that will not fill). */
static int release_all(PyObject *key, Py_hash_t h, PyObject *records, PyObject *pending,
                       PyObject *seqs, PyObject *out, Py_ssize_t *counts)
{
    PyObject *order = PyDict_Keys(records);
    int rc = -1;
    if (order == NULL || PyList_Sort(order) < 0)
        goto out;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(order); i++) {
        PyObject *s = PyList_GET_ITEM(order, i);
        PyObject *ev = PyDict_GetItemWithError(records, s);
        if (ev == NULL)
            goto out;
        Py_INCREF(ev);
        int never, ent = is_entry_ev(ev);
        int r = take(ev, ent, pending, out, counts, &never);
        if (r == 0)
            r = advance(seqs, key, h, s, never);
        Py_DECREF(ev);
        if (r < 0)
            goto out;
    }
    rc = 0;
out:
    Py_XDECREF(order);
    return rc;
}

/* A record with a seq: taken in its turn, held before it (Pairer._in_turn). */
static int in_turn(PyObject *ev, int is_entry, long seq, PyObject *seq_obj, PyObject *pending,
                   PyObject *seqs, PyObject *held, PyObject *out, Py_ssize_t *counts)
{
    const Shape *sh = is_entry ? &S.entry : &S.exit;
    Py_hash_t h;
    PyObject *key = thread_key_hashed(ev, sh, &h), *records = NULL;
    int rc = -1, never;
    if (key == NULL)
        return -1;
    PyObject *want_obj = _PyDict_GetItem_KnownHash(seqs, key, h);
    if (want_obj == NULL && PyErr_Occurred())
        goto out;
    long want = want_obj ? PyLong_AsLong(want_obj) : 0;
    if (want == -1 && PyErr_Occurred())
        goto out;
    want++;
    if (seq > want) {
        records = PyDict_GetItemWithError(held, key);
        Py_XINCREF(records);
        if (records == NULL) {
            if (PyErr_Occurred() || (records = PyDict_New()) == NULL
                || PyDict_SetItem(held, key, records) < 0)
                goto out;
        }
        PyObject *s = PyLong_FromLong(seq);
        if (s == NULL)
            goto out;
        int r = PyDict_SetItem(records, s, ev);
        Py_DECREF(s);
        if (r < 0)
            goto out;
        counts[HELD]++;
        if (PyDict_GET_SIZE(records) > S.hold_limit) {
            counts[GAPS]++;
            if (PyDict_DelItem(held, key) < 0
                || release_all(key, h, records, pending, seqs, out, counts) < 0)
                goto out;
        }
        rc = 0;
        goto out;
    }
    if (seq < want) {
        counts[STALE]++;
        rc = take(ev, is_entry, pending, out, counts, &never);
        goto out;
    }
    if (take(ev, is_entry, pending, out, counts, &never) < 0
        || advance(seqs, key, h, seq_obj, never) < 0)
        goto out;
    if (PyDict_GET_SIZE(held)) {
        records = PyDict_GetItemWithError(held, key);
        Py_XINCREF(records);
        if (records == NULL && PyErr_Occurred())
            goto out;
        while (records != NULL && PyDict_GET_SIZE(records)) {
            PyObject *s = PyLong_FromLong(seq + 1);
            if (s == NULL)
                goto out;
            PyObject *nxt = PyDict_GetItemWithError(records, s);
            Py_XINCREF(nxt);
            if (nxt == NULL) {
                Py_DECREF(s);
                if (PyErr_Occurred())
                    goto out;
                break;
            }
            int r = PyDict_DelItem(records, s);
            seq++;
            if (r == 0)
                r = take(nxt, is_entry_ev(nxt), pending, out, counts, &never);
            if (r == 0)
                r = advance(seqs, key, h, s, never);
            Py_DECREF(s);
            Py_DECREF(nxt);
            if (r < 0)
                goto out;
        }
        if (records != NULL && !PyDict_GET_SIZE(records) && PyDict_DelItem(held, key) < 0)
            goto out;
    }
    rc = 0;
out:
    Py_XDECREF(records);
    Py_DECREF(key);
    return rc;
}

/* The time the vCPU's latest record was made, ev's if later (Pairer._mark); -1 on error. */
static long long mark(PyObject *marks, PyObject *ev, int is_entry, long vcpus)
{
    const Shape *sh = is_entry ? &S.entry : &S.exit;
    PyObject *ts_obj = slot_get(ev, sh, is_entry ? E_TS : X_TS);
    PyObject *vcpu = slot_get(ev, sh, is_entry ? E_VCPU : X_VCPU);
    long long result = -1;
    if (ts_obj == NULL || vcpu == NULL)
        goto out;
    long long ts = PyLong_AsLongLong(ts_obj);
    if (ts == -1 && PyErr_Occurred())
        goto out;
    PyObject *old = PyDict_GetItemWithError(marks, vcpu);
    long long was = old == NULL ? -1 : PyLong_AsLongLong(old);
    if ((old == NULL && PyErr_Occurred()) || (was == -1 && PyErr_Occurred()))
        goto out;
    if (ts > was) {
        if (PyDict_SetItem(marks, vcpu, ts_obj) < 0)
            goto out;
        was = ts;
    }
    if (vcpus <= 1) {
        result = was;
        goto out;
    }
    long long low = -1;
    for (long v = 0; v < vcpus; v++) {
        PyObject *key = PyLong_FromLong(v);
        if (key == NULL)
            goto out;
        PyObject *m = PyDict_GetItemWithError(marks, key);
        Py_DECREF(key);
        long long t = m == NULL ? -1 : PyLong_AsLongLong(m);
        if (PyErr_Occurred())
            goto out;
        if (v == 0 || t < low)
            low = t;
    }
    result = low;
out:
    Py_XDECREF(ts_obj);
    Py_XDECREF(vcpu);
    return result;
}

typedef struct {
    PyObject *pending, *seqs, *held, *dying, *marks, *tasks, *gone;
    Py_ssize_t lim_pending, lim_threads, lim_held, lim_dying;
    long vcpus;
} Watch;

/* Whether Pairer._after() has work after `ev` (Pairer._watching): 1, 0, or -1 on error. */
static int watching(const Watch *w, PyObject *ev, int is_entry, Py_ssize_t *counts)
{
    int reaped = counts[REAPED] != 0;
    counts[REAPED] = 0;
    if (reaped || PyList_GET_SIZE(w->gone) || PyDict_GET_SIZE(w->pending) > w->lim_pending
        || PyDict_GET_SIZE(w->seqs) > w->lim_threads || PyDict_GET_SIZE(w->tasks) > w->lim_threads
        || PyDict_GET_SIZE(w->held) > w->lim_held || PyList_GET_SIZE(w->dying) > w->lim_dying)
        return 1;
    Py_ssize_t n = PyList_GET_SIZE(w->dying);
    if (n == 0)
        return 0;
    long long now = mark(w->marks, ev, is_entry, w->vcpus);
    if (now == -1 && PyErr_Occurred())
        return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *death = PyList_GET_ITEM(w->dying, i);
        if (!PyTuple_Check(death) || PyTuple_GET_SIZE(death) < 1) {
            PyErr_SetString(PyExc_TypeError, "pair: dying holds Death tuples");
            return -1;
        }
        long long ts = PyLong_AsLongLong(PyTuple_GET_ITEM(death, 0));
        if (ts == -1 && PyErr_Occurred())
            return -1;
        if (ts <= now)
            return 1;
    }
    return 0;
}

/* linux/wait.h, uapi asm-generic/siginfo.h (pairing.py's names) */
#define SIGCHLD 17
#define WNOWAIT 0x01000000
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define SIGINFO_UNION 16      /* where siginfo's union starts (si_pid, si_uid, si_status) */
#define SIGINFO_UNION_I386 12 /* in i386's compat_siginfo */

/* How a process ended, as pairing.reaped() reads it from what its reaper's call got. */
typedef struct {
    long long pid;
    int signal, status, core; /* signal or status -1: not that way */
} Reaped;

/* pairing.reaped() of `call` (its entry, exit and ret given; `arg`: REAP_ARG of the call;
 * `is32`: of the i386 ABI): 1 with *r a death, 0 none, LEAVE when it takes Python to tell
 * (an object of another shape, an int out of range), -1 on error. */
#define LEAVE 2
static int reaped(PyObject *entry, PyObject *exit, PyObject *ret, long arg, int is32,
                  Reaped *r)
{
    if (ret == Py_None)
        return 0;
    if (!PyLong_CheckExact(ret))
        return LEAVE;
    int overflow;
    long long rv = PyLong_AsLongLongAndOverflow(ret, &overflow);
    if (overflow || (rv == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return LEAVE;
    }
    if (rv < 0)
        return 0;
    PyObject *mems = *(PyObject **)((char *)exit + S.exit.off[X_MEM]);
    const unsigned char *d;
    Py_ssize_t n;
    if (mems != NULL && Py_IS_TYPE(mems, S.blobs)) {
        BlobView bv;
        if (!blobs_top((BlobsObject *)mems, arg, &bv))
            return 0;
        if ((bv.flags & VMST_BLOB_FAULT) || !(bv.flags & VMST_BLOB_EXIT))
            return 0;
        d = bv.data;
        n = bv.len;
    } else {
        if (mems == NULL || !PyDict_CheckExact(mems))
            return mems != NULL && no_mem(mems) ? 0 : LEAVE;
        PyObject *key = PyLong_FromLong(arg);
        PyObject *mem = key == NULL ? NULL : PyDict_GetItemWithError(mems, key); /* borrowed */
        Py_XDECREF(key);
        if (mem == NULL)
            return PyErr_Occurred() ? -1 : 0;
        if (!Py_IS_TYPE(mem, S.mem.cls))
            return LEAVE;
        PyObject *data = *(PyObject **)((char *)mem + S.mem.off[M_DATA]);
        PyObject *fault = *(PyObject **)((char *)mem + S.mem.off[M_FAULT]);
        PyObject *at_exit = *(PyObject **)((char *)mem + S.mem.off[M_AT_EXIT]);
        if (data == NULL || !PyBytes_CheckExact(data) || (fault != Py_True && fault != Py_False)
            || (at_exit != Py_True && at_exit != Py_False))
            return LEAVE;
        if (fault == Py_True || at_exit == Py_False)
            return 0;
        d = (const unsigned char *)PyBytes_AS_STRING(data);
        n = PyBytes_GET_SIZE(data);
    }
    r->signal = r->status = -1;
    r->core = 0;
    if (arg == 1) { /* the status word (wait.h's W* macros) */
        if (rv <= 0 || n < 4)
            return 0;
        uint32_t word = d[0] | d[1] << 8 | d[2] << 16 | (uint32_t)d[3] << 24;
        uint32_t low = word & 0x7F;
        r->pid = rv;
        if (low == 0) {
            r->status = (word >> 8) & 0xFF; /* WIFEXITED */
            return 1;
        }
        if (low != 0x7F) {
            r->signal = (int)low; /* WIFSIGNALED */
            r->core = (word & 0x80) != 0;
            return 1;
        }
        return 0; /* stopped or continued: alive */
    }
    /* waitid's siginfo: si_signo 0, si_code 8, the union's si_pid and (8 on) si_status;
     * WNOWAIT leaves the child a zombie */
    PyObject *args = *(PyObject **)((char *)entry + S.entry.off[E_ARGS]);
    if (args == NULL || !PyTuple_CheckExact(args) || PyTuple_GET_SIZE(args) < 4
        || !PyLong_CheckExact(PyTuple_GET_ITEM(args, 3)))
        return LEAVE;
    unsigned long long options = as_u64(PyTuple_GET_ITEM(args, 3));
    if (options == (unsigned long long)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        return LEAVE;
    }
    const Py_ssize_t u = is32 ? SIGINFO_UNION_I386 : SIGINFO_UNION;
    if (rv != 0 || n < u + 12 || options & WNOWAIT)
        return 0;
    const Py_ssize_t at[4] = {0, 8, u, u + 8};
    int32_t f[4];
    for (int i = 0; i < 4; i++) {
        const unsigned char *p = d + at[i];
        f[i] = (int32_t)(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
    }
    int32_t signo = f[0], code = f[1], pid = f[2], status = f[3];
    if (signo != SIGCHLD || pid <= 0)
        return 0;
    r->pid = pid;
    if (code == CLD_EXITED) {
        r->status = status & 0xFF;
        return 1;
    }
    if ((code == CLD_KILLED || code == CLD_DUMPED) && 0 < status && status < 128) {
        r->signal = status;
        r->core = code == CLD_DUMPED;
        return 1;
    }
    return 0;
}

/* Whether a call in progress in `pending` is of process `pid` and entered before `ts`
 * (Pairer._bury would end it): 1, 0, or LEAVE for an entry of another shape. */
static int in_progress(PyObject *pending, long long pid, long long ts)
{
    Py_ssize_t pos = 0;
    PyObject *key, *e;
    while (PyDict_Next(pending, &pos, &key, &e)) {
        if (!Py_IS_TYPE(e, S.entry.cls))
            return LEAVE;
        PyObject *who = *(PyObject **)((char *)e + S.entry.off[E_WHO]);
        PyObject *epid = who != NULL && Py_IS_TYPE(who, S.who.cls)
                             ? *(PyObject **)((char *)who + S.who.off[W_PID])
                             : NULL;
        PyObject *ets = *(PyObject **)((char *)e + S.entry.off[E_TS]);
        if (epid == NULL || ets == NULL || !PyLong_CheckExact(ets))
            return LEAVE;
        if (epid == Py_None)
            continue;
        if (!PyLong_CheckExact(epid))
            return LEAVE;
        int o1, o2;
        long long p = PyLong_AsLongLongAndOverflow(epid, &o1);
        long long t = PyLong_AsLongLongAndOverflow(ets, &o2);
        if (o1 || o2 || PyErr_Occurred()) {
            PyErr_Clear();
            return LEAVE;
        }
        if (p == pid && t < ts)
            return 1;
    }
    return 0;
}

/* The process end Pairer._settle makes for a reaped process none of whose threads was in
 * a call: ThreadEnd(ts, TaskInfo(task=0, cr3=0, pid=pid, tid=pid), signal, status,
 * process=True, quiet=<not killed>, core=core). */
static PyObject *process_end(PyObject *ts, const Reaped *r)
{
    PyObject *who = shape_new(&S.who), *end = NULL;
    if (who == NULL)
        return NULL;
    PyObject *pid = PyLong_FromLongLong(r->pid);
    if (pid == NULL || slot_put(who, &S.who, W_TASK, Py_NewRef(S.zero)) < 0
        || slot_put(who, &S.who, W_CR3, Py_NewRef(S.zero)) < 0
        || slot_put(who, &S.who, W_TID, Py_NewRef(pid)) < 0
        || slot_put(who, &S.who, W_PID, Py_NewRef(pid)) < 0 || (end = shape_new(&S.end)) == NULL)
        goto out;
    PyObject *signal = r->signal < 0 ? Py_NewRef(Py_None) : PyLong_FromLong(r->signal);
    PyObject *status = r->status < 0 ? Py_NewRef(Py_None) : PyLong_FromLong(r->status);
    if (signal == NULL || status == NULL) {
        Py_XDECREF(signal);
        Py_XDECREF(status);
        Py_CLEAR(end);
    } else {
        slot_put(end, &S.end, T_SIGNAL, signal);
        slot_put(end, &S.end, T_STATUS, status);
        slot_put(end, &S.end, T_TS, Py_NewRef(ts));
        slot_put(end, &S.end, T_WHO, Py_NewRef(who));
        slot_put(end, &S.end, T_PROCESS, Py_NewRef(Py_True));
        slot_put(end, &S.end, T_QUIET, PyBool_FromLong(r->signal < 0));
        slot_put(end, &S.end, T_CORE, PyBool_FromLong(r->core));
    }
out:
    Py_XDECREF(pid);
    Py_DECREF(who);
    return end;
}

/* Pairer._after's commonest case, here: `ev` paired one reaping call (out[start:] is that
 * call, ev its exit), and nothing else is waiting or over a limit.  A process it reaped
 * whose threads are in no call ends there (its ThreadEnd before the call, as _settle puts
 * it), once every vCPU has gone past it; a call that reaped nothing leaves nothing to do.
 * 1: done (as _after would have done it), 0: _after's to do, -1 on error. */
Py_NO_INLINE static int reap_here(const Watch *w, PyObject *ev, int is_entry, PyObject *out,
                                  Py_ssize_t start)
{
    if (is_entry || PyList_GET_SIZE(out) - start != 1 || PyList_GET_SIZE(w->gone)
        || PyList_GET_SIZE(w->dying) || PyDict_GET_SIZE(w->pending) > w->lim_pending
        || PyDict_GET_SIZE(w->seqs) > w->lim_threads || PyDict_GET_SIZE(w->tasks) > w->lim_threads
        || PyDict_GET_SIZE(w->held) > w->lim_held)
        return 0;
    PyObject *call = PyList_GET_ITEM(out, start);
    if (!Py_IS_TYPE(call, S.call.cls) || !Py_IS_TYPE(ev, S.exit.cls))
        return 0;
    PyObject *entry = *(PyObject **)((char *)call + S.call.off[C_ENTRY]);
    PyObject *exit = *(PyObject **)((char *)call + S.call.off[C_EXIT]);
    PyObject *ret = *(PyObject **)((char *)call + S.call.off[C_RET]);
    if (exit != ev || ret == NULL || entry == NULL || !Py_IS_TYPE(entry, S.entry.cls))
        return 0;
    /* the call's REAP_ARG: the reaps of its ABI, {nr: arg} */
    PyObject *nr = *(PyObject **)((char *)entry + S.entry.off[E_NR]);
    PyObject *abi = *(PyObject **)((char *)entry + S.entry.off[E_ABI]);
    if (nr == NULL || abi == NULL)
        return 0;
    if (abi_sets(abi) < 0)
        return -1;
    PyObject *arg = B.abi_reaps == NULL || !PyDict_CheckExact(B.abi_reaps)
                        ? NULL
                        : PyDict_GetItemWithError(B.abi_reaps, nr);
    if (arg == NULL)
        return PyErr_Occurred() ? -1 : 0;
    long a = PyLong_Check(arg) ? PyLong_AsLong(arg) : 0;
    if (a == -1 && PyErr_Occurred())
        return -1;
    if (a != 1 && a != 2)
        return 0;
    int is32 = abi == S.i386 ? 1 : PyObject_RichCompareBool(abi, S.i386, Py_EQ);
    if (is32 < 0)
        return -1;
    Reaped r = {.pid = 0, .signal = -1, .status = -1, .core = 0};
    int dead = reaped(entry, exit, ret, a, is32, &r);
    if (dead != 0 && dead != 1)
        return dead == LEAVE ? 0 : -1;
    PyObject *ts = *(PyObject **)((char *)exit + S.exit.off[X_TS]);
    if (ts == NULL || !PyLong_CheckExact(ts))
        return 0;
    if (dead) {
        long long when = PyLong_AsLongLong(ts);
        if (when == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            return 0;
        }
        long long now = mark(w->marks, ev, 0, w->vcpus);
        if (now == -1 && PyErr_Occurred())
            return -1;
        if (when > now) /* a record made before it may still come: it waits (_after) */
            return 0;
        int busy = in_progress(w->pending, r.pid, when);
        if (busy != 0) /* its threads' calls end unfinished first (_bury) */
            return busy == 1 || busy == LEAVE ? 0 : -1;
        PyObject *end = process_end(ts, &r);
        int rc = end == NULL ? -1 : PyList_Insert(out, start, end);
        Py_XDECREF(end);
        if (rc < 0)
            return -1;
    }
    PyDict_Clear(w->marks); /* nothing waits for them */
    return 1;
}

PyDoc_STRVAR(pair_doc,
"pair(events, pending, seqs, held, dying, marks, tasks, gone, vcpus, after, limits,\n"
"     no_return, reaps, /)\n"
"    -> (calls, others, counts)\n\n"
"Pairer.feed() over a list: the Syscalls (and ThreadEnds) the events complete, in order;\n"
"the events that are neither RawEntry nor RawExit (Stats), for the caller; and the nine\n"
"counts to add to PairingCounts (entries, exits, paired, no_return, unfinished,\n"
"orphan_exits, held, gaps, stale).  ``pending``, ``seqs``, ``held`` and ``dying`` are the\n"
"Pairer's, updated in place, as are ``marks``, ``tasks`` and ``gone``; ``vcpus`` is its\n"
"vCPU count; ``after`` is\n"
"Pairer._after, called as after(event, calls, start) where Pairer._watching() would\n"
"(but for a reaping call's exit with nothing else to do, done here as it would do it);\n"
"``limits`` is its Limits (pending, threads, held_threads, dying); ``no_return`` is its\n"
"{abi: frozenset} of the calls that do not return, ``reaps`` its {abi: {nr: REAP_ARG}}.");

static PyObject *pair(PyObject *self, PyObject *const *argv, Py_ssize_t argc)
{
    (void)self;
    if (!S.ready) {
        PyErr_SetString(PyExc_RuntimeError, "_pairing.configure() was not called");
        return NULL;
    }
    if (argc != 13 || !PyList_Check(argv[0]) || !PyDict_Check(argv[1])
        || !PyDict_Check(argv[2]) || !PyDict_Check(argv[3]) || !PyList_Check(argv[4])
        || !PyDict_Check(argv[5]) || !PyDict_Check(argv[6]) || !PyList_Check(argv[7])
        || !PyLong_Check(argv[8]) || !PyTuple_Check(argv[10]) || !PyDict_Check(argv[11])
        || !PyDict_Check(argv[12])) {
        PyErr_SetString(PyExc_TypeError,
                        "pair(events: list, pending: dict, seqs: dict, held: dict, dying: list, "
                        "marks: dict, tasks: dict, gone: list, vcpus: int, after, "
                        "limits: tuple, no_return: dict, reaps: dict)");
        return NULL;
    }
    PyObject *events = argv[0], *pending = argv[1], *seqs = argv[2], *held = argv[3];
    PyObject *after = argv[9];
    Watch w = {.pending = pending, .seqs = seqs, .held = held, .dying = argv[4],
               .marks = argv[5], .tasks = argv[6], .gone = argv[7],
               .vcpus = PyLong_AsLong(argv[8])};
    if ((w.vcpus == -1 && PyErr_Occurred())
        || !PyArg_ParseTuple(argv[10], "nnnn", &w.lim_pending, &w.lim_threads, &w.lim_held,
                             &w.lim_dying))
        return NULL;
    B.pending = pending;
    B.seqs = seqs;
    B.tasks = w.tasks;
    B.gone = w.gone;
    B.no_return = argv[11];
    B.reaps = argv[12];
    b_forget();
    PyObject *out = PyList_New(0), *others = PyList_New(0);
    Py_ssize_t counts[NCOUNTS + 1] = {0};
    if (out == NULL || others == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(events); i++) {
        PyObject *ev = PyList_GET_ITEM(events, i);
        int is_entry = PyObject_TypeCheck(ev, S.entry.cls);
        int is_exit = !is_entry && PyObject_TypeCheck(ev, S.exit.cls);
        if (!is_entry && !is_exit) {
            if (PyList_Append(others, ev) < 0)
                goto fail;
            continue;
        }
        Py_INCREF(ev);  /* the list may change under a callback */
        PyObject *seq_obj = slot_get(ev, is_entry ? &S.entry : &S.exit,
                                     is_entry ? E_SEQ : X_SEQ);
        long seq = seq_obj == NULL ? -1 : PyLong_AsLong(seq_obj);
        int rc, never;
        Py_ssize_t start = PyList_GET_SIZE(out);
        if (seq == -1 && PyErr_Occurred())
            rc = -1;
        else if (seq > 0)
            rc = in_turn(ev, is_entry, seq, seq_obj, pending, seqs, held, out, counts);
        else
            rc = take(ev, is_entry, pending, out, counts, &never);
        Py_XDECREF(seq_obj);
        int reaps = counts[REAPED] != 0;
        int work = rc == 0 ? watching(&w, ev, is_entry, counts) : 0;
        if (work > 0 && reaps) {
            int done = reap_here(&w, ev, is_entry, out, start);
            work = done < 0 ? -1 : !done;
        }
        if (work < 0)
            rc = -1;
        else if (work) {
            PyObject *r = PyObject_CallFunction(after, "OOn", ev, out, start);
            rc = r == NULL ? -1 : 0;
            Py_XDECREF(r);
            Py_CLEAR(B.noted); /* (it may have let some of `tasks` go) */
        }
        Py_DECREF(ev);
        if (rc < 0)
            goto fail;
    }
    b_forget();
    return Py_BuildValue("(NN(nnnnnnnnn))", out, others, counts[ENTRIES], counts[EXITS],
                         counts[PAIRED], counts[NO_RETURN], counts[UNFINISHED],
                         counts[ORPHANS], counts[HELD], counts[GAPS], counts[STALE]);
fail:
    b_forget();
    Py_XDECREF(out);
    Py_XDECREF(others);
    return NULL;
}

PyDoc_STRVAR(configure_doc,
"configure(entry_cls, exit_cls, taskinfo_cls, syscall_cls, mem_cls, threadend_cls,\n"
"          return_value, i386, hold_limit)");

static PyObject *configure(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *entry_cls, *exit_cls, *who_cls, *syscall_cls, *mem_cls, *end_cls, *ret_fn, *i386;
    long hold_limit;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!O!OUl", &PyType_Type, &entry_cls, &PyType_Type,
                          &exit_cls, &PyType_Type, &who_cls, &PyType_Type, &syscall_cls,
                          &PyType_Type, &mem_cls, &PyType_Type, &end_cls, &ret_fn, &i386,
                          &hold_limit))
        return NULL;
    if (S.sigframe_arg == NULL && (S.sigframe_arg = PyLong_FromLong(VMST_ARG_SIGFRAME)) == NULL)
        return NULL;
    if (S.blobs == NULL && (S.blobs = blobs_type()) == NULL)
        return NULL;
    S.hold_limit = hold_limit;
#define NFIELDS(a) ((int)(sizeof(a) / sizeof((a)[0])))
    if (shape_init(&S.entry, entry_cls, entry_fields, NFIELDS(entry_fields)) < 0
        || shape_init(&S.exit, exit_cls, exit_fields, NFIELDS(exit_fields)) < 0
        || shape_init(&S.who, who_cls, who_fields, NFIELDS(who_fields)) < 0
        || shape_init(&S.call, syscall_cls, call_fields, NFIELDS(call_fields)) < 0
        || shape_init(&S.mem, mem_cls, mem_fields, NFIELDS(mem_fields)) < 0
        || shape_init(&S.end, end_cls, end_fields, NFIELDS(end_fields)) < 0)
        return NULL;
#undef NFIELDS
    Py_XSETREF(S.return_value, Py_NewRef(ret_fn));
    Py_XSETREF(S.i386, Py_NewRef(i386));
    S.ready = 1;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"pair", (PyCFunction)(void (*)(void))pair, METH_FASTCALL, pair_doc},
    {"configure", configure, METH_VARARGS, configure_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "vmstrace.trace._pairing",
    "The pairing stage's compiled batch loop (see pairing.py).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__pairing(void)
{
    S.zero = PyLong_FromLong(0);
    S.page_mask = PyLong_FromLong(~0xFFFL);
    if (S.zero == NULL || S.page_mask == NULL)
        return NULL;
    return PyModule_Create(&module);
}

/* A buffer exporter over foreign memory (an mbuf's data) whose exports can be counted and
 * revoked: what makes Mbuf.data safe against use after free. Every memoryview (and every
 * numpy array or memoryview derived from one) holds an export of its Window; pydpdk revokes the
 * Window when the mbuf is freed, sent or enqueued, which fails while an export is alive.
 *
 * The type is created by pydpdk_window_install() (called once from Python: it takes the GIL
 * itself) and published as sys.modules["pydpdk._window"].Window. Built against the stable ABI
 * of Python 3.11 (the buffer protocol entered it in 3.11), the full API on older Pythons. */
#include "strict.h"

#include <pyconfig.h>
#if PY_VERSION_HEX >= 0x030B0000
#  undef Py_LIMITED_API
#  define Py_LIMITED_API 0x030B0000
#endif
#include <Python.h>

#include "window.h"

typedef struct {
    PyObject_HEAD
    char *addr;
    Py_ssize_t len;
    Py_ssize_t exports;
    int dead;
} Window;

static int window_getbuffer(PyObject *self, Py_buffer *view, int flags)
{
    Window *w = (Window *)self;
    if (w->dead) {
        PyErr_SetString(PyExc_ValueError,
                        "this packet buffer was released: its mbuf was freed, sent or enqueued");
        view->obj = NULL;
        return -1;
    }
    if (PyBuffer_FillInfo(view, self, w->addr, w->len, 0, flags) < 0)
        return -1;
    w->exports++;
    return 0;
}

static void window_releasebuffer(PyObject *self, Py_buffer *view)
{
    (void)view;
    ((Window *)self)->exports--;
}

static PyObject *window_revoke(PyObject *self, PyObject *unused)
{
    Window *w = (Window *)self;
    (void)unused;
    if (w->exports > 0)
        Py_RETURN_FALSE;
    w->dead = 1;
    w->addr = NULL;
    w->len = 0;
    Py_RETURN_TRUE;
}

static PyObject *window_get_exports(PyObject *self, void *closure)
{
    (void)closure;
    return PyLong_FromSsize_t(((Window *)self)->exports);
}

static PyObject *window_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    unsigned long long addr;
    Py_ssize_t len;
    Window *w;
    (void)kwds;
    if (!PyArg_ParseTuple(args, "Kn", &addr, &len))
        return NULL;
    if (len < 0) {
        PyErr_SetString(PyExc_ValueError, "len must be >= 0");
        return NULL;
    }
    w = (Window *)((allocfunc)PyType_GetSlot(type, Py_tp_alloc))(type, 0);
    if (w == NULL)
        return NULL;
    w->addr = (char *)(uintptr_t)addr;
    w->len = len;
    w->exports = 0;
    w->dead = 0;
    return (PyObject *)w;
}

static void window_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    ((freefunc)PyType_GetSlot(tp, Py_tp_free))(self);
    Py_DECREF(tp);
}

static PyMethodDef window_methods[] = {
    {"revoke", window_revoke, METH_NOARGS,
     "Make every later use raise; False (and nothing changed) while an export is alive."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef window_getset[] = {
    {"exports", window_get_exports, NULL, "Buffers exported and not released yet.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot window_slots[] = {
    {Py_tp_new, (void *)window_new},
    {Py_tp_dealloc, (void *)window_dealloc},
    {Py_tp_methods, window_methods},
    {Py_tp_getset, window_getset},
    {Py_tp_doc, (void *)"Window(addr, len): a revocable writable buffer over foreign memory."},
    {Py_bf_getbuffer, (void *)window_getbuffer},
    {Py_bf_releasebuffer, (void *)window_releasebuffer},
    {0, NULL},
};

static PyType_Spec window_spec = {
    "pydpdk._window.Window", sizeof(Window), 0, Py_TPFLAGS_DEFAULT, window_slots,
};

int pydpdk_window_install(void)
{
    PyGILState_STATE gil = PyGILState_Ensure();
    int rc = -1;
    PyObject *mod = PyImport_AddModule("pydpdk._window");   /* borrowed */
    PyObject *type = NULL;
    if (mod == NULL)
        goto out;
    if (PyObject_HasAttrString(mod, "Window")) {
        rc = 0;
        goto out;
    }
    type = PyType_FromSpec(&window_spec);
    if (type == NULL)
        goto out;
    rc = PyObject_SetAttrString(mod, "Window", type);
    Py_DECREF(type);
out:
    if (rc < 0)
        PyErr_Print();
    PyGILState_Release(gil);
    return rc;
}

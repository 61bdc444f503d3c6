/* A scanner for one layout of UDL CSV rows: the download tool's, quoting off.
 *
 * The Python side (``scan_csv``) learns the layout from the first data row (``fast_layout``)
 * and calls ``scan`` on a range of whole lines of the file's bytes (a mmap), in two threads
 * (the GIL is released while scanning). Each line must hold exactly ``ntok`` comma-separated
 * tokens; each token we read is converted in place:
 *
 *   kind 1, a number: the token must be prefix + [-]digits[.digits][(e|E)[+|-]digits] +
 *     suffix. Up to 2^53 and a power of ten within 10^+-22, the value is one correctly
 *     rounded IEEE operation on two exact doubles (Clinger's fast path); up to 19 digits
 *     and 10^+-27, one on two exact x87 long doubles, checked (``extended``); other
 *     numbers are set aside and converted afterwards with Python's own correctly rounded
 *     parser (PyOS_string_to_double). Either way, the double nearest the decimal.
 *   kind 2, a time: exactly YYYY-MM-DDTHH:MM:SS.fffZ, a valid date, as int64 ns since 1970.
 *   kind 3, a label: prefix + text + suffix; the text gets a code, one per distinct text
 *     in the order first seen, and the distinct texts are returned as bytes.
 *
 * Anything else (a token of another form, a line with more or fewer tokens, an empty line,
 * too many distinct labels) declines the range: ``scan`` returns a reason as text, and the
 * caller leaves the file to the other readers, which judge it with their own rules. The
 * scanner never decides what bad input means; it only recognizes the ordinary case.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define MAX_TOKENS 256
#define MAX_TOKEN_CHARS 256
#define TABLE_SIZE 8192 /* distinct labels per token: at most half of it */
#define MAX_LABELS (TABLE_SIZE / 2)

enum { SKIP = 0, NUMBER = 1, TIME = 2, LABEL = 3 };

typedef struct {
    const char *ptr;
    Py_ssize_t len;
} Text;

typedef struct {
    int32_t slot[TABLE_SIZE]; /* index into names + 1; 0: empty */
    Text names[MAX_LABELS];
    int count;
} LabelTable;

typedef struct {
    const char *ptr;
    int len;
    double *out;
} Slow;

typedef struct {
    int kind;
    const char *prefix;
    Py_ssize_t prefix_len;
    const char *suffix;
    Py_ssize_t suffix_len;
    char *out; /* float64, int64 or int32 values, one per line */
    LabelTable *labels;
} Token;

typedef struct {
    Slow *items;
    Py_ssize_t count, capacity;
} SlowList;

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#if defined(__x86_64__) && LDBL_MANT_DIG == 64
/* Powers of ten up to 10^27: 5^27 < 2^64, so each is exact in an x87 long double. */
static const long double POW10L[28] = {
    1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
    1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
    1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};

/* The double nearest mantissa * 10^exponent (up to 19 digits, |exponent| <= 27: the
 * 17-digit numbers of a repr): the quotient or product of two exact long doubles is
 * rounded once to 64 bits, then to 53. That second rounding errs only when the first
 * lands exactly on a midpoint between two doubles (the 11 bits dropped are 100 0000 0000);
 * such a number is left to the exact parser (1), as are larger exponents. */
static int extended(uint64_t mantissa, int64_t exponent, double *out) {
    if (exponent < -27 || exponent > 27) return 1;
    long double x = exponent < 0 ? (long double)mantissa / POW10L[-exponent]
                                 : (long double)mantissa * POW10L[exponent];
    uint64_t significand;
    memcpy(&significand, &x, sizeof(significand)); /* the low 8 bytes of the 80 */
    if ((significand & 0x7FF) == 0x400) return 1;
    *out = (double)x;
    return 0;
}
#else
static int extended(uint64_t mantissa, int64_t exponent, double *out) {
    (void)mantissa, (void)exponent, (void)out;
    return 1; /* no 64-bit long double: the exact parser */
}
#endif

/* 0: parsed into *out; 1: a number, but set aside for the exact parser; -1: not a number
 * of the accepted form. */
static int parse_number(const char *p, Py_ssize_t n, double *out) {
    const char *end = p + n, *digits;
    int negative = 0, fraction = 0;
    uint64_t mantissa = 0; /* wraps beyond 19 digits: such a number is set aside */
    int64_t exponent = 0;
    if (p < end && *p == '-') {
        negative = 1;
        p++;
    }
    for (digits = p; p < end && (unsigned)(*p - '0') < 10; p++)
        mantissa = mantissa * 10 + (uint64_t)(*p - '0');
    Py_ssize_t count = p - digits;
    if (count == 0) return -1;
    if (p < end && *p == '.') {
        const char *first = ++p;
        for (; p < end && (unsigned)(*p - '0') < 10; p++)
            mantissa = mantissa * 10 + (uint64_t)(*p - '0');
        fraction = (int)(p - first);
        if (fraction == 0) return -1;
        count += fraction;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        int sign = 1, edigits = 0;
        int64_t e = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            sign = *p == '-' ? -1 : 1;
            p++;
        }
        for (; p < end && (unsigned)(*p - '0') < 10; p++, edigits++)
            if (e < 100000) e = e * 10 + (*p - '0');
        if (edigits == 0) return -1;
        exponent = sign * e;
    }
    if (p != end) return -1;
    exponent -= fraction;
    if (count > 19) return 1;
    double value;
    if (mantissa <= ((uint64_t)1 << 53) && exponent >= -22 && exponent <= 22) {
        value = (double)mantissa;
        value = exponent < 0 ? value / POW10[-exponent] : value * POW10[exponent];
    } else if (extended(mantissa, exponent, &value) != 0) {
        return 1;
    }
    *out = negative ? -value : value;
    return 0;
}

static int two(const char *p) {
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') return -1;
    return (p[0] - '0') * 10 + (p[1] - '0');
}

static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* YYYY-MM-DDTHH:MM:SS.fffZ as ns since 1970; -1 when not of that form or not a date. */
static int parse_time(const char *p, Py_ssize_t n, int64_t *out) {
    static const int MONTH_DAYS[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n != 24 || p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' ||
        p[16] != ':' || p[19] != '.' || p[23] != 'Z')
        return -1;
    int hi = two(p), lo = two(p + 2), month = two(p + 5), day = two(p + 8);
    int hour = two(p + 11), minute = two(p + 14), second = two(p + 17);
    int ms_hi = two(p + 20), ms_lo = p[22] - '0';
    if (hi < 0 || lo < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 ||
        minute < 0 || minute > 59 || second < 0 || second > 59 || ms_hi < 0 || ms_lo < 0 ||
        ms_lo > 9)
        return -1;
    int year = hi * 100 + lo;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > MONTH_DAYS[month - 1] + (month == 2 && leap)) return -1;
    if (year < 1678 || year > 2261) return -1; /* beyond int64 ns: the other readers say */
    int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                      second;
    *out = seconds * 1000000000 + (int64_t)(ms_hi * 10 + ms_lo) * 1000000;
    return 0;
}

static uint64_t load8(const char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* memcmp(a, b, n) == 0, inline: the texts compared are short. */
static int equal_bytes(const char *a, const char *b, Py_ssize_t n) {
    for (; n >= 8; a += 8, b += 8, n -= 8)
        if (load8(a) != load8(b)) return 0;
    for (; n > 0; a++, b++, n--)
        if (*a != *b) return 0;
    return 1;
}

/* The commas of [p, last), up to ``most`` + 1 of them, into ``at``; how many. Sixteen
 * bytes at a time where SSE2 is there (every x86-64), never reading past ``last``. */
static int find_commas(const char *p, const char *last, const char **at, int most) {
    int n = 0;
    const char *q = p;
#ifdef __SSE2__
    const __m128i comma = _mm_set1_epi8(',');
    for (; q + 16 <= last; q += 16) {
        __m128i block = _mm_loadu_si128((const __m128i *)q);
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(block, comma));
        for (; mask; mask &= mask - 1) {
            at[n++] = q + __builtin_ctz(mask);
            if (n > most) return n;
        }
    }
#endif
    for (; q < last; q++) {
        if (*q == ',') {
            at[n++] = q;
            if (n > most) return n;
        }
    }
    return n;
}

/* A hash of the length and the first and last eight bytes: labels differ there (sensor
 * and flavor names end in their number or letter); equal hashes are compared in full. */
static uint64_t label_hash(const char *p, Py_ssize_t n) {
    uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ULL;
    if (n >= 8) {
        h ^= load8(p) * 0xC2B2AE3D27D4EB4FULL;
        h ^= load8(p + n - 8) * 0x165667B19E3779F9ULL;
    } else {
        for (Py_ssize_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 0x100000001B3ULL;
    }
    return h ^ (h >> 31);
}

static int label_code(LabelTable *t, const char *p, Py_ssize_t n) {
    uint64_t h = label_hash(p, n);
    size_t k = (size_t)(h ^ (h >> 29)) & (TABLE_SIZE - 1);
    for (;;) {
        int32_t s = t->slot[k];
        if (s == 0) break;
        Text *name = &t->names[s - 1];
        if (name->len == n && equal_bytes(name->ptr, p, n)) return s - 1;
        k = (k + 1) & (TABLE_SIZE - 1);
    }
    if (t->count == MAX_LABELS) return -1;
    t->names[t->count].ptr = p;
    t->names[t->count].len = n;
    t->slot[k] = ++t->count;
    return t->count - 1;
}

static int set_aside(SlowList *slow, const char *p, Py_ssize_t n, double *out) {
    if (slow->count == slow->capacity) {
        Py_ssize_t capacity = slow->capacity ? slow->capacity * 2 : 1024;
        Slow *items = realloc(slow->items, (size_t)capacity * sizeof(Slow));
        if (items == NULL) return -1;
        slow->items = items;
        slow->capacity = capacity;
    }
    slow->items[slow->count++] = (Slow){p, (int)n, out};
    return 0;
}

/* The token's text between its prefix and suffix; NULL when it lacks them. */
static const char *inner(const Token *t, const char *p, Py_ssize_t *n) {
    if (*n < t->prefix_len + t->suffix_len || *n > MAX_TOKEN_CHARS) return NULL;
    if (!equal_bytes(p, t->prefix, t->prefix_len)) return NULL;
    if (!equal_bytes(p + *n - t->suffix_len, t->suffix, t->suffix_len)) return NULL;
    *n -= t->prefix_len + t->suffix_len;
    return p + t->prefix_len;
}

/* NULL when every line was read, else why not (static text). */
static const char *scan_lines(const char *p, const char *end, Token *tokens, int ntok,
                              Py_ssize_t capacity, Py_ssize_t *lines, SlowList *slow) {
    Py_ssize_t row = 0;
    const char *commas[MAX_TOKENS + 1];
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL) return "the range does not end with a newline";
        const char *last = eol > p && eol[-1] == '\r' ? eol - 1 : eol; /* CRLF */
        if (last == p) return "an empty line";
        if (row == capacity) return "more lines than the outputs hold";
        int found = find_commas(p, last, commas, ntok - 1);
        if (found < ntok - 1) return "a line with fewer tokens than the first";
        if (found > ntok - 1) return "a line with more tokens than the first";
        commas[ntok - 1] = last;
        for (int k = 0; k < ntok; k++) {
            const char *stop = commas[k];
            Token *t = &tokens[k];
            if (t->kind != SKIP) {
                Py_ssize_t n = stop - p;
                const char *text = inner(t, p, &n);
                if (text == NULL) return "a token without the first line's prefix or suffix";
                if (t->kind == NUMBER) {
                    double *out = (double *)t->out + row;
                    int done = parse_number(text, n, out);
                    if (done < 0) return "a number of another form";
                    if (done > 0 && set_aside(slow, text, n, out) < 0) return "out of memory";
                } else if (t->kind == TIME) {
                    if (parse_time(text, n, (int64_t *)t->out + row) < 0)
                        return "a time of another form";
                } else {
                    int code = label_code(t->labels, text, n);
                    if (code < 0) return "too many distinct labels";
                    ((int32_t *)t->out)[row] = code;
                }
            }
            p = stop + 1;
        }
        p = eol + 1;
        row++;
    }
    *lines = row;
    return NULL;
}

/* The newlines of [begin, stop); -1 if a carriage return there is not followed by one. */
static Py_ssize_t count_lines(const char *begin, const char *stop) {
    Py_ssize_t count = 0;
    const char *q = begin;
#ifdef __SSE2__
    const __m128i newline = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    for (; q + 16 <= stop; q += 16) {
        __m128i block = _mm_loadu_si128((const __m128i *)q);
        unsigned nl = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(block, newline));
        unsigned crs = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(block, cr));
        for (; nl; nl &= nl - 1) count++; /* a few lines a block at most */
        for (; crs; crs &= crs - 1) {
            const char *at = q + __builtin_ctz(crs);
            if (at + 1 == stop || at[1] != '\n') return -1;
        }
    }
#endif
    for (; q < stop; q++) {
        if (*q == '\n') count++;
        if (*q == '\r' && (q + 1 == stop || q[1] != '\n')) return -1;
    }
    return count;
}

/* lines(data, start, end) -> the newlines in the range, or -1 when it holds a carriage
 * return not followed by a newline (the CSV parser would end a line there too: the range
 * is not ours to scan). */
static PyObject *lines(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer data;
    Py_ssize_t start, end, count = 0;
    if (!PyArg_ParseTuple(args, "y*nn", &data, &start, &end)) return NULL;
    if (start < 0 || end > data.len || start > end) {
        PyBuffer_Release(&data);
        PyErr_SetString(PyExc_ValueError, "lines: the range is outside the data");
        return NULL;
    }
    const char *begin = (const char *)data.buf + start, *stop = (const char *)data.buf + end;
    Py_BEGIN_ALLOW_THREADS
    count = count_lines(begin, stop);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    return PyLong_FromSsize_t(count);
}

static int text_arg(PyObject *seq, int k, const char **ptr, Py_ssize_t *len) {
    PyObject *item = PyTuple_GET_ITEM(seq, k);
    if (!PyBytes_Check(item)) {
        PyErr_SetString(PyExc_TypeError, "prefixes and suffixes must be bytes");
        return -1;
    }
    *ptr = PyBytes_AS_STRING(item);
    *len = PyBytes_GET_SIZE(item);
    return 0;
}

static PyObject *label_lists(Token *tokens, int ntok) {
    PyObject *out = PyList_New(0);
    if (out == NULL) return NULL;
    for (int k = 0; k < ntok; k++) {
        if (tokens[k].kind != LABEL) continue;
        LabelTable *t = tokens[k].labels;
        PyObject *names = PyList_New(t->count);
        if (names == NULL || PyList_Append(out, names) < 0) {
            Py_XDECREF(names);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(names);
        for (int i = 0; i < t->count; i++) {
            PyObject *b = PyBytes_FromStringAndSize(t->names[i].ptr, t->names[i].len);
            if (b == NULL) {
                Py_DECREF(out);
                return NULL;
            }
            PyList_SET_ITEM(names, i, b);
        }
    }
    return out;
}

/* The numbers set aside, with Python's parser; the reason when one does not parse. */
static const char *exact_numbers(SlowList *slow) {
    char text[MAX_TOKEN_CHARS + 1];
    for (Py_ssize_t i = 0; i < slow->count; i++) {
        Slow *s = &slow->items[i];
        memcpy(text, s->ptr, (size_t)s->len);
        text[s->len] = '\0';
        double value = PyOS_string_to_double(text, NULL, NULL);
        if (value == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            return "a number Python does not parse";
        }
        *s->out = value;
    }
    return NULL;
}

/* scan(data, start, end, kinds, prefixes, suffixes, outs)
 *   -> (lines, [distinct labels per label token, in token order]) or a reason (str) */
static PyObject *scan(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer data;
    Py_ssize_t start, end;
    PyObject *kinds, *prefixes, *suffixes, *outs;
    if (!PyArg_ParseTuple(args, "y*nnSO!O!O!", &data, &start, &end, &kinds, &PyTuple_Type,
                          &prefixes, &PyTuple_Type, &suffixes, &PyTuple_Type, &outs))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t ntok = PyBytes_GET_SIZE(kinds);
    Token tokens[MAX_TOKENS];
    Py_buffer views[MAX_TOKENS];
    int viewed = 0;
    SlowList slow = {NULL, 0, 0};
    memset(tokens, 0, sizeof(tokens));
    if (ntok < 1 || ntok > MAX_TOKENS || PyTuple_GET_SIZE(prefixes) != ntok ||
        PyTuple_GET_SIZE(suffixes) != ntok || PyTuple_GET_SIZE(outs) != ntok || start < 0 ||
        end > data.len || start > end) {
        PyErr_SetString(PyExc_ValueError, "scan: arguments do not agree");
        goto done;
    }
    for (int k = 0; k < ntok; k++) {
        Token *t = &tokens[k];
        t->kind = (unsigned char)PyBytes_AS_STRING(kinds)[k];
        if (t->kind > LABEL) {
            PyErr_SetString(PyExc_ValueError, "scan: a kind is not 0 to 3");
            goto done;
        }
        if (t->kind == SKIP) continue;
        if (text_arg(prefixes, k, &t->prefix, &t->prefix_len) < 0 ||
            text_arg(suffixes, k, &t->suffix, &t->suffix_len) < 0)
            goto done;
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(outs, k), &views[k], PyBUF_WRITABLE) < 0)
            goto done;
        viewed = k + 1;
        t->out = views[k].buf;
        if (t->kind == LABEL) {
            t->labels = calloc(1, sizeof(LabelTable));
            if (t->labels == NULL) {
                PyErr_NoMemory();
                goto done;
            }
        }
    }
    /* The lines the outputs hold. */
    Py_ssize_t capacity = PY_SSIZE_T_MAX;
    for (int k = 0; k < ntok; k++) {
        if (tokens[k].kind == SKIP) continue;
        Py_ssize_t size = tokens[k].kind == LABEL ? 4 : 8;
        if (views[k].len / size < capacity) capacity = views[k].len / size;
    }
    const char *begin = (const char *)data.buf + start, *stop = (const char *)data.buf + end;
    Py_ssize_t rows = 0;
    const char *why;
    Py_BEGIN_ALLOW_THREADS
    why = scan_lines(begin, stop, tokens, (int)ntok, capacity, &rows, &slow);
    Py_END_ALLOW_THREADS
    if (why == NULL) why = exact_numbers(&slow);
    if (why != NULL) {
        result = PyUnicode_FromString(why);
        goto done;
    }
    PyObject *labels = label_lists(tokens, (int)ntok);
    if (labels != NULL) result = Py_BuildValue("(nN)", rows, labels);
done:
    for (int k = 0; k < viewed; k++)
        if (tokens[k].kind != SKIP) PyBuffer_Release(&views[k]);
    for (int k = 0; k < ntok && k < MAX_TOKENS; k++) free(tokens[k].labels);
    free(slow.items);
    PyBuffer_Release(&data);
    return result;
}

static PyMethodDef METHODS[] = {
    {"lines", lines, METH_VARARGS, "Count the newlines of a range (-1: it holds a CR)."},
    {"scan", scan, METH_VARARGS, "Scan whole lines of one CSV layout (see the module)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_udlscan",
    .m_doc = "A scanner for one layout of UDL CSV rows.",
    .m_size = -1,
    .m_methods = METHODS,
};

PyMODINIT_FUNC PyInit__udlscan(void) { return PyModule_Create(&MODULE); }

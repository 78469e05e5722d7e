/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Configuration: the capture spec file written by the Python side (its grammar is in
 * docs/event-format.md) and the RAM file mapped for page walks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmstrace_plugin.h"
#include "vmstrace_records.h"

static const char *const fdw_names[FDW_COUNT] = {
#define X(name, key) #key,
    VMST_FDWALK_KEYS(X)
#undef X
};

static const char *const kind_names[KIND_COUNT] = {
#define X(name, word) #word,
    VMST_SPEC_KINDS(X)
#undef X
};

/* ---- configuration --------------------------------------------------------------------- */

static bool parse_size(const char *s, Capture *c)
{
    char *end;
    if (strcmp(s, "-") == 0) {
        c->size_src = SIZE_NONE;
        return true;
    }
    if (strcmp(s, "ret") == 0) {
        c->size_src = SIZE_RET;
        return true;
    }
    if ((s[0] == 'a' || s[0] == 'c') && s[1]) {
        unsigned long val = strtoul(s + 1, &end, 10);
        if (*end || (s[0] == 'a' && val > 5) || val > VMST_MAX_BYTES) {
            return false;
        }
        c->size_src = s[0] == 'a' ? SIZE_ARG : SIZE_CONST;
        c->size_val = (uint32_t)val;
        return true;
    }
    return false;
}

/* An `fdarr` capture's two forms: at exit a constant count of ints (pipe2, socketpair); at
 * entry a count from an argument, at most `cap` of them, one every `elem_cap` bytes (poll). */
static bool fdarr_ok(const Capture *c)
{
    if (c->when == WHEN_EXIT) {
        return c->size_src == SIZE_CONST && c->size_val <= VMST_MAX_FDARR;
    }
    return c->when == WHEN_ENTRY && c->size_src == SIZE_ARG && c->cap <= VMST_MAX_FDLIST &&
           c->elem_cap >= 4 && c->elem_cap <= 64 && c->elem_cap % 4 == 0;
}

/* The call set a `NAME ABI nr...` spec line fills, or NULL if the line is another kind. */
static bool (*call_set(const char *line))[VMST_MAX_NR]
{
    if (strncmp(line, "task_refresh ", 13) == 0) {
        return g.task_refresh;
    }
    if (strncmp(line, "noreturn ", 9) == 0) {
        return g.noreturn;
    }
    if (strncmp(line, "resumes_elsewhere ", 18) == 0) {
        return g.resumes_elsewhere;
    }
    if (strncmp(line, "sigreturn ", 10) == 0) {
        return g.sigreturn;
    }
    return NULL;
}

bool load_spec(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "vmstrace plugin: cannot open spec %s: %s\n", path, strerror(errno));
        return false;
    }
    bool ok = read_spec(f, path);
    fclose(f);
    return ok;
}

/* The spec's lines from `f` (`what` names it in errors), applied to the plugin's state. */
bool read_spec(FILE *f, const char *what)
{
    char line[1024];
    int lineno = 0;
    while (fgets(line, sizeof(line), f)) {
        char a[16], b[16], c[16];
        unsigned long long x, y;
        unsigned int abi, nr, arg, cap, ecap;
        unsigned long long z = 0;
        lineno++;
        if (lineno == 1) {
            if (strncmp(line, VMST_SPEC_HEADER, sizeof(VMST_SPEC_HEADER) - 1) != 0) {
                goto bad;
            }
        } else if (sscanf(line, "task_ptr %llx", &x) == 1) {
            g.have_task = true;
            g.percpu_task = x;
        } else if (sscanf(line, "task_field %llx %llu", &x, &y) == 2 ||
                   sscanf(line, "task_deref %llx %llx %llu", &z, &x, &y) == 3) {
            bool deref = strncmp(line, "task_deref", 10) == 0;
            if (g.n_task_fields >= MAX_TASK_FIELDS || y == 0 || y > 64 || x > 1 << 16 ||
                (deref && z > 1 << 16)) {
                goto bad;
            }
            TaskField *t = &g.task_fields[g.n_task_fields++];
            t->off = (uint32_t)x;
            t->len = (uint32_t)y;
            t->ptr_off = deref ? (int32_t)z : -1;
            g.task_bytes += (uint32_t)y;
        } else if (call_set(line) != NULL) {
            bool(*set)[VMST_MAX_NR] = call_set(line);
            char *rest = strchr(line, ' ') + 1, *end;
            unsigned long which = strtoul(rest, &end, 10);
            if (which != 64 && which != 32) {
                goto bad;
            }
            for (rest = end; *rest && *rest != '\n';) {
                unsigned long n = strtoul(rest, &end, 10);
                if (end == rest || n >= VMST_MAX_NR) {
                    goto bad;
                }
                set[which == 32][n] = true;
                rest = end;
                while (*rest == ' ') {
                    rest++;
                }
            }
        } else if (strncmp(line, "nargs ", 6) == 0) {
            /* nargs ABI N NR...: these calls take N arguments; the rest may take all 6 */
            char *rest = line + 6, *end;
            unsigned long which = strtoul(rest, &end, 10), n;
            rest = end;
            n = strtoul(rest, &end, 10);
            if ((which != 64 && which != 32) || end == rest || n > 6) {
                goto bad;
            }
            for (rest = end; *rest == ' ';) {
                unsigned long nr = strtoul(rest, &end, 10);
                if (end == rest || nr >= VMST_MAX_NR) {
                    goto bad;
                }
                g.argmask[which == 32][nr] = (uint8_t)((1u << n) - 1);
                rest = end;
            }
            if (*rest != '\n' && *rest != 0) {
                goto bad;
            }
        } else if (strncmp(line, "fdwalk ", 7) == 0) {
            int found = 0;
            for (char *tok = strtok(line + 7, " \n"); tok; tok = strtok(NULL, " \n")) {
                char *eqs = strchr(tok, '=');
                if (!eqs) {
                    goto bad;
                }
                *eqs = 0;
                for (int k = 0; k < FDW_COUNT; k++) {
                    if (strcmp(tok, fdw_names[k]) == 0) {
                        unsigned long long val = strtoull(eqs + 1, NULL, 0);
                        if (val > (1u << 16)) {
                            goto bad;
                        }
                        g.fdw[k] = (uint32_t)val;
                        found++;
                    }
                }
            }
            if (found != FDW_COUNT) {
                goto bad;
            }
            g.have_fdw = true;
        } else if (sscanf(line, "sys %u %u %u %15s %15s %15s %u %u", &abi, &nr, &arg, a, b, c,
                          &cap, &ecap) == 8) {
            if ((abi != 64 && abi != 32) || nr >= VMST_MAX_NR || arg > 5 || cap > VMST_MAX_BYTES ||
                ecap > VMST_MAX_BYTES) {
                goto bad;
            }
            CallSpec *cs = &g.spec[abi == 32][nr];
            if (cs->n >= MAX_CAPS_PER_CALL) {
                goto bad;
            }
            Capture *cp = &cs->caps[cs->n];
            memset(cp, 0, sizeof(*cp));
            cp->arg = (uint8_t)arg;
            cp->cap = cap;
            cp->elem_cap = ecap;
            if (strcmp(a, "entry") == 0) {
                cp->when = WHEN_ENTRY;
            } else if (strcmp(a, "exit") == 0) {
                cp->when = WHEN_EXIT;
            } else if (strcmp(a, "both") == 0) {
                cp->when = WHEN_BOTH;
            } else {
                goto bad;
            }
            int kind = 0;
            while (kind < KIND_COUNT && strcmp(b, kind_names[kind]) != 0) {
                kind++;
            }
            if (kind == KIND_COUNT) {
                goto bad;
            }
            cp->kind = (uint8_t)kind;
            cs->has_execstack |= kind == KIND_EXECSTACK;
            if (!parse_size(c, cp) || (cp->size_src == SIZE_RET && cp->when != WHEN_EXIT) ||
                (cp->kind == KIND_FDARR && !fdarr_ok(cp)) ||
                (cp->kind == KIND_FDBITS &&
                 (cp->when != WHEN_ENTRY || cp->size_src != SIZE_ARG || cp->cap > VMST_MAX_FDLIST)) ||
                (cp->kind == KIND_CMSGFDS &&
                 (cp->when == WHEN_BOTH || cp->size_src != SIZE_NONE || cp->cap > VMST_MAX_FDLIST))) {
                goto bad;
            }
            cs->n++;
        } else if (line[0] != '\n' && line[0] != '#') {
            goto bad;
        }
    }
    if (lineno == 0) {
        fprintf(stderr, "vmstrace plugin: %s: empty spec\n", what);
        return false;
    }
    /* Whatever a capture reads an address or a length from is read too. */
    for (int abi = 0; abi < 2; abi++) {
        for (unsigned int nr = 0; nr < VMST_MAX_NR; nr++) {
            const CallSpec *cs = &g.spec[abi][nr];
            for (int i = 0; i < cs->n; i++) {
                g.argmask[abi][nr] |= (uint8_t)(1u << cs->caps[i].arg);
                if (cs->caps[i].size_src == SIZE_ARG) {
                    g.argmask[abi][nr] |= (uint8_t)(1u << cs->caps[i].size_val);
                }
            }
        }
    }
    return true;
bad:
    fprintf(stderr, "vmstrace plugin: %s:%d: bad spec line: %s", what, lineno, line);
    return false;
}

/* Maps the RAM file read-only; QEMU writes it, the walk reads it (MAP_SHARED). */
bool map_ram(const char *path)
{
    struct stat st;
    if (g.ram_low == 0) {
        g.ram_low = g.ram_size;
    }
    if (g.ram_size == 0 || g.ram_size % PAGE || g.ram_low % PAGE || g.ram_low > g.ram_size ||
        g.ram_low > GIB4) {
        fprintf(stderr, "vmstrace plugin: ram=%s needs ram_size (and ram_low <= it, below "
                "4 GiB), page multiples\n", path);
        return false;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || (uint64_t)st.st_size < g.ram_size) {
        fprintf(stderr, "vmstrace plugin: ram=%s: %s\n", path,
                fd < 0 ? strerror(errno) : "smaller than ram_size");
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    void *p = mmap(NULL, g.ram_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        fprintf(stderr, "vmstrace plugin: mmap %s: %s\n", path, strerror(errno));
        return false;
    }
    g.ram = p;
    return true;
}

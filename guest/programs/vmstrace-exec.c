/*
 * vmstrace-exec: the guest-side launcher of the traced command.
 *
 * /init runs it as `vmstrace-exec </dev/null >/dev/ttyS1 2>/dev/ttyS2`. It reads the
 * command line the host wrote into the initramfs overlay, /vmstrace/cmd (each argument
 * followed by one NUL byte), resolves argv[0] through PATH when it has no slash, and
 * makes exactly ONE execve of the command, with a clean environment.
 *
 * The tracer recognises the launcher by the execve of /vmstrace/bin/vmstrace-exec and
 * shows the process from the launcher's next execve on, so nothing this program does
 * before that execve appears in a trace. Keep it that way: no second execve, no helper
 * processes.
 *
 * Exit statuses (only when the command never started):
 *   127  /vmstrace/cmd missing, unreadable or malformed; or argv[0] not found in PATH
 *        (then `VMSTRACE <nonce> NOTFOUND <argv0>` goes to the control channel
 *        /dev/ttyS3; init passes the nonce as VMSTRACE_NONCE, which the command does not
 *        inherit: its environment is a fixed one)
 *   126  execve failed (`vmstrace: <path>: <strerror>` on stderr)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CMD_FILE "/vmstrace/cmd"
#define CONTROL_TTY "/dev/ttyS3"
/* The bounds on CMD come from the build (vmstrace.guest.image.LAUNCHER_DEFINES): the
 * Python side checks CMD against the same numbers before it writes the overlay. */
#if !defined(CMD_MAX_BYTES) || !defined(CMD_MAX_ARGS)
#error "CMD_MAX_BYTES and CMD_MAX_ARGS are defined by the build (vmstrace.guest.image)"
#endif
#define SEARCH_PATH "/vmstrace/bin:/bin:/sbin:/usr/bin:/usr/sbin"

static char cmd[CMD_MAX_BYTES + 1];
static char *args[CMD_MAX_ARGS + 1];
static char resolved[4096];

static void die(int status, const char *what, const char *detail)
{
    if (detail)
        dprintf(2, "vmstrace: %s: %s\n", what, detail);
    else
        dprintf(2, "vmstrace: %s\n", what);
    exit(status);
}

/* Reads the whole command file; returns its length. */
static size_t read_cmd(void)
{
    int fd = open(CMD_FILE, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die(127, CMD_FILE, strerror(errno));
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, cmd + len, sizeof(cmd) - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die(127, CMD_FILE, strerror(errno));
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == sizeof(cmd))
            die(127, CMD_FILE, "command line longer than 128 KiB");
    }
    close(fd);
    return len;
}

/* Splits the NUL-terminated arguments into args[]; returns argc. */
static int split_cmd(size_t len)
{
    if (len == 0)
        die(127, CMD_FILE, "empty command line");
    if (cmd[len - 1] != '\0')
        die(127, CMD_FILE, "last argument is not NUL-terminated");
    int argc = 0;
    for (size_t i = 0; i < len; i += strlen(cmd + i) + 1) {
        if (argc == CMD_MAX_ARGS)
            die(127, CMD_FILE, "more than 4096 arguments");
        args[argc++] = cmd + i;
    }
    args[argc] = NULL;
    return argc;
}

static int is_executable_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Returns the path to execute for name, or NULL when PATH has no such program. */
static const char *resolve(const char *name)
{
    if (strchr(name, '/')) {
        /* Like a shell: a path that does not exist is "not found" (127); one that exists
         * but cannot be executed fails in execve (126). */
        struct stat st;
        return stat(name, &st) == 0 ? name : NULL;
    }
    if (name[0] == '\0')
        return NULL;
    const char *dir = SEARCH_PATH;
    while (*dir) {
        size_t dlen = strcspn(dir, ":");
        int n = snprintf(resolved, sizeof(resolved), "%.*s/%s", (int)dlen, dir, name);
        if (n > 0 && (size_t)n < sizeof(resolved) && is_executable_file(resolved))
            return resolved;
        dir += dlen;
        if (*dir == ':')
            dir++;
    }
    return NULL;
}

static void report_not_found(const char *name)
{
    /* The control channel is line-based: keep the name on one line. */
    const char *nonce = getenv("VMSTRACE_NONCE");
    char line[600];
    int head = snprintf(line, sizeof(line), "\nVMSTRACE %.64s NOTFOUND ", nonce ? nonce : "-");
    int n = head + snprintf(line + head, sizeof(line) - (size_t)head, "%.400s\n", name);
    for (int i = head; i < n - 1; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = '?';
    int fd = open(CONTROL_TTY, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0) {
        if (write(fd, line, (size_t)n) < 0) {
            /* Nothing left to report it on; the exit status still says 127. */
        }
        close(fd);
    }
    dprintf(2, "vmstrace: %s: command not found in the guest\n", name);
}

int main(void)
{
    split_cmd(read_cmd());
    const char *path = resolve(args[0]);
    if (!path) {
        report_not_found(args[0]);
        return 127;
    }
    char *envp[] = {"PATH=" SEARCH_PATH, "HOME=/", "TERM=dumb", NULL};
    execve(path, args, envp);
    die(126, path, strerror(errno));
}

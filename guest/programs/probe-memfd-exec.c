/*
 * probe-memfd-exec: a "fileless" start, as malware does it: copies its own image into a
 * memfd and runs that (fexecve: no file on disk), and the copy exits 7.  The trace's exe
 * for the copy is /memfd:payload (deleted), as /proc/PID/exe says.
 *
 * Syscalls after libc start-up, in order (first image):
 *   openat(AT_FDCWD, "/proc/self/exe", O_RDONLY) = 3
 *   newfstatat(3, "", {...}, AT_EMPTY_PATH) = 0
 *   memfd_create("payload", 0) = 4
 *   sendfile(4, 3, NULL, size) = size
 *   execveat(4, "", ["payload", "copy"], envp, AT_EMPTY_PATH) = 0
 * then the copy: exit_group(7).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv, char **envp)
{
    if (argc > 1)
        return 7;
    int self = open("/proc/self/exe", O_RDONLY);
    struct stat st;
    if (self < 0 || fstat(self, &st) < 0)
        return 1;
    int mem = memfd_create("payload", 0);
    if (mem < 0 || sendfile(mem, self, NULL, st.st_size) != st.st_size)
        return 1;
    char *args[] = {"payload", "copy", NULL};
    fexecve(mem, args, envp);
    return 1;
}

/*
 * hostile-mem: arguments that point where copy_from_user cannot read, or that hide by size.
 *
 * Prints, one per line, the addresses the test needs ("banner <hex>", "edge <hex>",
 * "lazy <hex>") and makes these calls (expected trace):
 *   open(<linux_banner>, O_RDONLY) = -1 EFAULT          a kernel address: not user memory
 *   write(1, <linux_banner>, 16) = -1 EFAULT
 *   open(0x800000000000, O_RDONLY) = -1 EFAULT           the first non-canonical address
 *   open(<edge>, O_RDONLY) = -1 EFAULT                   no NUL before an unmapped page
 *   connect(3, {sa_family=AF_UNIX, sun_path="/nonexistent-hostile"}, 23) = -1 ENOENT
 *                                                        the address on a page of a file
 *                                                        mapping not yet faulted in
 *   execve("/vmstrace/bin/hostile-mem", ["hostile-mem", "many", "x", ...], ...) = 0
 *                                                        1,025 arguments, all of it on
 *                                                        pages not faulted in at entry
 * stdout ends with "many 1025".
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define NARGS 1025

static unsigned long kallsym(const char *name)
{
    FILE *f = fopen("/proc/kallsyms", "r");
    char line[256], sym[128], type;
    unsigned long addr;
    while (f && fgets(line, sizeof(line), f)) {
        if (sscanf(line, "%lx %c %127s", &addr, &type, sym) == 3 && strcmp(sym, name) == 0) {
            fclose(f);
            return addr;
        }
    }
    if (f) {
        fclose(f);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "many") == 0) {
        printf("many %d\n", argc);
        return 0;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    unsigned long banner = kallsym("linux_banner");
    if (!banner) {
        return 1;
    }
    printf("banner %lx\n", banner);
    syscall(SYS_open, banner, O_RDONLY);
    syscall(SYS_write, 1, banner, 16);
    syscall(SYS_open, 0x800000000000ul, O_RDONLY);

    /* A name that runs to the end of a page whose successor is unmapped. */
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(two + 4096, 4096);
    memset(two, 'A', 4096);
    char *edge = two + 4096 - 16;
    printf("edge %lx\n", (unsigned long)edge);
    syscall(SYS_open, edge, O_RDONLY);

    /* A sockaddr in a file mapping the process has not touched yet. */
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    strcpy(sun.sun_path, "/nonexistent-hostile");
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sun.sun_path) + 1);
    int f = open("/tmp/hostile-sockaddr", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (f < 0 || write(f, &sun, sizeof(sun)) != (ssize_t)sizeof(sun)) {
        return 1;
    }
    void *lazy = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, f, 0);
    close(f);
    printf("lazy %lx\n", (unsigned long)lazy);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s != 3) {
        return 1;
    }
    syscall(SYS_connect, s, lazy, len);
    close(s);

    /* execve's path, argv and strings all in a file mapping the process never touches:
     * the entry reads fault, and only what the kernel copied to the new stack is left. */
    size_t nptr = NARGS + 1, strings = nptr * sizeof(char *);
    size_t size = (strings + 64 + 4095) & ~(size_t)4095;
    int e = open("/tmp/hostile-exec", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (e < 0 || ftruncate(e, (off_t)size) != 0) {
        return 1;
    }
    char *at = mmap(NULL, size, PROT_READ, MAP_PRIVATE, e, 0);
    char **ptrs = calloc(nptr, sizeof(char *));
    char tail[64] = "hostile-mem\0many\0x\0/vmstrace/bin/hostile-mem";
    ptrs[0] = at + strings;
    ptrs[1] = at + strings + 12;
    for (int i = 2; i < NARGS; i++) {
        ptrs[i] = at + strings + 17;
    }
    if (at == MAP_FAILED || !ptrs || pwrite(e, ptrs, strings, 0) != (ssize_t)strings ||
        pwrite(e, tail, sizeof(tail), (off_t)strings) != (ssize_t)sizeof(tail)) {
        return 1;
    }
    char *env[] = {"HOSTILE=1", NULL};
    syscall(SYS_execve, at + strings + 19, at, env);
    return 2;
}

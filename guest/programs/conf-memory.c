/*
 * conf-memory: mmap, mprotect, mremap, madvise, msync, munmap and brk for the conformance
 * harness.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    void *cur = (void *)syscall(SYS_brk, 0);
    syscall(SYS_brk, (char *)cur + 65536);
    syscall(SYS_brk, cur);

    char *a = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(a, 1, 65536);
    mprotect(a, 4096, PROT_READ);
    mprotect(a + 4096, 4096, PROT_NONE);
    madvise(a + 8192, 8192, MADV_DONTNEED);
    char *b = mremap(a, 65536, 131072, MREMAP_MAYMOVE);
    mlock(b + 16384, 4096);
    munlock(b + 16384, 4096);
    unsigned char vec[4];
    mincore(b + 16384, 16384, vec);
    munmap(b, 131072);
    mmap((void *)0x1000, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
         -1, 0); /* EPERM below mmap_min_addr */
    mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); /* EINVAL */

    int fd = open("/tmp/conf-mem", O_RDWR | O_CREAT | O_TRUNC, 0600);
    ftruncate(fd, 8192);
    char *f = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    strcpy(f, "mapped");
    msync(f, 8192, MS_SYNC);
    munmap(f, 8192);
    char *g = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_POPULATE, fd, 4096);
    munmap(g, 4096);
    close(fd);
    unlink("/tmp/conf-mem");
    write(1, "conf-memory done\n", 17);
    return 0;
}

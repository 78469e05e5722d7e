/*
 * conf-files: file-system calls for the conformance harness (vmstrace vs strace in the
 * same guest run; see src/vmstrace/conformance.py).  Deterministic: works under
 * /tmp/conf-files, which it creates and removes; raw syscall() where glibc would pick
 * another call (faccessat, getdents64, statx).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DIR_ "/tmp/conf-files"

int main(void)
{
    char buf[256];
    struct stat st;
    struct statx stx;

    mkdir(DIR_, 0755);
    mkdir(DIR_, 0755); /* EEXIST */
    int fd = open(DIR_ "/a.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    write(fd, "hello conformance harness\n", 26);
    pwrite(fd, "HELLO", 5, 0);
    fsync(fd);
    ftruncate(fd, 20);
    fchmod(fd, 0600);
    close(fd);

    fd = open(DIR_ "/a.txt", O_RDONLY | O_CLOEXEC);
    read(fd, buf, sizeof(buf));
    lseek(fd, 6, SEEK_SET);
    read(fd, buf, 4);
    lseek(fd, -3, SEEK_END);
    pread(fd, buf, 5, 0);
    fstat(fd, &st);
    fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFD, 0);
    fcntl(fd, F_GETFD);
    int fd2 = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    close(fd2);
    close(fd);
    close(fd); /* EBADF */

    stat(DIR_ "/a.txt", &st);
    symlink("a.txt", DIR_ "/link");
    lstat(DIR_ "/link", &st);
    ssize_t n = readlink(DIR_ "/link", buf, sizeof(buf));
    (void)n;
    readlink(DIR_ "/a.txt", buf, sizeof(buf)); /* EINVAL */
    syscall(SYS_faccessat, AT_FDCWD, DIR_ "/a.txt", R_OK | W_OK, 0);
    syscall(SYS_faccessat, AT_FDCWD, DIR_ "/missing", F_OK, 0);
    access(DIR_ "/a.txt", X_OK);
    syscall(SYS_statx, AT_FDCWD, DIR_ "/a.txt", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx);
    syscall(SYS_statx, AT_FDCWD, DIR_ "/nope", 0, STATX_ALL, &stx);
    rename(DIR_ "/a.txt", DIR_ "/b.txt");
    link(DIR_ "/b.txt", DIR_ "/c.txt");
    open(DIR_ "/a.txt", O_RDONLY); /* ENOENT */

    int d = open(DIR_, O_RDONLY | O_DIRECTORY);
    syscall(SYS_getdents64, d, buf, sizeof(buf));
    syscall(SYS_getdents64, d, buf, sizeof(buf));
    fchdir(d);
    getcwd(buf, sizeof(buf));
    int fd3 = openat(d, "b.txt", O_RDWR | O_APPEND);
    write(fd3, "more\n", 5);
    close(fd3);
    chdir("/");
    close(d);

    unlink(DIR_ "/link");
    unlink(DIR_ "/c.txt");
    unlinkat(AT_FDCWD, DIR_ "/b.txt", 0);
    unlink(DIR_ "/b.txt"); /* ENOENT */
    rmdir(DIR_);
    write(1, "conf-files done\n", 16);
    return 0;
}

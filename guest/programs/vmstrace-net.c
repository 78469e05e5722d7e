/*
 * vmstrace-net: brings up the guest's network interface before the traced command runs
 * (the Debian guest's vmstrace-net.service; the default guest's /init).
 *
 * The host's per-run overlay writes /vmstrace/net only when the guest has a network
 * (src/vmstrace/guest/network.py): one kernel module path per line, in load order — the
 * modules the virtio-net device needs and the booted kernel does not have built in. Each
 * is loaded with finit_module(2): neither guest has kmod's tools, and no udev loads
 * drivers by modalias. Then the first Ethernet interface gets QEMU user networking's
 * fixed addresses (QEMU's -netdev user: guest 10.0.2.15/24, gateway 10.0.2.2, name server
 * 10.0.2.3), which its DHCP server would hand out, without DHCP's round trips; lo is
 * brought up too (the default guest's init does not).
 *
 * Exit status 0 once the interface is up with its address and route and a
 * carrier; 1 otherwise, with the reason on stderr.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NET_FILE "/vmstrace/net"
#define GUEST_ADDR "10.0.2.15"
#define NETMASK "255.255.255.0"
#define GATEWAY "10.0.2.2"
#define RESOLV "nameserver 10.0.2.3\n"
/* virtio_net registers its driver, and probes the device, within finit_module, and has
 * its link soon after; the waits cover a slower driver. */
#define WAIT_MS 5000

static int fail(const char *what, const char *name) {
    fprintf(stderr, "vmstrace-net: %s%s%s: %s\n", what, name ? " " : "", name ? name : "",
            strerror(errno));
    return 0;
}

static int load_modules(void) {
    FILE *list = fopen(NET_FILE, "r");
    char path[4096];
    if (!list)
        return fail("cannot read", NET_FILE);
    int ok = 1;
    while (ok && fgets(path, sizeof path, list)) {
        path[strcspn(path, "\n")] = '\0';
        if (!path[0])
            continue;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            ok = fail("cannot open", path);
        else if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
            ok = fail("cannot load", path);
        if (fd >= 0)
            close(fd);
    }
    fclose(list);
    return ok;
}

/* Whether /sys/class/net/NAME/carrier reads 1: the driver has its link, and packets flow
 * (the interface was up first, so the carrier's arrival attached its queueing discipline).
 * The operational state (operstate, IFF_RUNNING) follows when the kernel's link watch runs,
 * which may be up to a second later (net/core/link_watch.c): waiting for it would cost
 * every boot that second, and a connection made before it works (measured). */
static int has_carrier(char *name) {
    char path[512], value[16] = "";
    snprintf(path, sizeof path, "/sys/class/net/%s/carrier", name);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int up = fgets(value, sizeof value, f) && strcmp(value, "1\n") == 0;
    fclose(f);
    return up;
}

/* Polls `ready` every 10 ms for up to WAIT_MS; whether it became true. */
static int wait_for(int (*ready)(char *), char *name) {
    for (int waited = 0; !ready(name); waited += 10) {
        if (waited >= WAIT_MS)
            return 0;
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    }
    return 1;
}

/* The first interface of type Ethernet (ARPHRD_ETHER, 1) in /sys/class/net. */
static int find_ethernet(char *name) {
    DIR *dir = opendir("/sys/class/net");
    struct dirent *ent;
    int found = 0;
    if (!dir)
        return 0;
    while (!found && (ent = readdir(dir))) {
        char path[512], type[16] = "";
        if (ent->d_name[0] == '.' || strlen(ent->d_name) >= IFNAMSIZ)
            continue;
        snprintf(path, sizeof path, "/sys/class/net/%s/type", ent->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (fgets(type, sizeof type, f) && atoi(type) == 1 && strcmp(ent->d_name, "lo") != 0) {
            strcpy(name, ent->d_name);
            found = 1;
        }
        fclose(f);
    }
    closedir(dir);
    return found;
}

static void set_addr(struct sockaddr *sa, const char *text) {
    struct sockaddr_in *in = (struct sockaddr_in *)sa;
    memset(in, 0, sizeof *in);
    in->sin_family = AF_INET;
    inet_pton(AF_INET, text, &in->sin_addr);
}

static int bring_up(int sock, const char *name) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, name, strnlen(name, IFNAMSIZ - 1));
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0)
        return fail("SIOCGIFFLAGS", name);
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(sock, SIOCSIFFLAGS, &ifr) != 0)
        return fail("SIOCSIFFLAGS", name);
    return 1;
}

static int configure(const char *name) {
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    struct rtentry route;
    int ok = 1;
    if (sock < 0)
        return fail("socket", NULL);
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, name, strnlen(name, IFNAMSIZ - 1));
    set_addr(&ifr.ifr_addr, GUEST_ADDR);
    if (ioctl(sock, SIOCSIFADDR, &ifr) != 0)
        ok = fail("SIOCSIFADDR", name);
    set_addr(&ifr.ifr_netmask, NETMASK);
    if (ok && ioctl(sock, SIOCSIFNETMASK, &ifr) != 0)
        ok = fail("SIOCSIFNETMASK", name);
    ok = ok && bring_up(sock, "lo") && bring_up(sock, name);
    memset(&route, 0, sizeof route);
    set_addr(&route.rt_dst, "0.0.0.0");
    set_addr(&route.rt_genmask, "0.0.0.0");
    set_addr(&route.rt_gateway, GATEWAY);
    route.rt_flags = RTF_UP | RTF_GATEWAY;
    if (ok && ioctl(sock, SIOCADDRT, &route) != 0 && errno != EEXIST)
        ok = fail("SIOCADDRT via", GATEWAY);
    close(sock);
    return ok;
}

static void write_resolv_conf(void) {
    int fd = open("/etc/resolv.conf", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, RESOLV, strlen(RESOLV)) != (ssize_t)strlen(RESOLV))
        fail("cannot write", "/etc/resolv.conf");
    if (fd >= 0)
        close(fd);
}

int main(void) {
    char name[IFNAMSIZ] = "";
    if (!load_modules())
        return 1;
    if (!wait_for(find_ethernet, name)) {
        fprintf(stderr, "vmstrace-net: no Ethernet interface after %d ms\n", WAIT_MS);
        return 1;
    }
    if (!configure(name))
        return 1;
    /* the command starts once packets can flow */
    if (!wait_for(has_carrier, name)) {
        fprintf(stderr, "vmstrace-net: %s has no carrier after %d ms\n", name, WAIT_MS);
        return 1;
    }
    write_resolv_conf();
    return 0;
}

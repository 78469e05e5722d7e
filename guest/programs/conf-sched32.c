/* conf-sched32: conf-sched built for i386 (a file named *32*.c is compiled -m32). */
#define WORKLOAD "conf-sched32"
#include "conf-sched.c"

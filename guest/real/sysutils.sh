# util-linux, procps and coreutils tools that each make a call the other workloads do not:
# CPU affinity, scheduling policy, resource limits, I/O priority, niceness, file locks, a
# new session and a new UTS namespace, a pseudo-terminal, /proc walked by ps, sparse and
# positioned I/O.
set -e
export PATH=/usr/bin:/bin
mkdir -p su && cd su
nproc
uname -a
id
taskset -p $$
taskset -c 0 true
chrt -p $$
chrt -b 0 true
chrt -i 0 true
prlimit --nofile=512:1024 true
prlimit -p $$ --nofile --core
ionice -c 3 true
ionice -p $$
nice -n 5 true
renice -n 2 -p $$
: > lock
flock lock true
flock -s -n lock true
setsid true
unshare --uts hostname guest-ns
hostname
dd if=/dev/zero of=zeros bs=4096 count=16 status=none
dd if=zeros of=part bs=1024 skip=2 seek=1 count=3 conv=notrunc,fsync status=none
truncate -s 10000 part
split -b 20000 zeros piece.
tee copy1 copy2 < part > /dev/null
sha256sum zeros piece.*
shuf -n 3 -i 1-100 --random-source=zeros
install -m 640 part installed
mktemp -p . tmp.XXXXXX > /dev/null
od -A x -t x1z -N 32 part
df -k . > /dev/null
ps -o pid,ppid,stat,comm
# (a pseudo-terminal needs devpts, which a booted system mounts and this guest's init does not)
if [ ! -e /dev/pts/ptmx ]; then
    mkdir -p /dev/pts
    busybox mount -t devpts -o ptmxmode=666 devpts /dev/pts
fi
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
script -q -c 'stty size; tty' /dev/null < /dev/null
cd .. && rm -r su
echo "real-sysutils done"

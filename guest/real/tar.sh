# tar with gzip: tar forks and execs gzip as a filter, writing through a pipe.
set -e
export PATH=/usr/bin:/bin
mkdir -p src/a src/b out
seq 1 20000 > src/a/numbers
cp /usr/bin/dash src/b/dash
echo hello > src/b/hello
tar -czf archive.tgz src
tar -tzf archive.tgz
tar -xzf archive.tgz -C out
md5sum src/a/numbers out/src/a/numbers
gzip -9 -k src/a/numbers
gzip -t src/a/numbers.gz
gzip -d -c src/a/numbers.gz | wc -c
echo "real-tar done"

# Multi-threaded compressors: xz -T2 and zstd -T2 split the input into blocks (jobs) that
# two worker threads compress at once; xz also decompresses its blocks in threads.
set -e
export PATH=/usr/bin:/bin
seq 1 300000 > data
xz -T2 -1 --block-size=262144 -k data
xz -T2 -d -c data.xz | md5sum
zstd -q -T2 -B524288 -3 data -o data.zst
zstd -q -d -c data.zst | md5sum
md5sum data
echo "real-compress done"

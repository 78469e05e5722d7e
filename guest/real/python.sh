# python3: hundreds of stat/openat/read/mmap calls at start-up, then a script with threads.
set -e
export PATH=/usr/bin:/bin
python3 /vmstrace/real/threads.py
python3 /vmstrace/real/fdkinds.py
python3 /vmstrace/real/ipc.py
python3 -c 'import json, sys; json.dump({"argv": sys.argv}, sys.stdout); print()'
echo "real-python done"

"""Worker threads each write, read back and compress a file; the main thread waits."""

import json
import os
import queue
import threading
import zlib

results: queue.Queue = queue.Queue()


def work(n: int) -> None:
    path = f"part{n}.txt"
    with open(path, "w") as f:
        f.write(f"thread {n}\n" * 2000)
    with open(path, "rb") as f:
        data = f.read()
    os.unlink(path)
    results.put((n, len(zlib.compress(data))))


threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps(sorted(results.get() for _ in threads)))

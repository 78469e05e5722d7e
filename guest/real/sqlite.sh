# sqlite3: file locking (fcntl), pread/pwrite, fsync, a rollback journal then WAL.
set -e
export PATH=/usr/bin:/bin
sqlite3 db.sqlite 'CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);'
sqlite3 db.sqlite "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500)
    INSERT INTO t SELECT x, 'v' || x FROM c;"
sqlite3 db.sqlite 'SELECT count(*), sum(a) FROM t;'
sqlite3 db.sqlite 'PRAGMA journal_mode=WAL; UPDATE t SET b = upper(b) WHERE a % 7 = 0;'
sqlite3 db.sqlite 'PRAGMA integrity_check;'
echo "real-sqlite done"

#!/usr/bin/env python3
"""Node CPU per 1,000 village-page requests (/v1/regions/{code}/flows over
random villages with payments), with p50/p99 and the /healthz floor in the
same run: the before/after measure of docs/PERFORMANCE.md ("The village
query at its root, and its answer cache"), robust on a loaded machine.
Usage: flows-cpu.py PORT NODE_PID REQUESTS [THREADS] [QUERY]"""
import http.client, json, os, random, sys, threading, time

port, pid, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 4
query = sys.argv[5] if len(sys.argv) > 5 else ""
tick = os.sysconf("SC_CLK_TCK")

def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick

def get(conn, path, headers=None):
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    body = r.read()
    return r.status, body

c = http.client.HTTPConnection("127.0.0.1", port)
_, body = get(c, "/v1/regions")
villages = [r["code"] for r in json.loads(body)["regions"] if r["level"] == "village" and r["totals"]["subsidies"] > 0]
rng = random.Random(42)

def run(paths):
    lat = []
    failed = []
    lock = threading.Lock()
    it = iter(paths)
    size = [0]
    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port)
        mine = []
        b = 0
        while True:
            with lock:
                p = next(it, None)
            if p is None:
                break
            t = time.perf_counter()
            st, body = get(conn, p)
            mine.append(time.perf_counter() - t)
            if st != 200:
                # A thread cannot end the run: note it, stop this client.
                failed.append(f"{p}: HTTP {st} {body[:200]!r}")
                break
            b += len(body)
        with lock:
            lat.extend(mine)
            size[0] += b
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    c0, w0 = cpu(), time.perf_counter()
    for t in ts: t.start()
    for t in ts: t.join()
    c1, w1 = cpu(), time.perf_counter()
    if failed:
        # e.g. 429: start the node with --read-rate-per-sec 1000000.
        raise SystemExit(f"{len(failed)} clients stopped; first: {failed[0]}")
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
    return dict(n=len(paths), cpu_ms_per_1000=round((c1 - c0) * 1000 / len(paths) * 1000, 1),
                req_s=round(len(paths) / (w1 - w0)), p50_ms=round(q(0.5), 2), p99_ms=round(q(0.99), 2),
                bytes_per_answer=size[0] // len(paths))

paths = [f"/v1/regions/{rng.choice(villages)}/flows{query}" for _ in range(n)]
load = open("/proc/loadavg").read().split()[0]
res = {"villages": len(villages), "load_avg": load, "flows": run(paths), "healthz": run(["/healthz"] * n)}
print(json.dumps(res))

# SPDX-License-Identifier: LGPL-2.1-or-later
"""Registry benchmark: heartbeat throughput against a bare libsoup server and nginx,
route-by-skill latency and memory with 10,000 agents.

Needs WEFT_REGISTRY, WEFT_BARE_SOUP_SERVER; uses wrk and nginx from PATH or /usr/sbin.
Set WEFT_BENCH_DURATION (seconds per wrk run, default 5) and WEFT_BENCH_AGENTS
(default 10000) to change the run.
"""

import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from registry_harness import Registry  # noqa: E402

RESPONSE = '{"status":"ok","pending_tasks":[]}'
HEARTBEAT = {"agent_id": "bench", "hostname": "bench-host", "skill_names": ["bench"]}
DURATION = int(os.environ.get("WEFT_BENCH_DURATION", "5"))
N_AGENTS = int(os.environ.get("WEFT_BENCH_AGENTS", "10000"))
ROUNDS = int(os.environ.get("WEFT_BENCH_ROUNDS", "3"))
THREADS = "2"
CONNECTIONS = "32"


def wrk(url, script, extra=()):
    out = subprocess.run(["wrk", "-t", THREADS, "-c", CONNECTIONS, "-d", "%ds" % DURATION,
                          "--latency", "-s", script] + list(extra) + [url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        raise RuntimeError("wrk saw %s error answers:\n%s" % (non2xx.group(1), out))
    return rps, out


def write_script(path, headers, body):
    lines = ['wrk.method = "POST"', "wrk.body = %s" % json.dumps(body)]
    for k, v in headers.items():
        lines.append('wrk.headers["%s"] = "%s"' % (k, v))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def start_bare_soup():
    proc = subprocess.Popen([os.environ["WEFT_BARE_SOUP_SERVER"]], stdout=subprocess.PIPE,
                            text=True)
    port = int(proc.stdout.readline())
    return proc, port


def start_nginx(workdir):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    root = os.path.join(workdir, "www")
    os.makedirs(os.path.join(root, "api", "hub"))
    # nginx workers may run as another user: let them read the tree
    for d in (workdir, root, os.path.join(root, "api"), os.path.join(root, "api", "hub")):
        os.chmod(d, 0o755)
    with open(os.path.join(root, "api", "hub", "heartbeat"), "w") as f:
        f.write(RESPONSE)
    with socket_port() as port:
        pass
    conf = os.path.join(workdir, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""
worker_processes auto;
daemon off;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %(d)s/body;
  proxy_temp_path %(d)s/proxy;
  fastcgi_temp_path %(d)s/fastcgi;
  uwsgi_temp_path %(d)s/uwsgi;
  scgi_temp_path %(d)s/scgi;
  server {
    listen 127.0.0.1:%(p)d;
    root %(r)s;
    default_type application/json;
    # the static module answers POST with 405; serve the file anyway
    error_page 405 =200 $uri;
  }
}
""" % {"d": workdir, "p": port, "r": root})
    proc = subprocess.Popen([nginx, "-c", conf, "-e", os.path.join(workdir, "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("POST", "/api/hub/heartbeat", body="{}")
            if c.getresponse().read().decode() == RESPONSE:
                return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("nginx did not start")


class socket_port:
    def __enter__(self):
        import socket
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        return self.s.getsockname()[1]

    def __exit__(self, *exc):
        self.s.close()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    workdir = tempfile.mkdtemp(prefix="weft-registry-bench-")
    reg = Registry(workdir=workdir, options=("limits.max-connections-per-address=0",)).start()
    procs = []
    try:
        # a durable database: a file, WAL, synchronous writes for every state change
        c = http.client.HTTPConnection("127.0.0.1", reg.port)
        c.request("POST", "/api/registry/agents",
                  body=json.dumps({"agent_id": "bench", "hostname": "bench-host"}),
                  headers={"Content-Type": "application/json", "X-API-Key": "ak_alpha"})
        r = c.getresponse()
        r.read()
        assert r.status == 200, r.status
        script = os.path.join(workdir, "heartbeat.lua")
        write_script(script, {"Content-Type": "application/json", "X-API-Key": "ak_alpha"},
                     json.dumps(HEARTBEAT))

        bare, bare_port = start_bare_soup()
        procs.append(bare)
        nginx, nginx_port = start_nginx(workdir)
        procs.append(nginx)

        # interleaved rounds, median of each: the machine may be busy with other work
        runs = {"weft": [], "bare": [], "nginx": []}
        weft_out = ""
        for _ in range(ROUNDS):
            rps, weft_out = wrk(reg.base + "/api/hub/heartbeat", script)
            runs["weft"].append(rps)
            runs["bare"].append(wrk("http://127.0.0.1:%d/api/hub/heartbeat" % bare_port,
                                    script)[0])
            runs["nginx"].append(wrk("http://127.0.0.1:%d/api/hub/heartbeat" % nginx_port,
                                     script)[0])
        weft_rps, bare_rps, nginx_rps = (statistics.median(runs[k])
                                         for k in ("weft", "bare", "nginx"))
        print("heartbeat throughput (wrk -t%s -c%s -d%ds, POST /api/hub/heartbeat, median of %d "
              "interleaved rounds):" % (THREADS, CONNECTIONS, DURATION, ROUNDS))
        for k in ("weft", "bare", "nginx"):
            print("  %-5s rounds: %s" % (k, " ".join("%.0f" % x for x in runs[k])))
        print("  weft-registry (SQLite %s): %10.0f req/s" % (reg.db, weft_rps))
        print("  bare libsoup-3 server:       %10.0f req/s" % bare_rps)
        print("  nginx static file:           %10.0f req/s" % nginx_rps)
        print("  ratio weft/bare-libsoup:     %10.2f  (target >= 0.8)" % (weft_rps / bare_rps))
        print("  ratio weft/nginx:            %10.2f  (target >= 0.4)" % (weft_rps / nginx_rps))
        print("  ratio bare-libsoup/nginx:    %10.2f" % (bare_rps / nginx_rps))
        print("  weft-registry latency:\n" + "\n".join(
            "    " + l.strip() for l in weft_out.splitlines() if re.match(r"\s+(50|90|99)%", l)))

        # 10,000 agents, each with its own skill plus a shared one
        started = time.time()
        hdrs = {"Content-Type": "application/json", "X-API-Key": "ak_alpha"}
        for i in range(N_AGENTS):
            body = json.dumps({"agent_id": "agent-%05d" % i, "hostname": "h%d" % i,
                               "sidecar_peer_id": "agent-%05d-sidecar" % i,
                               "capabilities": {"skills": ["skill-%05d" % i, "common",
                                                           "group-%d" % (i % 100)]}})
            c.request("POST", "/api/registry/agents", body=body, headers=hdrs)
            r = c.getresponse()
            r.read()
            assert r.status == 200, r.status
        print("registered %d agents in %.1f s" % (N_AGENTS, time.time() - started))

        route_script = os.path.join(workdir, "route.lua")
        with open(route_script, "w") as f:
            f.write('wrk.headers["X-API-Key"] = "ak_alpha"\n'
                    "counter = 0\n"
                    "request = function()\n"
                    "  counter = counter + 1\n"
                    "  return wrk.format(\"GET\", string.format("
                    "\"/api/registry/route?skill=skill-%%05d\", (counter * 7919) %% " + str(N_AGENTS)
                    + "))\nend\n")
        out = subprocess.run(["wrk", "-t1", "-c1", "-d%ds" % DURATION, "--latency", "-s",
                              route_script, reg.base], capture_output=True, text=True,
                             check=True).stdout
        p99 = re.search(r"99%\s+([0-9.]+)(us|ms|s)", out)
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
        print("route by skill with %d agents (wrk -t1 -c1, one request at a time):" % N_AGENTS)
        print("  p99 %.3f ms  (target <= 1 ms)" % (float(p99.group(1)) * scale))
        for l in out.splitlines():
            if re.match(r"\s+(50|75|90)%", l) or "Requests/sec" in l:
                print("  " + l.strip())
        common = subprocess.run(["wrk", "-t1", "-c1", "-d%ds" % DURATION, "--latency", "-H",
                                 "X-API-Key: ak_alpha",
                                 reg.base + "/api/registry/route?skill=common"],
                                capture_output=True, text=True, check=True).stdout
        m = re.search(r"99%\s+([0-9.]+)(us|ms|s)", common)
        m50 = re.search(r"50%\s+([0-9.]+)(us|ms|s)", common)
        print("  a skill all %d agents share: p50 %.3f ms, p99 %.3f ms" %
              (N_AGENTS,
               float(m50.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m50.group(2)],
               float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]))
        print("registry RSS with %d agents: %.1f MiB" % (N_AGENTS, rss_kib(reg.proc.pid) / 1024))
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
        reg.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

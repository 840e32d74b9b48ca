"""hcpsdk 0.9.5 (unmodified) side of `cargo xtask bench hcp`: THREADS threads, each with its
own hcpsdk.Connection (hcpsdk's documented model: a Connection is not thread-safe), PUT a
4 KiB object under a unique name and GET it back (checked) in a loop for SECONDS seconds.

Prints one line: `ops <pairs> seconds <wall> cpu <user+system seconds of this process>`.

usage: hcpsdk_put_get.py DNS_IP DNS_PORT FQDN CA_FILE DATA_PORT THREADS SECONDS PREFIX
"""

import os
import resource
import ssl
import sys
import threading
import time

import dns.resolver
import hcpsdk

dns_ip, dns_port, fqdn, cafile, data_port, threads, seconds, prefix = sys.argv[1:9]
threads = int(threads)
seconds = float(seconds)

# hcpsdk's default (dnscache=False) asks dnspython's default resolver: point it at the mock.
resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = [dns_ip]
resolver.port = int(dns_port)
dns.resolver.default_resolver = resolver

# Trust the mock's CA; hcpsdk connects by IP and sends no SNI, so no host name check.
ctx = ssl.create_default_context(cafile=cafile)
ctx.check_hostname = False

BODY = os.urandom(4096)
target = hcpsdk.Target(fqdn, hcpsdk.NativeAuthorization('n', 'n01'), port=int(data_port),
                       sslcontext=ctx)
if not target.ssl:
    raise SystemExit('hcpsdk does not use TLS on port {}'.format(data_port))

stop = threading.Event()
start = threading.Barrier(threads + 1)
counts = [0] * threads
errors = []


def pair(conn, path):
    conn.PUT(path, body=BODY)
    if conn.response_status != 201:
        raise RuntimeError('PUT {} -> {}'.format(path, conn.response_status))
    conn.GET(path)
    data = conn.read()
    if conn.response_status != 200 or data != BODY:
        raise RuntimeError('GET {} -> {} ({} bytes)'.format(path, conn.response_status, len(data)))


def worker(n):
    try:
        conn = hcpsdk.Connection(target)
        # One untimed pair first: the TLS handshake is not part of the steady state.
        pair(conn, '/rest/{}/t{}/warmup'.format(prefix, n))
    except Exception as e:  # noqa: BLE001 - reported by the parent
        errors.append(repr(e))
        start.wait()
        return
    start.wait()
    i = 0
    try:
        while not stop.is_set():
            pair(conn, '/rest/{}/t{}/{}'.format(prefix, n, i))
            i += 1
            counts[n] = i
    except Exception as e:  # noqa: BLE001
        errors.append(repr(e))
    finally:
        conn.close()


workers = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(threads)]
for w in workers:
    w.start()
start.wait()
if errors:
    raise SystemExit('hcpsdk failed: ' + errors[0])
cpu0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.monotonic()
time.sleep(seconds)
stop.set()
for w in workers:
    w.join()
wall = time.monotonic() - t0
cpu1 = resource.getrusage(resource.RUSAGE_SELF)
if errors:
    raise SystemExit('hcpsdk failed: ' + errors[0])
cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
print('ops {} seconds {:.3f} cpu {:.3f}'.format(sum(counts), wall, cpu), flush=True)

#!/usr/bin/python3
"""interop_python.py - an independent Python publisher and client for okrd.

Everything okrd is spoken to here is written from SPEC.md (sections 1, 2, 4,
5, 6) with pyzmq and msgpack only, not from okrd's sources: if the C side and
this file disagree, one of them does not follow the contract.

Run (ctest does this for every tests/interop_*.py):

    /usr/bin/python3 tests/interop_python.py --okrd build/okrd --okrctl build/okrctl

Use /usr/bin/python3: Debian's python3-zmq and python3-msgpack are installed
for that interpreter only.  Every test class starts its own okrd on ipc://
endpoints in a temporary directory and stops it with SIGTERM (exit code 0
expected).  The random data is seeded; timestamps are relative to the clock.
"""

import argparse
import collections
import fractions
import json
import math
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

import msgpack
import zmq

OKRD = None
OKRCTL = None
CTX = zmq.Context.instance()

SEC = 1000
MIN = 60 * SEC
HOUR = 60 * MIN
DAY = 24 * HOUR
DEADLINE_S = 10.0
REASONS = ("malformed", "bad_topic", "unknown_source", "bad_value", "bad_time", "duplicate")


def now_ms():
    return time.time_ns() // 1_000_000


def pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


def unpack(data):
    return msgpack.unpackb(data, raw=False, strict_map_key=False)


def request(endpoint, msg=None, frames=None, timeout_ms=5000):
    """One REQ round trip on a fresh socket (a timed-out REQ socket is
    unusable, so never reuse one).  Raises zmq.Again on timeout."""
    s = CTX.socket(zmq.REQ)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RCVTIMEO, timeout_ms)
    s.setsockopt(zmq.SNDTIMEO, timeout_ms)
    try:
        s.connect(endpoint)
        if frames is not None:
            s.send_multipart(frames)
        else:
            s.send(msg if isinstance(msg, bytes) else pack(msg))
        return unpack(s.recv())
    finally:
        s.close()


# ---- the daemon -------------------------------------------------------------

CONFIG = """\
daemon = {{ state_dir = "{dir}/state"; commit_interval_ms = 20; sync = false; }};
ingest = {{ bind = [ "ipc://{dir}/in.sock" ]; }};
query = {{ bind = [ "ipc://{dir}/q.sock" ]; }};
kpis = ( {{ name = "py.order"; unit = "USD"; aggregate = "sum"; }},
         {{ name = "py.aov"; source = "py.order"; aggregate = "avg"; }} );
"""


class Okrd:
    """One okrd process on ipc:// endpoints in its own temporary directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="okrpy-")
        self.ingest = "ipc://%s/in.sock" % self.dir
        self.query = "ipc://%s/q.sock" % self.dir
        self.conf = os.path.join(self.dir, "okrd.conf")
        self.log_path = os.path.join(self.dir, "okrd.log")
        with open(self.conf, "w") as f:
            f.write(CONFIG.format(dir=self.dir))
        self.proc = None
        self.log = None

    def log_tail(self, n=40):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return "(no log)"

    def start(self, env=None):
        self.log = open(self.log_path, "ab")
        if callable(env):
            env = env(self.log)
        self.proc = subprocess.Popen([OKRD, "-c", self.conf, "--foreground"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.log, env=env)
        deadline = time.monotonic() + DEADLINE_S
        while True:
            rc = self.proc.poll()
            if rc is not None:
                raise AssertionError("okrd exited with %d at startup; log:\n%s"
                                     % (rc, self.log_tail()))
            try:
                r = request(self.query, {"op": "ping"}, timeout_ms=250)
                if r.get("ok") is True:
                    return r
            except zmq.Again:
                pass
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("okrd did not answer ping within %g s; log:\n%s"
                                     % (DEADLINE_S, self.log_tail()))
            time.sleep(0.02)

    def stop(self):
        """SIGTERM this pid; return its exit code (AssertionError if it hangs)."""
        if self.proc is None:
            return 0
        proc, self.proc = self.proc, None
        try:
            proc.send_signal(signal.SIGTERM)
            try:
                return proc.wait(timeout=DEADLINE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise AssertionError("okrd did not exit within %g s of SIGTERM; log:\n%s"
                                     % (DEADLINE_S, self.log_tail()))
        finally:
            self.log.close()

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Publisher:
    """An XPUB socket connected to okrd's ingest endpoint that waits for
    okrd's subscription before anything is sent (no slow-joiner loss)."""

    def __init__(self, endpoint):
        self.sock = CTX.socket(zmq.XPUB)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.SNDHWM, 0)  # never drop on our side
        self.sock.connect(endpoint)
        deadline = time.monotonic() + DEADLINE_S
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.sock.close()
                raise AssertionError("no subscription from okrd at %s within %g s"
                                     % (endpoint, DEADLINE_S))
            if self.sock.poll(int(left * 1000) + 1, zmq.POLLIN):
                sub = self.sock.recv()
                if sub[:1] == b"\x01":
                    return

    def send(self, topic, body):
        """Two frames: topic, msgpack body (body may be pre-encoded bytes)."""
        if isinstance(topic, str):
            topic = topic.encode()
        if not isinstance(body, bytes):
            body = pack(body)
        self.sock.send_multipart([topic, body])

    def send_frames(self, frames):
        self.sock.send_multipart(frames)

    def close(self):
        self.sock.close()


# ---- expected values ----------------------------------------------------------

def window_stats(events, frm, to):
    """Aggregates of the (ts, value) events in [frm, to), computed exactly."""
    sel = [(ts, v) for ts, v in events if frm <= ts < to]
    n = len(sel)
    exact = [fractions.Fraction(v) for _, v in sel]
    s = sum(exact, fractions.Fraction(0))
    st = {"count": n, "sum": float(s), "scale": math.fsum(abs(v) for _, v in sel),
          "sumsq": math.fsum(v * v for _, v in sel),
          "rate": float(s / fractions.Fraction(to - frm, 1000)) if to > frm else None}
    if n == 0:
        st.update(avg=None, min=None, max=None, last=None, stddev=None, var=None)
        return st
    mean = s / n
    var = sum(((x - mean) ** 2 for x in exact), fractions.Fraction(0)) / n
    st.update(avg=float(mean), min=min(v for _, v in sel), max=max(v for _, v in sel),
              last=max(sel)[1], var=float(var), stddev=math.sqrt(float(var)))
    return st


def is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def change_pct(value, previous):
    if value is None or previous is None or previous == 0:
        return None
    return (value - previous) / abs(previous) * 100


class OkrdTestCase(unittest.TestCase):
    """One okrd per class: started in setUpClass, SIGTERMed in tearDownClass."""

    okrd = None
    pub = None
    env = None  # the environment of okrd, or a function of its log file

    @classmethod
    def setUpClass(cls):
        cls.okrd = Okrd()
        try:
            cls.okrd.start(cls.env)
            cls.pub = Publisher(cls.okrd.ingest)
            cls.prepare()
        except BaseException:
            cls.shutdown(check=False)
            raise

    @classmethod
    def prepare(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        cls.shutdown(check=True)

    @classmethod
    def shutdown(cls, check):
        try:
            if cls.pub is not None:
                cls.pub.close()
                cls.pub = None
            rc = cls.okrd.stop()
            if check and rc != 0:
                raise AssertionError("okrd exited with %d after SIGTERM (expected 0); log:\n%s"
                                     % (rc, cls.okrd.log_tail()))
        finally:
            cls.okrd.cleanup()

    @classmethod
    def q(cls, **msg):
        return request(cls.okrd.query, msg)

    @classmethod
    def wait_received(cls, target):
        """Poll stats until `received` reaches target (10 s max); return stats."""
        deadline = time.monotonic() + DEADLINE_S
        while True:
            st = cls.q(op="stats")
            if st.get("ok") is True and st.get("received", -1) >= target:
                return st
            if time.monotonic() > deadline:
                raise AssertionError("stats.received is %r after %g s, expected %d; log:\n%s"
                                     % (st.get("received"), DEADLINE_S, target,
                                        cls.okrd.log_tail()))
            time.sleep(0.01)

    # -- assertions --

    def assertNum(self, got, want, label, scale=None):
        """want None -> got must be nil; else a number close to want."""
        if want is None:
            self.assertIsNone(got, "%s: expected nil, got %r" % (label, got))
            return
        self.assertTrue(is_num(got), "%s: expected a number ~%r, got %r" % (label, want, got))
        abs_tol = 1e-9 * scale if scale else 0.0
        self.assertTrue(math.isclose(got, want, rel_tol=1e-9, abs_tol=abs_tol),
                        "%s: got %r, expected %r" % (label, got, want))

    def assertStddev(self, got, exp, label):
        if exp["var"] is None:
            self.assertIsNone(got, "%s: expected nil, got %r" % (label, got))
            return
        self.assertTrue(is_num(got), "%s: expected a number, got %r" % (label, got))
        # sumsq/n - mean^2 loses precision near 0: compare variances with an
        # absolute tolerance relative to the mean of squares.
        tol = 1e-9 * exp["sumsq"] / exp["count"]
        self.assertTrue(math.isclose(got * got, exp["var"], rel_tol=1e-9, abs_tol=tol),
                        "%s: got %r, expected %r" % (label, got, exp["stddev"]))

    def assertStats(self, st, received, applied, rejected=None, gaps=None):
        rejected = dict(rejected or {})
        self.assertIs(st.get("ok"), True, st)
        self.assertEqual(set(st["rejected"]), set(REASONS), st["rejected"])
        want = {r: rejected.get(r, 0) for r in REASONS}
        self.assertEqual(dict(st["rejected"]), want, "stats.rejected")
        self.assertEqual(st["applied"], applied, "stats.applied")
        self.assertEqual(st["received"], received, "stats.received")
        self.assertEqual(st["received"], st["applied"] + sum(st["rejected"].values()),
                         "received != applied + sum(rejected)")
        if gaps is not None:
            self.assertEqual(st["gaps"], gaps, "stats.gaps")


def kpi_check(tc, reply, primary, events, frm, to, prev_from, label, unit=None):
    """Check a kpi.get reply against the aggregates of events over
    [frm, to) and the previous window [prev_from, frm) (prev_from None: do
    not check previous and change_pct)."""
    tc.assertIs(reply.get("ok"), True, "%s: %r" % (label, reply))
    cur = window_stats(events, frm, to)
    prev = window_stats(events, frm if prev_from is None else prev_from, frm)
    tc.assertEqual(reply["from"], frm, "%s: from" % label)
    tc.assertEqual(reply["to"], to, "%s: to" % label)
    tc.assertEqual(reply["count"], cur["count"], "%s: count" % label)
    tc.assertIsInstance(reply["count"], int, "%s: count is an int" % label)
    if unit is not None:
        tc.assertEqual(reply["unit"], unit, "%s: unit" % label)
    sc = cur["scale"]
    secs = (to - frm) / 1000 if to > frm else 1
    tc.assertNum(reply["sum"], cur["sum"], label + ": sum", sc)
    tc.assertNum(reply["avg"], cur["avg"], label + ": avg", sc / max(cur["count"], 1))
    tc.assertNum(reply["min"], cur["min"], label + ": min")
    tc.assertNum(reply["max"], cur["max"], label + ": max")
    tc.assertNum(reply["last"], cur["last"], label + ": last")
    tc.assertStddev(reply["stddev"], cur, label + ": stddev")
    tc.assertNum(reply["rate"], cur["rate"], label + ": rate", sc / secs)
    vscale = {"sum": sc, "avg": sc / max(cur["count"], 1)}.get(primary)
    pscale = {"sum": prev["scale"], "avg": prev["scale"] / max(prev["count"], 1)}.get(primary)
    tc.assertNum(reply["value"], cur[primary], label + ": value (%s)" % primary, vscale)
    if prev_from is None:
        return cur, prev
    tc.assertNum(reply["previous"], prev[primary], label + ": previous (%s)" % primary, pscale)
    want_pct = change_pct(cur[primary], prev[primary])
    if want_pct is None:
        tc.assertIsNone(reply["change_pct"], "%s: change_pct" % label)
    else:
        tc.assertTrue(is_num(reply["change_pct"]),
                      "%s: change_pct %r" % (label, reply["change_pct"]))
        tc.assertTrue(math.isclose(reply["change_pct"], want_pct, rel_tol=1e-6, abs_tol=1e-9),
                      "%s: change_pct got %r expected %r" % (label, reply["change_pct"], want_pct))
    return cur, prev


def f32_event(value, ts, source_id, seq):
    """One event map encoded by hand, value as a MessagePack float 32."""
    return (b"\x84" + pack("value") + b"\xca" + struct.pack(">f", value)
            + pack("ts") + pack(ts) + pack("source_id") + pack(source_id)
            + pack("seq") + pack(seq))


# ---- (1) aggregates ---------------------------------------------------------------

class T1Aggregates(OkrdTestCase):
    """500 events (singles and batches of 50, ints and floats, events on the
    window edges) against every aggregate computed here."""

    @classmethod
    def prepare(cls):
        rng = random.Random(20261122)
        now = now_ms()
        cls.now = now
        at = now // HOUR * HOUR - HOUR
        cls.at = at
        oldest = now - 30 * HOUR
        # Explicit windows: aligned, and unaligned (rounded up to the minute).
        cls.exp_from, cls.exp_to = at - 9 * HOUR - 17 * MIN, at - 3 * HOUR - 41 * MIN
        cls.un_from, cls.un_to = at - 7 * HOUR - 5 * MIN + 1, at - 2 * HOUR - 10 * MIN + 1
        # One bound unaligned: rounded to [half_r, half_to), 1 minute shorter.
        cls.half_from, cls.half_to = at - 6 * HOUR - 13 * MIN + 1, at - HOUR - 2 * MIN
        # A window kept empty.
        cls.empty_from, cls.empty_to = at - 21 * HOUR, at - 19 * HOUR

        edges = set()
        for n in (5 * MIN, HOUR, DAY):
            f = at - n
            edges.update([f, f - 1, at - 1, at, f - n, f - n - 1, f + 1])
        span = cls.exp_to - cls.exp_from
        edges.update([cls.exp_from, cls.exp_from - 1, cls.exp_to - 1, cls.exp_to,
                      cls.exp_from - span, cls.exp_from - span - 1])
        uf_r = cls.un_from - 1 + MIN
        ut_r = cls.un_to - 1 + MIN
        edges.update([cls.un_from - 1, cls.un_from + 30 * SEC, uf_r - 1, uf_r,
                      cls.un_to - 1, cls.un_to + 30 * SEC, ut_r - 1, ut_r])
        edges.update([at + 30 * SEC, at + MIN - 1, at + MIN])  # for at + 1 ms
        hf = cls.half_from - 1 + MIN
        hspan = cls.half_to - hf
        edges.update([hf - 1, hf, cls.half_to - 1, cls.half_to, hf - hspan, hf - hspan - 1,
                      hf - hspan - 30 * SEC, hf - hspan - MIN])
        edges = sorted(t for t in edges if oldest <= t < now and
                       not cls.empty_from <= t < cls.empty_to)

        ts_set = set(edges)
        # More density in the short windows, then uniform over 30 h.
        while len(ts_set) < len(edges) + 25:
            ts_set.add(rng.randrange(at - 10 * MIN, min(at + 5 * MIN, now)))
        while len(ts_set) < 500:
            t = rng.randrange(oldest, now - SEC)
            if not cls.empty_from <= t < cls.empty_to:
                ts_set.add(t)
        stamps = sorted(ts_set)
        rng.shuffle(stamps)  # arrival order differs from time order

        def value():
            r = rng.random()
            if r < 0.45:
                return rng.randint(0, 2000)
            if r < 0.5:
                return rng.choice([-17, -1, 70000, 255, 65536])
            return round(rng.uniform(0.01, 999.99), 2)

        sizes = [50] * 6 + [1] * 200
        rng.shuffle(sizes)
        cls.events = []  # (ts, value) as applied
        seq = 0
        pos = 0
        f32_done = False
        for size in sizes:
            batch = []
            for _ in range(size):
                seq += 1
                ts = stamps[pos]
                pos += 1
                v = value()
                ev = {"value": v, "ts": ts, "source_id": "py-agg", "seq": seq}
                if seq % 3 == 0:
                    ev["key"] = "cust-%d" % rng.randrange(100)
                if seq % 4 == 0:
                    ev["tags"] = {"channel": rng.choice(["web", "email", "shop"]),
                                  "region": rng.choice(["eu", "us"])}
                if seq % 7 == 0:
                    ev["x-future-field"] = [1, {"nested": True}]  # ignored
                batch.append(ev)
            if size == 1 and not f32_done:
                ev = batch[0]
                ev["value"] = 2.5
                cls.pub.send("py.order", f32_event(2.5, ev["ts"], "py-agg", ev["seq"]))
                f32_done = True
            else:
                cls.pub.send("py.order", batch[0] if size == 1 else batch)
            cls.events.extend((ev["ts"], ev["value"]) for ev in batch)
        assert pos == 500 and seq == 500
        cls.last_seq = seq
        cls.stats = cls.wait_received(500)

    def get(self, **kw):
        return self.q(op="kpi.get", **kw)

    def test_ping(self):
        r = self.q(op="ping")
        self.assertIs(r["ok"], True)
        self.assertEqual(r["protocol"], 1)
        self.assertIsInstance(r["version"], str)
        self.assertIsInstance(r["uptime_s"], int)
        self.assertGreaterEqual(r["uptime_s"], 0)

    def test_stats(self):
        self.assertStats(self.stats, 500, 500, {}, gaps=0)
        for k in ("commits", "db_bytes", "kpis", "sources"):
            self.assertIn(k, self.stats)
        self.assertEqual(self.stats["kpis"], 2)

    def test_kpi_list(self):
        r = self.q(op="kpi.list")
        self.assertIs(r["ok"], True)
        by = {k["name"]: k for k in r["kpis"]}
        self.assertEqual(set(by), {"py.order", "py.aov"})
        self.assertEqual(by["py.order"]["unit"], "USD")
        self.assertIs(by["py.order"]["derived"], False)

    def test_rolling_windows(self):
        for name, primary in (("py.order", "sum"), ("py.aov", "avg")):
            for w, n in (("5m", 5 * MIN), ("1h", HOUR), ("24h", DAY), ("2d", 2 * DAY)):
                with self.subTest(kpi=name, window=w):
                    r = self.get(name=name, window=w, at=self.at)
                    kpi_check(self, r, primary, self.events, self.at - n, self.at,
                              self.at - 2 * n, "%s %s" % (name, w),
                              unit="USD" if name == "py.order" else None)
                    self.assertEqual(r["name"], name)
                    self.assertEqual(r["window"], w)
                    self.assertEqual(r["aggregate"], primary)

    def test_windows_not_empty(self):
        # The data really exercises the windows (guards the generator).
        for n in (5 * MIN, HOUR, DAY):
            self.assertGreaterEqual(window_stats(self.events, self.at - n, self.at)["count"], 3)
            self.assertGreaterEqual(
                window_stats(self.events, self.at - 2 * n, self.at - n)["count"], 2)

    def test_unaligned_at(self):
        # at + 1 ms is rounded up to the next minute.
        at_r = self.at + MIN
        for name, primary in (("py.order", "sum"), ("py.aov", "avg")):
            with self.subTest(kpi=name):
                r = self.get(name=name, window="1h", at=self.at + 1)
                kpi_check(self, r, primary, self.events, at_r - HOUR, at_r, at_r - 2 * HOUR,
                          name + " 1h at+1ms")

    def test_explicit_window(self):
        f, t = self.exp_from, self.exp_to
        for name, primary in (("py.order", "sum"), ("py.aov", "avg")):
            with self.subTest(kpi=name):
                r = self.get(name=name, window={"from": f, "to": t}, at=self.at)
                kpi_check(self, r, primary, self.events, f, t, f - (t - f), name + " {from,to}")

    def test_explicit_window_rounded(self):
        f, t = self.un_from - 1 + MIN, self.un_to - 1 + MIN
        for name, primary in (("py.order", "sum"), ("py.aov", "avg")):
            with self.subTest(kpi=name):
                r = self.get(name=name, window={"from": self.un_from, "to": self.un_to},
                             at=self.at)
                kpi_check(self, r, primary, self.events, f, t, f - (t - f),
                          name + " unaligned {from,to}")

    def test_default_window_is_24h(self):
        r = self.get(name="py.order", at=self.at)
        kpi_check(self, r, "sum", self.events, self.at - DAY, self.at, self.at - 2 * DAY,
                  "py.order default window")

    def test_events_after_at_do_not_count(self):
        # An explicit window reaching past `at`: only events before at count.
        r = self.get(name="py.order", window={"from": self.at - HOUR, "to": self.at + 30 * MIN},
                     at=self.at)
        self.assertIs(r["ok"], True, r)
        cur = window_stats(self.events, self.at - HOUR, self.at)
        self.assertGreater(window_stats(self.events, self.at, self.at + 30 * MIN)["count"], 0)
        self.assertEqual(r["count"], cur["count"])
        self.assertNum(r["sum"], cur["sum"], "sum", cur["scale"])
        self.assertNum(r["max"], cur["max"], "max")
        self.assertNum(r["last"], cur["last"], "last")

    def test_explicit_window_one_bound_unaligned(self):
        # Only from is unaligned: the window is [from_r, to), one minute shorter
        # than asked, and previous is the same length just before it.
        f, t = self.half_from - 1 + MIN, self.half_to
        for name, primary in (("py.order", "sum"), ("py.aov", "avg")):
            with self.subTest(kpi=name):
                r = self.get(name=name, window={"from": self.half_from, "to": t}, at=self.at)
                kpi_check(self, r, primary, self.events, f, t, f - (t - f),
                          name + " {from+1ms, to}")

    def test_empty_window(self):
        f, t = self.empty_from, self.empty_to
        self.assertEqual(window_stats(self.events, f, t)["count"], 0)
        for name, primary in (("py.order", "sum"), ("py.aov", "avg")):
            with self.subTest(kpi=name):
                r = self.get(name=name, window={"from": f, "to": t}, at=self.at)
                self.assertIs(r["ok"], True, r)
                self.assertEqual(r["count"], 0)
                self.assertEqual(r["sum"], 0)
                self.assertEqual(r["rate"], 0)
                for k in ("avg", "min", "max", "last", "stddev"):
                    self.assertIsNone(r[k], "%s: %s of an empty window" % (name, k))
                self.assertEqual(r["value"], 0 if primary == "sum" else None)
                kpi_check(self, r, primary, self.events, f, t, f - (t - f), name + " empty")

    def test_aggregate_override(self):
        f, t = self.at - DAY, self.at
        cur = window_stats(self.events, f, t)
        prev = window_stats(self.events, f - DAY, f)
        for name in ("py.order", "py.aov"):
            for agg in ("count", "sum", "avg", "min", "max", "last", "stddev", "rate"):
                with self.subTest(kpi=name, aggregate=agg):
                    r = self.get(name=name, window="24h", at=self.at, aggregate=agg)
                    self.assertIs(r["ok"], True, r)
                    self.assertEqual(r["aggregate"], agg)
                    if agg == "stddev":
                        self.assertStddev(r["value"], cur, "value")
                        self.assertStddev(r["previous"], prev, "previous")
                        continue
                    sc = {"sum": cur["scale"], "avg": cur["scale"] / cur["count"],
                          "rate": cur["scale"] / (DAY / 1000)}.get(agg)
                    psc = {"sum": prev["scale"], "avg": prev["scale"] / max(prev["count"], 1),
                           "rate": prev["scale"] / (DAY / 1000)}.get(agg)
                    self.assertNum(r["value"], cur[agg], "value", sc)
                    self.assertNum(r["previous"], prev[agg], "previous", psc)
                    want = change_pct(cur[agg], prev[agg])
                    if want is None:
                        self.assertIsNone(r["change_pct"])
                    else:
                        self.assertTrue(math.isclose(r["change_pct"], want, rel_tol=1e-6))

    def check_series(self, name, agg, frm, to, step, step_ms):
        r = self.q(op="kpi.series", name=name, **{"from": frm, "to": to}, step=step,
                   aggregate=agg)
        self.assertIs(r["ok"], True, r)
        pts = r["points"]
        self.assertEqual(len(pts), (to - frm) // step_ms)
        for i, p in enumerate(pts):
            s = frm + i * step_ms
            self.assertEqual(len(p), 2)
            self.assertEqual(p[0], s, "point %d start" % i)
            exp = window_stats(self.events, s, s + step_ms)
            sc = {"sum": exp["scale"], "avg": exp["scale"] / max(exp["count"], 1)}.get(agg)
            self.assertNum(p[1], exp[agg], "%s %s point %d [%d, %d)" % (name, agg, i, s,
                                                                       s + step_ms), sc)
        return pts

    def test_series_1h(self):
        frm, to = self.at - 30 * HOUR, self.at
        pts = self.check_series("py.order", "sum", frm, to, "1h", HOUR)
        # The empty hours are there, with sum 0 (and nil for avg).
        self.assertEqual(pts[(self.empty_from - frm) // HOUR][1], 0)
        pts = self.check_series("py.aov", "avg", frm, to, "1h", HOUR)
        self.assertIsNone(pts[(self.empty_from - frm) // HOUR][1])
        self.check_series("py.order", "count", frm, to, "1h", HOUR)
        # The primary aggregate when none is given.
        r = self.q(op="kpi.series", name="py.order", **{"from": frm, "to": to}, step="1h")
        self.assertIs(r["ok"], True, r)
        self.assertEqual(len(r["points"]), 30)
        for i, p in enumerate(r["points"]):
            s = frm + i * HOUR
            self.assertNum(p[1], window_stats(self.events, s, s + HOUR)["sum"],
                           "primary point %d" % i,
                           window_stats(self.events, s, s + HOUR)["scale"])

    def test_series_15m(self):
        self.check_series("py.order", "sum", self.at - 3 * HOUR, self.at, "15m", 15 * MIN)
        self.check_series("py.aov", "max", self.at - 3 * HOUR, self.at, "15m", 15 * MIN)

    def test_source_list(self):
        r = self.q(op="source.list")
        self.assertIs(r["ok"], True, r)
        by = {s["source_id"]: s for s in r["sources"]}
        self.assertIn("py-agg", by)
        s = by["py-agg"]
        self.assertEqual(s["last_seq"], 500)
        self.assertEqual(s["last_ts"], max(ts for ts, _ in self.events))
        self.assertEqual(s["gaps"], 0)


# ---- (2) de-duplication ---------------------------------------------------------------

class T2Dedup(OkrdTestCase):
    """seq de-duplication across messages and inside batches, gaps, source.list,
    and de-duplication that survives a restart."""

    @classmethod
    def prepare(cls):
        now = now_ms()
        cls.t0 = t0 = now // MIN * MIN - 2 * HOUR
        cls.applied = []  # (ts, value)
        p = cls.pub

        def ev(sid, seq, value, ts=None):
            e = {"value": value, "ts": t0 + seq * SEC if ts is None else ts}
            if sid is not None:
                e["source_id"] = sid
            if seq is not None:
                e["seq"] = seq
            return e

        def ok(e):
            cls.applied.append((e["ts"], e["value"]))
            return e

        late = t0 + 30 * MIN  # replays carry a later ts: must not move last_ts
        # dd-a, across messages
        for s in (1, 2, 3):
            p.send("py.order", ok(ev("dd-a", s, 10 * s)))
        p.send("py.order", ev("dd-a", 2, 1000, late))             # duplicate
        p.send("py.order", ev("dd-a", 3, 2000, late))             # duplicate
        p.send("py.order", ok(ev("dd-a", 4, 40)))
        p.send("py.order", ok(ev("dd-a", 7, 70)))                 # gap: 5, 6
        # inside one batch
        p.send("py.order", [ok(ev("dd-a", 8, 80)), ev("dd-a", 8, 800, late)])
        p.send("py.order", [ok(ev("dd-a", 10, 100)), ev("dd-a", 9, 900, late)])  # gap: 9
        p.send("py.order", [ok(ev("dd-a", 11, 110)), ev("dd-a", 11, 1100, late),
                            ev("dd-a", 5, 5000, late), ok(ev("dd-a", 12, 120))])
        # a rejected event does not consume its seq
        p.send("py.order", ev("dd-a", 13, float("nan"), late))    # bad_value
        p.send("py.order", ev("dd-a", 13, 13, now + 3600 * SEC))  # bad_time
        p.send("py.order", ok(ev("dd-a", 13, 130)))
        # dd-b: its own sequence
        p.send("py.order", [ok(ev("dd-b", s, 1, t0 + 100 * SEC + s)) for s in range(1, 6)])
        p.send("py.order", ev("dd-b", 5, 99, late))               # duplicate
        p.send("py.order", ok(ev("dd-b", 1000, 3, t0 + 200 * SEC)))  # gap: 994
        # seq 0 is a sequence number like any other
        p.send("py.order", ok(ev("dd-z", 0, 2, t0 + 400 * SEC)))
        p.send("py.order", ev("dd-z", 0, 2000, late))             # duplicate
        p.send("py.order", ok(ev("dd-z", 1, 3, t0 + 401 * SEC)))
        # without source_id, or without seq: nothing to de-duplicate against
        p.send("py.order", ok(ev(None, 1, 7, t0 + 300 * SEC)))
        p.send("py.order", ok(ev(None, 1, 7, t0 + 301 * SEC)))
        p.send("py.order", ok(ev("dd-c", None, 3, t0 + 302 * SEC)))
        p.send("py.order", ok(ev("dd-c", None, 3, t0 + 303 * SEC)))
        cls.expect_rejected = {"duplicate": 8, "bad_value": 1, "bad_time": 1}
        cls.expect_received = len(cls.applied) + 10
        cls.stats = cls.wait_received(cls.expect_received)

    def window(self):
        r = self.q(op="kpi.get", name="py.order",
                   window={"from": self.t0, "to": self.t0 + HOUR})
        self.assertIs(r["ok"], True, r)
        return r

    def sources(self):
        r = self.q(op="source.list")
        self.assertIs(r["ok"], True, r)
        return {s["source_id"]: s for s in r["sources"]}

    def test_1_counts(self):
        self.assertEqual(len(self.applied), 22)
        self.assertStats(self.stats, self.expect_received, 22, self.expect_rejected, gaps=997)

    def test_2_no_double_count(self):
        r = self.window()
        self.assertEqual(r["count"], 22)
        self.assertNum(r["sum"], math.fsum(v for _, v in self.applied), "sum")
        self.assertNum(r["max"], 130, "max")  # 5000, 2000... were duplicates

    def test_3_source_list(self):
        by = self.sources()
        self.assertEqual(by["dd-a"]["last_seq"], 13)
        self.assertEqual(by["dd-a"]["gaps"], 3)
        self.assertEqual(by["dd-a"]["last_ts"], self.t0 + 13 * SEC)
        self.assertEqual(by["dd-b"]["last_seq"], 1000)
        self.assertEqual(by["dd-b"]["gaps"], 994)
        self.assertEqual(by["dd-b"]["last_ts"], self.t0 + 200 * SEC)
        self.assertEqual((by["dd-z"]["last_seq"], by["dd-z"]["gaps"]), (1, 0))
        for s in by.values():
            self.assertEqual(set(s), {"source_id", "last_seq", "last_ts", "gaps"})

    def test_4_restart_keeps_dedup(self):
        cls = type(self)
        cls.pub.close()
        cls.pub = None
        self.assertEqual(cls.okrd.stop(), 0, "okrd exit code after SIGTERM")
        cls.okrd.start()
        cls.pub = Publisher(cls.okrd.ingest)
        base = self.q(op="stats")
        self.assertIs(base["ok"], True)
        # A publisher replays its spool after the restart: nothing counts twice.
        for s in range(1, 14):
            cls.pub.send("py.order", {"value": 555, "ts": self.t0 + 40 * MIN,
                                      "source_id": "dd-a", "seq": s})
        cls.pub.send("py.order", [{"value": 555, "ts": self.t0 + 40 * MIN,
                                   "source_id": "dd-b", "seq": s} for s in (999, 1000)])
        cls.pub.send("py.order", {"value": 140, "ts": self.t0 + 14 * SEC,
                                  "source_id": "dd-a", "seq": 14})
        st = self.wait_received(base["received"] + 16)
        self.assertEqual(st["received"] - base["received"], 16)
        self.assertEqual(st["applied"] - base["applied"], 1)
        self.assertEqual(st["rejected"]["duplicate"] - base["rejected"]["duplicate"], 15)
        self.assertEqual(st["gaps"] - base["gaps"], 0)
        r = self.window()
        self.assertEqual(r["count"], 23)
        self.assertNum(r["sum"], math.fsum(v for _, v in self.applied) + 140, "sum")
        by = self.sources()
        self.assertEqual(by["dd-a"]["last_seq"], 14)
        self.assertEqual(by["dd-a"]["gaps"], 3)
        self.assertEqual(by["dd-b"]["last_seq"], 1000)


# ---- (3) garbage ---------------------------------------------------------------------

class T3Garbage(OkrdTestCase):
    """Whatever a publisher sends: exact rejection counts, and okrd answers."""

    @classmethod
    def prepare(cls):
        rng = random.Random(4242)
        now = now_ms()
        ts = now - 10 * MIN
        exp = collections.Counter()
        received = 0
        p = cls.pub

        def send(topic, body, n, reason):
            nonlocal received
            p.send(topic, body)
            exp[reason] += n
            received += n

        def frames(fr, reason="malformed"):
            nonlocal received
            p.send_frames(fr)
            exp[reason] += 1
            received += 1

        good = {"value": 1.5, "ts": ts}
        # valid events, including every size limit at its maximum
        send("py.order", good, 1, "applied")
        send("py.order", {}, 1, "applied")                      # value 1, ts now
        send("py.order", {"value": -3, "ts": ts, "key": "k" * 256, "source_id": "s" * 64,
                          "tags": {("t%02d" % i) + "x" * 61: "v" * 64 for i in range(16)}},
             1, "applied")
        send("py.order", f32_event(0.25, ts, "g-f32", 1), 1, "applied")
        send("py.order", {"value": 2, "ts": now + 200 * SEC}, 1, "applied")
        send("py.order", [{"value": 1}] * 10000, 10000, "applied")  # the largest batch
        # undecodable or wrongly shaped bodies: counted once per message
        for _ in range(5):
            send("py.order", b"\xc1" + rng.randbytes(rng.randrange(0, 64)), 1, "malformed")
        send("py.order", pack({"value": 1, "ts": ts})[:-3], 1, "malformed")  # truncated
        send("py.order", pack({"value": 1, "ts": ts}) + b"\x01", 1, "malformed")  # trailing
        send("py.order", b"", 1, "malformed")
        for body in (42, "value", None, True, 1.5, [], [[{"value": 1}]],
                     [{"value": 1}, [{"value": 1}]], [{"value": 1}, 7],
                     [{"value": 1}] * 10001):
            send("py.order", body, 1, "malformed")
        frames([b"py.order", pack(good), pack(good)])            # 3 frames
        frames([b"py.order", pack([good] * 3), b"", b"x"])       # 4 frames
        frames([b"py.order"])                                     # 1 frame
        frames([pack(good)])                                      # 1 frame (a body)
        # a field other than value breaks its type or size: per event
        for bad in ({"ts": "yesterday"}, {"ts": float(ts)}, {"ts": [ts]},
                    {"seq": -1, "source_id": "g"}, {"seq": "1", "source_id": "g"},
                    {"seq": 1.0, "source_id": "g"},
                    {"key": 12}, {"key": "k" * 257}, {"key": b"bytes"},
                    {"tags": ["a", "b"]}, {"tags": {"k%d" % i: "v" for i in range(17)}},
                    {"tags": {"k" * 65: "v"}}, {"tags": {"k": "v" * 65}}, {"tags": {"k": 1}},
                    {"tags": {1: "v"}}, {"source_id": 5}, {"source_id": "s" * 65}):
            body = dict(good)
            body.update(bad)
            send("py.order", body, 1, "malformed")
        send("py.order", [good, dict(good, key=None), good], 1, "malformed")
        exp["applied"] += 2
        received += 2
        # value not a finite number
        for v in (float("nan"), float("inf"), float("-inf"), "12", None, True, [1], {"a": 1},
                  b"\x01"):
            send("py.order", {"value": v, "ts": ts}, 1, "bad_value")
        nan32 = f32_event(0.0, ts, "g-f32", 2).replace(b"\xca\x00\x00\x00\x00",
                                                          b"\xca\x7f\xc0\x00\x00")
        send("py.order", nan32, 1, "bad_value")                 # float 32 NaN
        send("py.order", [{"value": float("nan"), "ts": ts}, good], 1, "bad_value")
        exp["applied"] += 1
        received += 1
        # topics
        send("py order", good, 1, "bad_topic")
        send("py.order!", [good] * 3, 3, "bad_topic")
        send(b"", good, 1, "bad_topic")
        send(b"\xff\xfe", good, 1, "bad_topic")
        send(b"py.order\x00", good, 1, "bad_topic")
        send("é.order", good, 1, "bad_topic")
        send("a" * 201, good, 1, "bad_topic")
        send("py.nobody", good, 1, "unknown_source")
        send("py.nobody", [good] * 4, 4, "unknown_source")
        send("a" * 200, good, 1, "unknown_source")
        send("py.orde", good, 1, "unknown_source")
        send("py.order.x", good, 1, "unknown_source")
        send("py.aov", good, 1, "unknown_source")  # a KPI name, but not a source
        # time
        send("py.order", {"value": 1, "ts": now + 3600 * SEC}, 1, "bad_time")
        send("py.order", {"value": 1, "ts": now - 6 * 366 * DAY}, 1, "bad_time")
        send("py.order", {"value": 1, "ts": now + 350 * SEC}, 1, "bad_time")
        send("py.order", {"value": 1, "ts": now + 250 * SEC}, 1, "applied")
        send("py.order", {"value": 1, "ts": 0}, 1, "bad_time")
        send("py.order", {"value": 1, "ts": -1}, 1, "bad_time")
        send("py.order", [{"value": 1, "ts": now + 3600 * SEC}, good], 1, "bad_time")
        exp["applied"] += 1
        received += 1
        # duplicate
        send("py.order", {"value": 1, "ts": ts, "source_id": "g", "seq": 5}, 1, "applied")
        send("py.order", {"value": 1, "ts": ts, "source_id": "g", "seq": 5}, 1, "duplicate")

        cls.exp = exp
        cls.expect_received = received
        cls.stats = cls.wait_received(received)

    def test_counts(self):
        exp = dict(self.exp)
        applied = exp.pop("applied")
        self.assertStats(self.stats, self.expect_received, applied, exp, gaps=0)

    def test_default_at_includes_current_minute(self):
        # Every applied event but the two stamped 200 s and 250 s ahead is in
        # the last hour; those without ts are in the current, partial minute.
        r = self.q(op="kpi.get", name="py.order", window="1h")
        self.assertIs(r["ok"], True, r)
        self.assertEqual(r["count"], self.exp["applied"] - 2)

    def test_oversized_message(self):
        # Larger than ingest.max_message_bytes (1 MiB): dropped by ZeroMQ, and
        # okrd goes on answering and ingesting.
        base = self.q(op="stats")
        big = Publisher(self.okrd.ingest)
        try:
            big.send("py.order", {"value": 1, "pad": "x" * (2 << 20)})
            self.assertIs(self.q(op="ping")["ok"], True)
        finally:
            big.close()
        pub = Publisher(self.okrd.ingest)
        try:
            pub.send("py.order", {"value": 3})
            st = self.wait_received(base["received"] + 1)
        finally:
            pub.close()
        self.assertEqual(st["received"], base["received"] + 1)
        self.assertEqual(st["applied"], base["applied"] + 1)

    def test_ping_still_answers(self):
        r = self.q(op="ping")
        self.assertIs(r["ok"], True)
        self.assertEqual(r["protocol"], 1)

    def test_bad_requests(self):
        ep = self.okrd.query
        cases = [(b"\xc1", "bad_request"), (b"", "bad_request"), (pack([1, 2]), "bad_request"),
                 (pack("ping"), "bad_request"), (pack({"noop": 1}), "bad_request"),
                 (pack({"op": 5}), "bad_request"), (pack({"op": "nope"}), "bad_request"),
                 (pack({"op": "kpi.get"}), "bad_request"),
                 (pack({"op": "kpi.get", "name": 5}), "bad_request"),
                 (pack({"op": "kpi.get", "name": "py.order", "window": "bogus"}),
                  "bad_request"),
                 (pack({"op": "kpi.get", "name": "py.order", "at": "now"}), "bad_request"),
                 (pack({"op": "kpi.get", "name": "nope"}), "not_found"),
                 (pack({"op": "kpi.series", "name": "nope", "from": 0, "to": MIN,
                        "step": "1m"}), "not_found")]
        for raw, code in cases:
            with self.subTest(request=raw[:40]):
                r = request(ep, raw)
                self.assertIs(r.get("ok"), False, r)
                self.assertEqual(r.get("error"), code, r)
                self.assertIsInstance(r.get("message"), str)
        with self.subTest(request="two frames"):
            r = request(ep, frames=[pack({"op": "ping"}), pack({"op": "ping"})])
            self.assertIs(r.get("ok"), False, r)
            self.assertEqual(r.get("error"), "bad_request", r)
        self.assertIs(self.q(op="ping")["ok"], True)


# ---- (4) okrctl -----------------------------------------------------------------------

class T4Okrctl(OkrdTestCase):
    """okrctl against the same daemon: its JSON agrees with Python's numbers."""

    @classmethod
    def prepare(cls):
        rng = random.Random(77)
        now = now_ms()
        cls.at = at = now // HOUR * HOUR - HOUR
        cls.events = []
        batch = []
        for i in range(60):
            ts = rng.randrange(at - 2 * HOUR, min(at + 30 * MIN, now))
            v = rng.choice([rng.randint(1, 500), round(rng.uniform(1, 500), 2)])
            batch.append({"value": v, "ts": ts})
            cls.events.append((ts, v))
        cls.pub.send("py.order", batch)
        cls.wait_received(60)

    def ctl(self, *args, timeout=15):
        p = subprocess.run([OKRCTL] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode(
            "utf-8", "replace")

    def ctl_json(self, *args):
        rc, out, err = self.ctl(*args)
        self.assertEqual(rc, 0, "okrctl %s: rc %d, stderr %r" % (" ".join(map(str, args)), rc,
                                                                 err))
        try:
            return json.loads(out)
        except ValueError as e:
            self.fail("okrctl %s: stdout is not JSON (%s): %r" % (" ".join(map(str, args)), e,
                                                                 out))

    def test_help(self):
        rc, out, _ = self.ctl("--help")
        self.assertEqual(rc, 0)
        self.assertIn("usage", out.lower())

    def test_ping_json(self):
        j = self.ctl_json("-e", self.okrd.query, "--json", "ping")
        self.assertIs(j["ok"], True)
        self.assertEqual(j["protocol"], 1)

    def test_kpi_get_json(self):
        for name, primary in (("py.order", "sum"), ("py.aov", "avg")):
            with self.subTest(kpi=name):
                j = self.ctl_json("-e", self.okrd.query, "--json", "kpi", "get", name,
                                  "--window", "1h", "--at", self.at)
                exp = window_stats(self.events, self.at - HOUR, self.at)
                self.assertGreater(exp["count"], 5)
                self.assertEqual(j["count"], exp["count"])
                self.assertEqual(j["from"], self.at - HOUR)
                self.assertEqual(j["to"], self.at)
                self.assertNum(j["value"], exp[primary], "value", exp["scale"])
                self.assertNum(j["sum"], exp["sum"], "sum", exp["scale"])
                # the same numbers as a direct request
                r = self.q(op="kpi.get", name=name, window="1h", at=self.at)
                for k in ("count", "sum", "avg", "min", "max", "last", "previous"):
                    self.assertNum(j[k], r[k], k, abs(r[k] or 0))

    def test_kpi_get_json_forms(self):
        # --window FROM..TO and an ISO --at give the same numbers.
        f, t = self.at - 80 * MIN, self.at - 20 * MIN  # clear of test_emit's event
        j = self.ctl_json("-e", self.okrd.query, "--json", "kpi", "get", "py.order",
                          "--window", "%d..%d" % (f, t), "--at", self.at)
        exp = window_stats(self.events, f, t)
        self.assertEqual((j["from"], j["to"], j["count"]), (f, t, exp["count"]))
        self.assertNum(j["sum"], exp["sum"], "sum", exp["scale"])
        iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.at // 1000))
        j = self.ctl_json("-e", self.okrd.query, "--json", "kpi", "get", "py.aov",
                          "--window", "1h", "--at", iso, "--aggregate", "max")
        exp = window_stats(self.events, self.at - HOUR, self.at)
        self.assertEqual((j["from"], j["to"], j["count"]), (self.at - HOUR, self.at,
                                                             exp["count"]))
        self.assertNum(j["value"], exp["max"], "max")

    def test_list_series_json(self):
        j = self.ctl_json("-e", self.okrd.query, "--json", "kpi", "list")
        self.assertEqual(j["kpis"], self.q(op="kpi.list")["kpis"])
        f, t = self.at - 3 * HOUR, self.at
        j = self.ctl_json("-e", self.okrd.query, "--json", "kpi", "series", "py.order",
                          "--from", f, "--to", t, "--step", "1h")
        self.assertEqual(len(j["points"]), 3)
        for p in j["points"]:
            exp = window_stats(self.events, p[0], p[0] + HOUR)
            self.assertNum(p[1], exp["sum"], "series point", exp["scale"])
        self.assertEqual([p[0] for p in j["points"]], [f, f + HOUR, f + 2 * HOUR])

    def test_emit_dedup(self):
        base = self.q(op="stats")
        args = ["-i", self.okrd.ingest, "emit", "py.order", "7", "--ts", self.at - 5 * HOUR,
                "--source-id", "ctl-1", "--seq", "3", "--tag", "channel=web", "--key", "c-9"]
        for _ in range(2):
            rc, _, err = self.ctl(*args)
            self.assertEqual(rc, 0, err)
        rc, _, err = self.ctl("-i", self.okrd.ingest, "emit", "py.order", "--ts",
                              self.at - 5 * HOUR + 1)  # no value: 1
        self.assertEqual(rc, 0, err)
        st = self.wait_received(base["received"] + 3)
        self.assertEqual(st["applied"] - base["applied"], 2)
        self.assertEqual(st["rejected"]["duplicate"] - base["rejected"]["duplicate"], 1)
        r = self.q(op="kpi.get", name="py.order",
                   window={"from": self.at - 5 * HOUR, "to": self.at - 4 * HOUR})
        self.assertEqual((r["count"], r["sum"]), (2, 8))
        src = {x["source_id"]: x for x in self.q(op="source.list")["sources"]}
        self.assertEqual(src["ctl-1"]["last_seq"], 3)

    def test_stats_json(self):
        j = self.ctl_json("-e", self.okrd.query, "--json", "stats")
        r = self.q(op="stats")
        for k in ("ok", "received", "applied", "rejected", "gaps", "kpis", "sources"):
            self.assertEqual(j[k], r[k], k)

    def test_emit(self):
        ts = self.at - 90 * MIN + 123
        win = {"from": self.at - 2 * HOUR, "to": self.at - HOUR}
        before = self.q(op="kpi.get", name="py.order", window=win, at=self.at)
        base = self.q(op="stats")
        rc, out, err = self.ctl("-i", self.okrd.ingest, "emit", "py.order", "42.5", "--ts", ts)
        self.assertEqual(rc, 0, "okrctl emit: rc %d, stderr %r" % (rc, err))
        st = self.wait_received(base["received"] + 1)
        self.assertEqual(st["applied"], base["applied"] + 1)
        after = self.q(op="kpi.get", name="py.order", window=win, at=self.at)
        self.assertEqual(after["count"], before["count"] + 1)
        self.assertNum(after["sum"], before["sum"] + 42.5, "sum", before["sum"] + 42.5)
        self.events.append((ts, 42.5))
        exp = window_stats(self.events, win["from"], win["to"])
        self.assertEqual(after["count"], exp["count"])
        self.assertNum(after["sum"], exp["sum"], "sum", exp["scale"])

    def test_not_found_exits_1(self):
        rc, _, err = self.ctl("-e", self.okrd.query, "kpi", "get", "nope")
        self.assertEqual(rc, 1, err)

    def test_unreachable_exits_3(self):
        nobody = "ipc://%s/nobody.sock" % self.okrd.dir
        t0 = time.monotonic()
        rc, _, err = self.ctl("-e", nobody, "-t", "300", "ping")
        self.assertEqual(rc, 3, err)
        rc, _, err = self.ctl("-e", nobody, "-t", "300", "kpi", "get", "py.order")
        self.assertEqual(rc, 3, err)
        rc, _, err = self.ctl("-i", nobody, "-t", "300", "emit", "py.order", "1")
        self.assertEqual(rc, 3, err)
        self.assertLess(time.monotonic() - t0, 8.0)

    def test_failover(self):
        nobody = "ipc://%s/nobody.sock" % self.okrd.dir
        j = self.ctl_json("-e", nobody, "-e", self.okrd.query, "-t", "300", "--json", "ping")
        self.assertIs(j["ok"], True)


# ---- (5) old events: hour and day buckets -----------------------------------------------

def ceil_to(t, unit):
    return -(-t // unit) * unit


class T5OldEvents(OkrdTestCase):
    """Events past the minute retention (48h) live in hour buckets, past the
    hour retention (90d) in day buckets; window edges round up accordingly."""

    @classmethod
    def prepare(cls):
        now = now_ms()
        cls.H = H = now // HOUR * HOUR
        today = now // DAY * DAY
        cls.b3 = b3 = H - 3 * DAY
        cls.b10 = b10 = H - 10 * DAY
        cls.b60 = b60 = H - 60 * DAY
        cls.d100 = d100 = today - 100 * DAY
        cls.d400 = d400 = today - 400 * DAY
        cls.events = [
            (b3 - 1, 17), (b3 + 30 * MIN + 7, 11), (b3 + HOUR + 5 * MIN, 13),
            (b3 + 2 * HOUR - 1, 19), (b3 + 2 * HOUR, 23),
            (b10 + 10 * MIN, 29), (b10 + 59 * MIN, 31),
            (b60, 37), (b60 + HOUR - 1, 41.5), (b60 + HOUR, 43),
            (d100 - 1, 61), (d100 + 5 * HOUR, 47), (d100 + 23 * HOUR + 59 * MIN, 53.25),
            (d100 + DAY, 59),
            (d400 + 12 * HOUR, 67), (today - 4 * 365 * DAY + HOUR, 71)]
        body = [{"value": v, "ts": ts} for ts, v in cls.events]
        cls.pub.send("py.order", body[:8])
        for e in body[8:]:
            cls.pub.send("py.order", e)
        cls.stats = cls.wait_received(len(body))

    def get(self, window, at=None):
        r = self.q(op="kpi.get", name="py.order", window=window, at=self.H if at is None else at)
        self.assertIs(r["ok"], True, r)
        return r

    def test_all_applied(self):
        self.assertStats(self.stats, len(self.events), len(self.events), {})

    def test_hour_buckets(self):
        b3 = self.b3
        r = self.get({"from": b3, "to": b3 + 2 * HOUR})
        kpi_check(self, r, "sum", self.events, b3, b3 + 2 * HOUR, b3 - 2 * HOUR, "3 days ago")
        r = self.get({"from": self.b60, "to": self.b60 + HOUR})
        kpi_check(self, r, "sum", self.events, self.b60, self.b60 + HOUR, self.b60 - HOUR,
                  "60 days ago")

    def test_hour_rounding(self):
        # Minute buckets have expired at b3: from rounds up to the hour.
        b3 = self.b3
        r = self.get({"from": b3 + 1, "to": b3 + 2 * HOUR})
        kpi_check(self, r, "sum", self.events, b3 + HOUR, b3 + 2 * HOUR, None, "3 days ago, b3+1")

    def test_day_buckets(self):
        d = self.d100
        r = self.get({"from": d, "to": d + DAY})
        kpi_check(self, r, "sum", self.events, d, d + DAY, d - DAY, "100 days ago")
        # Hour buckets have expired too: from rounds up to the day.
        r = self.get({"from": d + 1, "to": d + 2 * DAY})
        kpi_check(self, r, "sum", self.events, d + DAY, d + 2 * DAY, None, "100 days ago, d+1")
        r = self.get({"from": d + 6 * HOUR, "to": d + 2 * DAY})
        kpi_check(self, r, "sum", self.events, d + DAY, d + 2 * DAY, None, "100 days ago, d+6h")

    def test_previous_of_rounded_explicit_window(self):
        # The window is evaluated as [from_r, to_r) once rounded; `previous`
        # is the window just before it, of the same length:
        # [from_r - (to_r - from_r), from_r).
        b3, d = self.b3, self.d100
        for w, f, t in (({"from": b3 + 1, "to": b3 + 2 * HOUR}, b3 + HOUR, b3 + 2 * HOUR),
                        ({"from": d + 1, "to": d + 2 * DAY}, d + DAY, d + 2 * DAY)):
            with self.subTest(window=w):
                r = self.get(w)
                self.assertEqual((r["from"], r["to"]), (f, t))
                kpi_check(self, r, "sum", self.events, f, t, f - (t - f),
                          "previous of %r (rounded to [%d, %d))" % (w, f, t))

    def test_rolling_long_windows(self):
        H = self.H
        for w, n in (("7d", 7 * DAY), ("30d", 30 * DAY), ("60d", 60 * DAY)):
            with self.subTest(window=w):
                pfrom = H - 2 * n
                if pfrom < H - 80 * DAY:  # past the hour retention: day rounding
                    pfrom = ceil_to(pfrom, DAY)
                kpi_check(self, self.get(w), "sum", self.events, H - n, H, pfrom, w)
        f = ceil_to(H - 400 * DAY, DAY)
        kpi_check(self, self.get("400d"), "sum", self.events, f, H, ceil_to(f - 400 * DAY, DAY),
                  "400d")

    def test_series(self):
        d = self.d100
        r = self.q(op="kpi.series", name="py.order", **{"from": d - 2 * DAY, "to": d + 3 * DAY},
                   step="1d")
        self.assertIs(r["ok"], True, r)
        self.assertEqual([p[0] for p in r["points"]], [d + i * DAY for i in range(-2, 3)])
        for p in r["points"]:
            self.assertNum(p[1], window_stats(self.events, p[0], p[0] + DAY)["sum"], "day point")
        b3 = self.b3
        r = self.q(op="kpi.series", name="py.order", **{"from": b3 - HOUR, "to": b3 + 3 * HOUR},
                   step="1h", aggregate="count")
        self.assertIs(r["ok"], True, r)
        self.assertEqual(r["points"], [[b3 + i * HOUR, c] for i, c in zip(range(-1, 3),
                                                                         (1, 1, 2, 1))])


# ---- (6) the process: configuration, signals, second instance, logs ---------------------

def journal_env(log):
    st = os.fstat(log.fileno())
    return dict(os.environ, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))


class T6Process(OkrdTestCase):
    """SPEC 5 and 6: --check-config, exit codes, SIGHUP, one okrd per state_dir,
    journal priority prefixes."""

    env = staticmethod(journal_env)

    def run_okrd(self, *args, timeout=DEADLINE_S):
        p = subprocess.run([OKRD] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace") + p.stderr.decode(
            "utf-8", "replace")

    def write(self, name, text):
        path = os.path.join(self.okrd.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_1_check_config(self):
        rc, out = self.run_okrd("--check-config", self.okrd.conf)
        self.assertEqual(rc, 0, out)
        bad = self.write("bad.conf", CONFIG.format(dir=self.okrd.dir).replace(
            'commit_interval_ms = 20;', 'commit_interval_ms = "fast";').replace(
            'aggregate = "avg";', 'aggregate = "bogus";'))
        rc, out = self.run_okrd("--check-config", bad)
        self.assertEqual(rc, 1, out)
        self.assertIn("%s:1:" % bad, out)  # the daemon line
        self.assertIn("%s:5:" % bad, out)  # the py.aov line
        rc, out = self.run_okrd("-c", bad, "--foreground")
        self.assertEqual(rc, 1, out)
        rc, out = self.run_okrd("--no-such-option")
        self.assertEqual(rc, 2, out)

    def test_2_second_instance_refused(self):
        rc, out = self.run_okrd("-c", self.okrd.conf, "--foreground")
        self.assertNotIn(rc, (0, 2), out)
        self.assertTrue(out.strip(), "no message from the second okrd")
        # The first one is unharmed: it answers and still ingests.
        base = self.q(op="stats")
        self.pub.send("py.order", {"value": 5})
        st = self.wait_received(base["received"] + 1)
        self.assertEqual(st["applied"], base["applied"] + 1)

    def test_3_sighup_reload(self):
        base = self.q(op="stats")
        self.pub.send("py.refund", {"value": 5})
        st = self.wait_received(base["received"] + 1)
        self.assertEqual(st["rejected"]["unknown_source"], base["rejected"]["unknown_source"] + 1)
        conf = CONFIG.format(dir=self.okrd.dir).replace(
            " );", ',\n         { name = "py.refund"; unit = "USD"; } );')
        self.write("okrd.conf", conf)
        self.okrd.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + DEADLINE_S
        while "py.refund" not in [k["name"] for k in self.q(op="kpi.list")["kpis"]]:
            self.assertLess(time.monotonic(), deadline, "py.refund not in kpi.list after SIGHUP")
            time.sleep(0.01)
        self.pub.send("py.refund", {"value": 5})
        st = self.wait_received(base["received"] + 2)
        self.assertEqual(st["applied"], base["applied"] + 1)
        r = self.q(op="kpi.get", name="py.refund", window="5m")
        self.assertEqual((r["ok"], r["count"], r["sum"]), (True, 1, 5))
        # A bad configuration is logged and the running one kept.
        size = os.path.getsize(self.okrd.log_path)
        self.write("okrd.conf", "kpis = ( { name = ; } );\n")
        self.okrd.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + DEADLINE_S
        while os.path.getsize(self.okrd.log_path) == size:
            self.assertLess(time.monotonic(), deadline, "nothing logged for a bad config")
            time.sleep(0.01)
        self.assertEqual(len(self.q(op="kpi.list")["kpis"]), 3)
        self.pub.send("py.refund", {"value": 2})
        st = self.wait_received(base["received"] + 3)
        self.assertEqual(st["applied"], base["applied"] + 2)
        self.write("okrd.conf", conf)

    def test_4_journal_prefixes(self):
        # JOURNAL_STREAM names okrd's stderr: every log line has a <N> prefix.
        with open(self.okrd.log_path, "rb") as f:
            lines = [ln for ln in f.read().decode("utf-8", "replace").splitlines() if ln]
        self.assertTrue(lines, "okrd logged nothing")
        for ln in lines:
            self.assertRegex(ln, r"^<[0-7]>", "log line without a priority prefix")


def main():
    global OKRD, OKRCTL
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--okrd", required=True)
    ap.add_argument("--okrctl", required=True)
    args, rest = ap.parse_known_args()
    OKRD = os.path.abspath(args.okrd)
    OKRCTL = os.path.abspath(args.okrctl)
    t0 = time.monotonic()
    prog = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
    print("interop_python: %d run, %d failures, %d errors, %d skipped in %.1f s"
          % (prog.result.testsRun, len(prog.result.failures), len(prog.result.errors),
             len(prog.result.skipped), time.monotonic() - t0))
    CTX.destroy(linger=0)
    sys.exit(0 if prog.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()

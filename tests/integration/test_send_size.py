"""Large responses and busy watch streams leave in large send() calls.

libwebsockets caps each send() at the protocol's tx_packet_size; left at 0
that is its 4 KiB service buffer, and the rest is buffered and sent 4 KiB
per turn of the event loop.  Under load a watcher then fell out of the
event history (410 Expired) however fast it read, and a big LIST took
hundreds of turns.  The kernel records the largest segment a socket has
received (TCP_INFO tcpi_rcv_mss): on loopback (MTU 64 KiB) it stays at
about 4 KiB when the server sends 4 KiB at a time."""
import json
import os
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import CapstanTest, cm  # noqa: E402

OBJECTS = 40
VALUE = "x" * 30000  # 40 x 30 KB: a 1.2 MB list, 1.2 MB of watch events
BIG_SEGMENT = 16384  # well above the 4 KiB (+ framing) of a capped send


def rcv_mss(sock):
    # struct tcp_info: eight u8 fields, then u32 rto, ato, snd_mss, rcv_mss.
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    return struct.unpack_from("8B4I", info)[11]


def raw_get(port, path, until, timeout=20):
    """Sends GET path on a fresh socket; reads until until(bytes) is true."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n" % path).encode())
    data = bytearray()
    deadline = time.time() + timeout
    while not until(data):
        if time.time() > deadline:
            raise AssertionError("no complete answer to %s within %d s (%d bytes)"
                                 % (path, timeout, len(data)))
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    return s, bytes(data)


class SendSize(CapstanTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        code, doc = cls.cs.request("GET", "/api/v1/namespaces/default/configmaps")
        cls.rv = doc["metadata"]["resourceVersion"]
        for i in range(OBJECTS):
            code, doc = cls.cs.request("POST", "/api/v1/namespaces/default/configmaps",
                                       cm("big-%02d" % i, {"v": VALUE}))
            assert code == 201, (code, doc)

    def test_list_leaves_in_large_segments(self):
        want = b'"name":"big-%02d"' % (OBJECTS - 1)
        s, data = raw_get(self.cs.port, "/api/v1/namespaces/default/configmaps",
                          lambda d: want in d and d.rstrip().endswith(b"}"))
        try:
            self.assertGreater(len(data), OBJECTS * len(VALUE))
            self.assertGreater(rcv_mss(s), BIG_SEGMENT,
                               "the list arrived in small segments: sends are capped")
        finally:
            s.close()

    def test_watch_replay_leaves_in_large_segments(self):
        path = "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=%s" % self.rv
        want = b'"name":"big-%02d"' % (OBJECTS - 1)
        s, data = raw_get(self.cs.port, path, lambda d: want in d)
        try:
            events = [ln for ln in data.split(b"\n") if ln.startswith(b'{"type":')]
            self.assertEqual(len(events), OBJECTS)
            self.assertEqual(json.loads(events[0])["type"], "ADDED")
            self.assertGreater(rcv_mss(s), BIG_SEGMENT,
                               "the watch arrived in small segments: sends are capped")
        finally:
            s.close()


if __name__ == "__main__":
    harness.main()

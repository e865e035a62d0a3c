#!/usr/bin/python3
"""trace_expand.py -- put back the fields a mailsim JSONL trace leaves out.

The trace writes each fact once (ARCHITECTURE.md, "Implied fields"):

  * seq is the event's 0-based line number;
  * the first event of a conn naming both node and peer fixes the conn's
    two ends (node is the server when that event is net.accept or an s2c
    line, else the client). A later event of that conn with dir (a line or
    a body) leaves out node and peer: c2s goes client -> server, s2c the
    other way. A later conn event without dir leaves out peer: the other
    end of its node;
  * after a conn's tls.ok, its events with dir leave out "tls": true;
  * an smtp.send without dir: a line that starts with a three-digit code
    followed by a space, a hyphen or nothing is a reply (s2c), any other a
    command (c2s);
  * folded lines: protocol lines (smtp.send, imap.send, pop3.send) of one
    conn sent one after the other in one direction at one instant are one
    event whose "line" joins them with \n (no line has a raw LF of its
    own); each is given back as its own event, with the same seq;
  * t: a line without t happens at the t of the line before it;
  * a msg.header without node and msg is of the node and msg of the line
    before it (a msg.header or msg.compose);
  * defaults: a dns.answer or dns.cache with answers but no rcode says
    NOERROR, a tls.ok without version TLSv1.3, a queue.done without
    status 2.0.0; a dns.cache without answers repeats the last dns.cache of
    its node for that qname and qtype (its rcode, answers and ttl);
  * port: a net.* event of a known conn without port has the port the
    conn's first event with one said.

Used as a module (the Python tests: load(path) or expand(events)) and as a
command that prints the trace with every field spelled out:

    scripts/trace_expand.py TRACE.jsonl        # or - for stdin

Written independently of the C readers, so the tests can cross-check them.
"""
import json
import sys

FIRST = ("t", "seq", "kind", "node", "peer", "conn", "msg", "rcpt")
LINE_KINDS = ("smtp.send", "imap.send", "pop3.send")


def smtp_dir(line):
    """The dir an smtp.send line implies (RFC 5321 §4.2: a reply's code)."""
    is_reply = len(line) >= 3 and line[:3].isascii() and line[:3].isdigit() and line[3:4] in ("", " ", "-")
    return "s2c" if is_reply else "c2s"


def unfold(ev):
    """The events a folded line event stands for (itself if one line)."""
    line = ev.get("line")
    if ev.get("kind") not in LINE_KINDS or not isinstance(line, str) or "\n" not in line:
        return [ev]
    return [dict(ev, line=part) for part in line.split("\n")]


DNS_KINDS = ("dns.answer", "dns.cache")
DNS_ANSWER = ("rcode", "answers", "ttl")
# kind -> (key, value, the keys it comes before): what is left out when usual
DEFAULTS = {
    "dns.answer": ("rcode", "NOERROR", ("answers", "ttl")),
    "dns.cache": ("rcode", "NOERROR", ("answers", "ttl")),
    "tls.ok": ("version", "TLSv1.3", ()),
    "queue.done": ("status", "2.0.0", ("reason",)),
}


def with_before(ev, key, value, before):
    """ev with key: value put just before the first of the keys `before`
    it has (at the end when none)."""
    out, done = {}, False
    for k, v in ev.items():
        if not done and k in before:
            out[key], done = value, True
        out[k] = v
    if not done:
        out[key] = value
    return out


def expand(events, unfold_lines=True):
    """Yield each event (a dict, in trace order) with its implied fields;
    a folded line event as one event per line unless unfold_lines is
    False."""
    ends = {}   # conn -> [client, server, tls_up, port]
    last = None  # the line before, expanded
    cached = {}  # (node, qname, qtype) -> the last dns.cache's answer fields
    for seq, raw in enumerate(events):
        ev = dict(raw)
        if "t" not in ev and last is not None:
            ev["t"] = last["t"]
        ev.setdefault("seq", seq)
        if (ev.get("kind") == "msg.header" and "node" not in ev and "msg" not in ev
                and last is not None and last.get("kind") in ("msg.header", "msg.compose")):
            ev["node"], ev["msg"] = last.get("node"), last.get("msg")
        if ev.get("kind") in DNS_KINDS:
            key = (ev.get("node"), ev.get("qname"), ev.get("qtype"))
            if ev["kind"] == "dns.cache" and "answers" not in ev and key in cached:
                ev.update(cached[key])
        dflt = DEFAULTS.get(ev.get("kind"))
        if dflt and dflt[0] not in ev and (ev["kind"] not in DNS_KINDS or "answers" in ev):
            ev = with_before(ev, dflt[0], dflt[1], dflt[2])
        if ev.get("kind") == "dns.cache":
            cached[(ev.get("node"), ev.get("qname"), ev.get("qtype"))] = \
                {k: ev[k] for k in DNS_ANSWER if k in ev}
        if ev.get("kind") == "smtp.send" and "dir" not in ev and isinstance(ev.get("line"), str):
            ev = {k: v for k, v in ev.items() if k != "line"} | {"dir": smtp_dir(ev["line"]), "line": ev["line"]}
        conn = ev.get("conn")
        if conn is not None:
            e = ends.get(conn)
            node, peer, d = ev.get("node"), ev.get("peer"), ev.get("dir")
            if e is None:
                if node is not None and peer is not None:
                    at_server = ev["kind"] == "net.accept" or d == "s2c"
                    e = ends[conn] = [peer, node, False, 0] if at_server else [node, peer, False, 0]
            elif d is not None:
                frm, to = (e[0], e[1]) if d == "c2s" else (e[1], e[0])
                ev.setdefault("node", frm)
                ev.setdefault("peer", to)
                if e[2]:
                    ev.setdefault("tls", True)
            elif node is not None and peer is None:
                ev["peer"] = e[1] if node == e[0] else e[0]
            elif node is None and peer is None:
                at_server = ev["kind"] == "net.accept"
                ev["node"], ev["peer"] = (e[1], e[0]) if at_server else (e[0], e[1])
            if e is not None and str(ev.get("kind", "")).startswith("net."):
                if "port" in ev:
                    e[3] = e[3] or ev["port"]
                elif e[3]:
                    ev["port"] = e[3]
            if e is not None and ev["kind"] == "tls.ok":
                e[2] = True
        out = {k: ev[k] for k in FIRST if k in ev}
        out.update((k, v) for k, v in ev.items() if k not in out)
        last = out
        yield from (unfold(out) if unfold_lines else [out])


def load(path, unfold_lines=True):
    """Every event of a trace file, expanded. With unfold_lines=False, one
    event per line of the file (a folded event keeps its lines together),
    so an event's index is its seq, the number `mailsim render --event`
    takes."""
    with open(path, encoding="utf-8") as f:
        return list(expand((json.loads(line) for line in f if line.strip()), unfold_lines))


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print("usage: trace_expand.py TRACE.jsonl|-", file=sys.stderr)
        return 0 if len(argv) == 2 else 2
    try:
        f = sys.stdin if argv[1] == "-" else open(argv[1], encoding="utf-8")
    except OSError as e:
        print(f"trace_expand.py: cannot open {argv[1]}: {e.strerror}", file=sys.stderr)
        return 1
    def events():
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"trace_expand.py: {argv[1]}:{n}:{e.colno}: not JSON: {e.msg}")
    for out in expand(events()):
        print(json.dumps(out, ensure_ascii=False, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

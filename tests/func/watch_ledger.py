#!/usr/bin/env python3
"""watch_ledger.py DNSVIGIL STATE_DIR - does the ledger of a `dnsvigil watch`
state directory hold every event of its store exactly once, in order, with
the same content?  (doc/watch.md "Store and ledger")

Reads the store (watch.db, read-only) and the ledger through
`dnsvigil log show --format json`.  Prints one line

    events=N entries=M lost=L dup=D order=O mismatch=X other=K

(other: entries that are not this store's, e.g. operator notes) and exits 0
only when lost, dup, order and mismatch are all 0.  With -v, names the first
problems.
"""
import json
import sqlite3
import subprocess
import sys


def main():
    args = [a for a in sys.argv[1:] if a != "-v"]
    verbose = "-v" in sys.argv
    dnsvigil, state = args
    db = sqlite3.connect("file:%s/watch.db?mode=ro" % state, uri=True)
    store_id = db.execute("SELECT value FROM meta WHERE key='store_id'").fetchone()[0]
    events = {}
    order = []
    for eid, kind, zone, server, subject, old, new in db.execute(
            "SELECT id, kind, zone, server, subject, old, new FROM event ORDER BY id"):
        events[eid] = (kind, zone, server, subject, old, new)
        order.append(eid)
    out = subprocess.run([dnsvigil, "log", "show", "-d", state, "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    doc = json.loads(out) if out.strip() else {}
    # the report envelope (doc/json.md): the entries are its "entries" member
    entries = doc.get("entries", []) if isinstance(doc, dict) else doc
    seen = {}
    problems = []
    last = 0
    other = mismatch = misorder = dup = 0
    for e in entries:
        ent = e["entry"]
        ev = ent.get("evidence") or {}
        if ev.get("store") != store_id:
            other += 1
            continue
        eid = ev.get("event")
        if eid in seen:
            dup += 1
            problems.append("event %s twice (entries %s and %s)" % (eid, seen[eid], e["index"]))
            continue
        seen[eid] = e["index"]
        if eid <= last:
            misorder += 1
            problems.append("event %s after event %s" % (eid, last))
        last = max(last, eid)
        want = events.get(eid)
        if want is None:
            # retention may have removed an old event the ledger keeps
            continue
        got = (ent["kind"], ent.get("zone", ""), ev.get("server"), ev.get("subject"),
               ev.get("old"), ev.get("new"))
        if got != want:
            mismatch += 1
            problems.append("event %s: ledger %r, store %r" % (eid, got, want))
    lost = [eid for eid in order if eid not in seen]
    for eid in lost[:5]:
        problems.append("event %s (%s %s) not in the ledger" % (eid, events[eid][0], events[eid][1]))
    print("events=%d entries=%d lost=%d dup=%d order=%d mismatch=%d other=%d" %
          (len(order), len(entries), len(lost), dup, misorder, mismatch, other))
    if verbose:
        for p in problems[:10]:
            print("  " + p)
    sys.exit(0 if not lost and not dup and not misorder and not mismatch else 1)


if __name__ == "__main__":
    main()

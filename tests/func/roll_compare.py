#!/usr/bin/env python3
"""tests/func/roll_compare.py - predicted bogus windows against what resolvers answered.

usage: roll_compare.py PROBE_FILE CHECK_JSON ZONE T0 END HOLDS

PROBE_FILE: roll_prober.py's lines ("SENT RECEIVED RESOLVER ZONE RCODE AD").
CHECK_JSON: `dnsvigil rollover check --format json` of ZONE.  T0: the time of
the step (figures are given relative to it).  END: when probing stopped (an
open window ends there).  HOLDS: "resolver=seconds,..." - how long each
resolver may keep answering SERVFAIL once it saw the failure (its cache of
failures; the model predicts cache windows, not those).

A SERVFAIL sent at t by resolver r is contained when some window that every
validator could see (strict_only false) has start - 1 <= t <= end + hold(r)
+ 1 (one second: observations and answers are stamped to the second).
Prints one line per resolver:
  "RESOLVER servfail N first F last L contained C" (F, L relative to T0, '-'
  when none), then "windows W predicted S E" (the union's first start and
  last end, relative to T0), and exits 0 when every SERVFAIL is contained,
  1 otherwise (the lines say which are not).
"""
import json
import sys


def main():
    probe, check, zone, t0, end, holds = sys.argv[1:7]
    t0, end = float(t0), float(end)
    hold = {}
    for h in holds.split(","):
        if h:
            k, v = h.split("=")
            hold[k] = float(v)
    d = json.load(open(check))
    wins = []
    for w in d["windows"]:
        if w["strict_only"]:
            continue
        s = w["start"] if w["start"] is not None else t0
        e = w["end"] if w["end"] is not None else end
        wins.append((s, e))
    fails = {}
    for line in open(probe):
        f = line.split()
        if len(f) < 6 or f[3] != zone:
            continue
        fails.setdefault(f[2], [])
        if f[4] == "SERVFAIL":
            fails[f[2]].append(float(f[0]))
    ok = True
    for r in sorted(fails):
        ts = sorted(fails[r])
        h = hold.get(r, 0.0)
        bad = [t for t in ts if not any(s - 1 <= t <= e + h + 1 for s, e in wins)]
        ok = ok and not bad
        if ts:
            print("%s servfail %d first %+.0f last %+.0f contained %d%s" % (
                r, len(ts), ts[0] - t0, ts[-1] - t0, len(ts) - len(bad),
                "" if not bad else " NOT: " + " ".join("%+.0f" % (t - t0) for t in bad[:8])))
        else:
            print("%s servfail 0 first - last - contained 0" % r)
    if wins:
        print("windows %d predicted %+.0f %+.0f" % (len(wins), min(s for s, _ in wins) - t0,
                                                    max(e for _, e in wins) - t0))
    else:
        print("windows 0 predicted - -")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

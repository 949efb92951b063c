#!/usr/bin/python3
"""Validate every JSON report a functional test saw (tests/func/lib.sh keeps
a copy of each --format json output) against its command's schema in
doc/schemas/ (issue 9 §5).  Prints TAP lines: one per invalid report, one
summary line; nothing when no report was kept.

usage: schema_check.py SCHEMA_DIR OUTPUT_DIR TEST_NAME
"""
import json
import os
import sys

import jsonschema

BASE = "https://dnsvigil.invalid/schemas/"


def main():
    schema_dir, out_dir, name = sys.argv[1], sys.argv[2], sys.argv[3]
    files = sorted(f for f in os.listdir(out_dir) if f.endswith(".json")) if os.path.isdir(out_dir) else []
    if not files:
        return 0
    store = {}
    for f in os.listdir(schema_dir):
        if f.endswith(".schema.json"):
            with open(os.path.join(schema_dir, f)) as fh:
                s = json.load(fh)
            store[s["$id"]] = s
    bad = 0
    shown = 0
    for f in files:
        path = os.path.join(out_dir, f)
        try:
            cmd = open(path[:-5] + ".cmd").read().strip()
        except OSError:
            cmd = "?"
        try:
            with open(path) as fh:
                doc = json.load(fh)
        except ValueError as e:
            print(f"not ok - {name}: schema: not one JSON document ({e}): dnsvigil {cmd}")
            bad += 1
            continue
        command = doc.get("command") if isinstance(doc, dict) else None
        schema = store.get(f"{BASE}{command}.schema.json")
        if schema is None:
            print(f"not ok - {name}: schema: no schema for command {command!r}: dnsvigil {cmd}")
            bad += 1
            continue
        resolver = jsonschema.RefResolver(base_uri=schema["$id"], referrer=schema, store=store)
        validator = jsonschema.Draft202012Validator(schema, resolver=resolver)
        # The deepest error says most (a failing member also fails the
        # object's unevaluatedProperties).
        errors = sorted(validator.iter_errors(doc), key=lambda e: -len(e.absolute_path))
        if errors:
            bad += 1
            if shown >= 10:
                continue
            shown += 1
            e = errors[0]
            where = "/".join(str(p) for p in e.absolute_path)
            print(f"not ok - {name}: schema {command}: {where}: {e.message[:300]}: dnsvigil {cmd}")
    if bad == 0:
        print(f"ok - {name}: schema: {len(files)} JSON report(s) valid against doc/schemas")
    elif bad > shown:
        print(f"# {bad - shown} more invalid reports not listed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

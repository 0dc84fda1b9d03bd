#!/usr/bin/env python3
"""Validates vector files against their JSON Schemas (spec/vectors.md §8).

Usage: validate_schemas.py [FILES...]   (default: every vectors/**/*.json outside vectors/schema/)
Each file names its schema in its `schema` field; schemas reference vectors/schema/common_v1.json.
Exits non-zero on the first invalid file set, listing every violation.
"""
import json
import pathlib
import sys

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "vectors" / "schema"


def registry():
    resources = []
    for path in sorted(SCHEMAS.glob("*.json")):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def main(argv):
    files = [pathlib.Path(a) for a in argv] or sorted(
        p for p in (ROOT / "vectors").rglob("*.json") if SCHEMAS not in p.parents and p.name != "index.json"
    )
    reg = registry()
    problems = 0
    for path in files:
        doc = json.loads(path.read_text())
        schema_path = SCHEMAS / doc.get("schema", "")
        if not schema_path.is_file():
            print(f"{path}: schema {doc.get('schema')!r} not found in vectors/schema/")
            problems += 1
            continue
        schema = json.loads(schema_path.read_text())
        validator = Draft202012Validator(schema, registry=reg)
        for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in error.absolute_path)
            print(f"{path}: {where}: {error.message[:200]}")
            problems += 1
    print(f"schemas: {len(files)} files, {problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

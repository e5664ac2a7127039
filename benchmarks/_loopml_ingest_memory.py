"""One side of ``benchmarks/ingest_memory.py``: ingest a CSV through loopml in this fresh process.

Prints one line ``RESULT {json}``: the version made, the seconds taken, and this process's peak
RSS after the ingest and (with ``--with-profile``) after profiling. The parent measures the peak
RSS of this whole process independently (``os.wait4``); the two must agree.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

RESULT_MARKER = "RESULT "


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, required=True)
    parser.add_argument("--name", default="ingest-memory")
    parser.add_argument("--with-profile", action="store_true")
    parser.add_argument("--target", default="target", help="the profile's target column")
    args = parser.parse_args()

    started = time.perf_counter()
    import loopml.data

    imported_s = time.perf_counter() - started
    started = time.perf_counter()
    version = loopml.data.ingest_csv(args.csv, name=args.name)
    ingest_s = time.perf_counter() - started
    result: dict[str, Any] = {
        "version_id": version.id,
        "rows": version.num_rows,
        "columns": len(version.schema),
        "stored_bytes": version.num_bytes,
        "content_hash": version.content_hash,
        "import_s": imported_s,
        "ingest_s": ingest_s,
        "peak_rss_after_ingest_bytes": _peak_rss_bytes(),
        "profile": {"ran": False, "reason": "not asked (--with-profile)"},
    }
    if args.with_profile:
        profile_dataset = getattr(loopml.data, "profile_dataset", None)
        if profile_dataset is None:
            result["profile"] = {
                "ran": False,
                "reason": "loopml.data.profile_dataset does not exist yet",
            }
        else:
            started = time.perf_counter()
            profile_dataset(version, target=args.target)
            result["profile"] = {
                "ran": True,
                "target": args.target,
                "seconds": time.perf_counter() - started,
            }
    result["peak_rss_bytes"] = _peak_rss_bytes()
    print(RESULT_MARKER + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

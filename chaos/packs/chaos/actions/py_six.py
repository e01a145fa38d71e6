"""Imports `six` from the pack's virtualenv (requirements.txt, built lazily by the agent) and records its start."""
import json
import os

with open(os.path.join(os.environ["MARKER_DIR"], "runs"), "a") as runs:
    runs.write(os.environ["ATTUNE_EXEC_ID"] + "\n")

import six  # noqa: E402  (after the marker: a failed import still counts as a start)

print(json.dumps({"six": six.__version__}))

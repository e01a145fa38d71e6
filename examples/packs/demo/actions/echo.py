import json
import sys

params = json.loads(sys.stdin.readline() or "{}")
print(json.dumps({"echo": params, "python": sys.version.split()[0]}))

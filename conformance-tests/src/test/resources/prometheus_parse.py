# Prints what prometheus_client's text parser reads from stdin: one line per metric family
# ("family <name> <type>") and per sample ("sample <name> <label>=<value> ...", labels sorted).
# Used by PrometheusText; exits non-zero with the parser's error on invalid exposition text.
import sys
from prometheus_client.parser import text_string_to_metric_families
for f in text_string_to_metric_families(sys.stdin.read()):
    print("family", f.name, f.type)
    for s in f.samples:
        print("sample", s.name, " ".join(k + "=" + v for k, v in sorted(s.labels.items())))

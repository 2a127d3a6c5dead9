#!/usr/bin/env python3
"""Reads a JFR recording (with the JDK's `jfr` tool on the PATH) and prints where the time and
the allocations went: bytes allocated per request on the event loops, GC pauses, the methods most
often on the event loops' stacks (inclusive), their top frames (self) and the allocation sites.
Given async-profiler's collapsed stacks of the same run (recorded with its `threads` option), the
CPU samples are taken from those instead of from JFR's.

Usage: jfr_reading.py REC.jfr REQUESTS [TOP [STACKS.collapsed]]

Used by bench/profile.sh. Python 3 standard library only.
"""
import collections
import json
import re
import subprocess
import sys

# jfr print's text units are binary (a kB is 1024 bytes).
UNITS = {"bytes": 1, "byte": 1, "kB": 2 ** 10, "MB": 2 ** 20, "GB": 2 ** 30, "TB": 2 ** 40}
FRAME = re.compile(r"^\s+([\w$.<>/\[\]]+)\.([\w$<>]+)\(")
FIELD = re.compile(r"^\s+(\w+) = (.*)$")
JAVA_FRAME = re.compile(r"^[\w$]+(/[\w$]+)+\.[\w$<>]+$")


def size(text):
    """'2.8 GB' -> bytes (jfr print's text rounds; sampled weights need no more)."""
    number, unit = text.split()[:2]
    return float(number) * UNITS[unit]


def millis(duration):
    """An ISO-8601 duration as `jfr print --json` writes it ('PT0.022154362S') -> ms."""
    m = re.fullmatch(r"PT(?:(\d+)M)?([\d.]+)S", duration)
    return (int(m.group(1) or 0) * 60 + float(m.group(2))) * 1e3 if m else 0.0


def jfr(recording, *options):
    return subprocess.run(["jfr", "print", *options, recording], check=True,
                          capture_output=True, text=True).stdout


def events(stream):
    """Yields (type, fields, frames) per event of `jfr print`'s text output."""
    kind, fields, frames = None, {}, []
    for line in stream:
        if line.startswith("jdk."):
            kind, fields, frames = line.split()[0], {}, []
        elif line.startswith("}"):
            if kind:
                yield kind, fields, frames
            kind = None
        elif kind:
            m = FRAME.match(line)
            if m and "=" not in line.split("(")[0]:
                cls = m.group(1).rsplit(".", 1)[-1]
                frames.append(cls + "." + m.group(2))
                continue
            m = FIELD.match(line)
            if m:
                fields[m.group(1)] = m.group(2)


def collapsed(path):
    """Yields (thread, frames innermost first, samples) per line of async-profiler's collapsed
    output: 'thread;outer;...;inner count', frames as 'pkg/Class.method' or 'symbol_[k]'."""
    with open(path) as stream:
        for line in stream:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            thread, *frames = stack.split(";")
            thread = re.sub(r" tid=\d+\]$", "", thread.lstrip("["))
            frames = [re.sub(r"\.0x[0-9a-f]+(?=\.)", "", f) for f in frames]  # hidden classes
            # Java frames are pkg/Class.method: keep Class.method. Native ones stay as they are.
            names = [f.rsplit("/", 1)[-1] if JAVA_FRAME.match(f) else f for f in frames]
            yield thread, names[::-1], int(count)


def thread_name(fields):
    m = re.match(r'"([^"]*)"', fields.get("sampledThread", fields.get("eventThread",
                                                                       fields.get("thread", ""))))
    return m.group(1) if m else "?"


def table(title, counter, total, top, below=101.0):
    """Prints the top entries of counter as % of total, leaving out those at or above below %."""
    print(f"\n{title}")
    rows = sorted(((n, v) for n, v in counter.items() if 100.0 * v / total < below),
                  key=lambda row: (-row[1], row[0]))
    for name, value in rows[:top]:
        print(f"  {100.0 * value / total:5.1f}%  {name}")


def main():
    recording, requests = sys.argv[1], float(sys.argv[2])
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    stacks = sys.argv[4] if len(sys.argv) > 4 else None
    inclusive, self_time, by_thread = collections.Counter(), collections.Counter(), collections.Counter()
    sites = collections.Counter()
    samples = loop_samples = 0
    first_seen = set()
    text = jfr(recording, "--stack-depth", "64", "--events",
               "jdk.ExecutionSample,jdk.ObjectAllocationSample")

    def sample(thread, frames, count):
        """Counts a sample by thread; the method tables count the event loops' samples only."""
        nonlocal samples, loop_samples
        samples += count
        by_thread[re.sub(r"-\d+$", "-N", thread)] += count
        if "EventLoop" not in thread:
            return
        loop_samples += count
        self_time[re.sub(r"\$\$Lambda.*", "$$Lambda", frames[0])] += count
        for name in set(re.sub(r"\$\$Lambda.*", "$$Lambda", f) for f in frames):
            inclusive[name] += count

    for thread, frames, count in collapsed(stacks) if stacks else ():
        if frames:
            sample(thread, frames, count)
    for kind, fields, frames in events(text.splitlines()):
        if kind == "jdk.ExecutionSample" and frames and not stacks:
            sample(thread_name(fields), frames, 1)
        elif kind == "jdk.ObjectAllocationSample" and "EventLoop" in thread_name(fields):
            # A thread's first sample weighs all it allocated since before the recording.
            if thread_name(fields) not in first_seen:
                first_seen.add(thread_name(fields))
                continue
            # Hidden classes (lambdas) print as Outer$$Lambda$17+0x....123456: keep "Outer$$Lambda".
            cls = re.sub(r"\$\$Lambda.*", "$$Lambda", fields.get("objectClass", "?").split(" (")[0])
            cls = cls.rsplit(".", 1)[-1]
            sites[cls + " @ " + " <- ".join(frames[:3])] += size(fields["weight"])
    # Exact numbers from the JSON form (the text form rounds to two or three digits).
    allocated, pauses = collections.defaultdict(list), collections.defaultdict(list)
    stats = json.loads(jfr(recording, "--json", "--events",
                           "jdk.ThreadAllocationStatistics,jdk.GarbageCollection"))
    for event in stats["recording"]["events"]:
        values = event["values"]
        if event["type"] == "jdk.ThreadAllocationStatistics":
            allocated[(values.get("thread") or {}).get("javaName") or "?"].append(values["allocated"])
        else:  # by collector: ParallelScavenge (young), ParallelOld (full), G1New, ...
            pauses[values.get("name", "?")].append(
                (millis(values["sumOfPauses"]), millis(values["longestPause"])))
    loops = sum(max(v) - min(v) for name, v in allocated.items() if "EventLoop" in name)
    print(f"allocated on the event loops: {loops / requests:.0f} B per request"
          f" ({loops / 1e6:.0f} MB in all)")
    for collector, runs in sorted(pauses.items()):
        total = sum(p for p, _ in runs)
        print(f"GC {collector}: {len(runs)} collections, pauses {total:.0f} ms in all,"
              f" longest {max(m for _, m in runs):.1f} ms, mean {total / len(runs):.1f} ms")
    if samples:
        print(f"CPU samples: {samples}; by thread: "
              + ", ".join(f"{n} {100.0 * c / samples:.0f}%" for n, c in by_thread.most_common(4)))
    if loop_samples:
        # Frames on (nearly) every stack are the event loop's plumbing: left out.
        table("event loops, on the stack (inclusive; frames on 95% or more of the stacks left out)",
              inclusive, loop_samples, top, below=95.0)
        table("event loops, top frame (self)", self_time, loop_samples, top)
    if sites:
        table("allocation sites on the event loops (sampled bytes)", sites, sum(sites.values()),
              top)


if __name__ == "__main__":
    main()

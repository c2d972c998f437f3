#!/usr/bin/env python3
"""proctree.py PID -> prints 'rss_kb cpu_seconds nprocs' summed over PID and all its descendants (Linux /proc)."""

import os
import sys


def tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def rss_cpu(root: int) -> tuple[int, float, int]:
    """(RSS in KB, CPU seconds, number of processes) of root and its descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    rss = n = 0
    cpu = 0.0
    for p in tree(root):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / tick
            n += 1
        except (OSError, IndexError, ValueError):
            pass
    return rss, cpu, n


def main() -> None:
    rss, cpu, n = rss_cpu(int(sys.argv[1]))
    print(rss, f"{cpu:.2f}", n)


if __name__ == "__main__":
    main()

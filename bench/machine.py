"""Machine facts printed with every benchmark, so a number is never separated from its hardware."""

from __future__ import annotations

import datetime as dt
import os
import platform

__all__ = ["machine_line"]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_line() -> str:
    return (f"{dt.date.today().isoformat()} · {_cpu_model()} · {os.cpu_count()} cores · "
            f"Python {platform.python_version()} · {platform.system()} {platform.release()}")

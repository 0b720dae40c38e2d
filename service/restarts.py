"""How long to wait before replacing a worker that died.

A worker that dies once after serving for a while (killed by the OOM killer, a C crash in the
matcher), or that the watchdog killed after it had answered, is replaced at once: its siblings
carry the load only briefly. A worker that dies soon after it started will most likely die again
the same way (a missing certificate, a CPU that went away): replacing it at once would spin the
machine's cores on interpreters that start and die, so consecutive early deaths wait 1, 2, 4 …
up to 30 s. A worker that then stays up for :attr:`RestartPolicy.stable` seconds has recovered,
and its next death starts over.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["RestartPolicy", "RestartBackoff"]


@dataclass(frozen=True)
class RestartPolicy:
    first: float = 1.0  # the wait after the first early death
    cap: float = 30.0  # the longest wait
    stable: float = 10.0  # a worker up this long was not dying at start-up

    def delay(self, early_deaths: int) -> float:
        """The wait after ``early_deaths`` consecutive early deaths (0: a death after a stable run)."""
        if early_deaths <= 0:
            return 0.0
        doublings: int = 2 ** min(early_deaths - 1, 32)  # typeshed: int ** int is Any (a negative power is a float)
        return min(self.cap, self.first * doublings)


@dataclass
class RestartBackoff:
    """Counts consecutive early deaths per worker slot."""

    policy: RestartPolicy = RestartPolicy()
    _early: dict[int, int] = field(default_factory=dict)

    def after_death(self, index: int, uptime: float, proven: bool = False) -> float:
        """Record that worker ``index`` died after ``uptime`` seconds; the seconds to wait.

        ``proven``: it had answered calls before it died (a worker the watchdog killed for going
        silent): it did start up fine, and the watchdog's timeout already spaces such restarts.
        """
        early = 0 if proven or uptime >= self.policy.stable else self._early.get(index, 0) + 1
        self._early[index] = early
        return self.policy.delay(early)

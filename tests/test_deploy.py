"""The deployment files in deploy/: valid against their schemas, and saying what a class needs.

Kubernetes manifests are validated offline by ``kubernetes-validate`` (strict: an unknown or
misspelt field fails) at the oldest and the newest Kubernetes it knows; the Compose file against
``deploy/schema/compose-subset.schema.json``, the project's own JSON Schema of the part of the
Compose Specification it uses (unknown keys and wrong types fail; nothing downloaded). Then
the things that matter for a class: probes on Streamlit's health endpoint, cookie affinity with
long WebSocket timeouts, autoscaling on CPU, one compilation cache shared by every replica, and
an HAProxy config that HAProxy itself accepts.
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from e2e.proxy import COOKIE, DEPLOYED_CONFIG, REPLICA_HEADER, check_config, haproxy_path, local_config

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S_FILES = sorted((DEPLOY / "k8s").glob("*.yaml"))
K8S_VERSIONS = ("1.25", "1.37")
"""The oldest and newest Kubernetes versions kubernetes-validate ships schemas for."""
HEALTH = "/_stcore/health"


def dockerfile_cache_dir() -> str:
    """The image's JAX compilation cache folder (the Dockerfile's ``DESCENT_LAB_JAX_CACHE``)."""
    match = re.search(r"DESCENT_LAB_JAX_CACHE=(\S+)", (ROOT / "Dockerfile").read_text())
    assert match, "the Dockerfile no longer sets DESCENT_LAB_JAX_CACHE"
    return match.group(1)


def k8s_docs() -> dict[str, dict[str, Any]]:
    """Every manifest in deploy/k8s/, by kind."""
    docs = [doc for path in K8S_FILES for doc in yaml.safe_load_all(path.read_text()) if doc]
    by_kind = {doc["kind"]: doc for doc in docs}
    assert len(by_kind) == len(docs), "two manifests of one kind: the tests below would check only one"
    return by_kind


def interpolate(text: str) -> str:
    """Compose's ``${VAR:-default}`` interpolation, with no variable set (the defaults)."""
    return re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: os.environ.get(m.group(1), m.group(2)), text)


def compose() -> dict[str, Any]:
    """deploy/compose.yaml as Compose reads it with no variables set."""
    saved = {name: os.environ.pop(name) for name in ("REPLICAS",) if name in os.environ}
    try:
        return yaml.safe_load(interpolate((DEPLOY / "compose.yaml").read_text()))
    finally:
        os.environ.update(saved)


def app_container() -> dict[str, Any]:
    """The Deployment's app container (not the init container)."""
    (container,) = k8s_docs()["Deployment"]["spec"]["template"]["spec"]["containers"]
    return container


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("path", K8S_FILES, ids=[p.name for p in K8S_FILES])
def test_manifest_is_valid_kubernetes(path: Path, version: str) -> None:
    for doc in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_validator_rejects_a_broken_manifest() -> None:
    """A control: the strict schema catches a misspelt probe field and a wrong type."""
    deployment = k8s_docs()["Deployment"]
    misspelt = copy.deepcopy(deployment)
    misspelt["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGett"] = {"path": HEALTH}
    wrong_type = copy.deepcopy(deployment)
    wrong_type["spec"]["replicas"] = "two"
    for broken in (misspelt, wrong_type):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, K8S_VERSIONS[-1], strict=True)


def test_every_kind_a_class_needs_is_there() -> None:
    kinds = set(k8s_docs())
    assert {"Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PersistentVolumeClaim"} <= kinds


def test_probes_ask_streamlit_health_on_the_app_port() -> None:
    container = app_container()
    port_names = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert 8501 in port_names.values()
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        get = container[probe]["httpGet"]
        assert get["path"] == HEALTH, probe
        assert port_names.get(get["port"], get["port"]) == 8501, probe
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert "memory" in container["resources"]["limits"]


def test_service_and_ingress_reach_the_deployment() -> None:
    docs = k8s_docs()
    pod_labels = docs["Deployment"]["spec"]["template"]["metadata"]["labels"]
    service = docs["Service"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= {p["name"] for p in app_container()["ports"]}
    backends = [
        path["backend"]["service"] for rule in docs["Ingress"]["spec"]["rules"] for path in rule["http"]["paths"]
    ]
    assert backends and all(b["name"] == service["metadata"]["name"] for b in backends)


def test_ingress_pins_a_browser_to_one_pod_and_checks_pod_health() -> None:
    """The HAProxy ingress controller reads cookie persistence and health checks from the Service."""
    docs = k8s_docs()
    assert docs["Ingress"]["spec"]["ingressClassName"] == "haproxy"
    notes = docs["Service"]["metadata"]["annotations"]
    assert notes["haproxy.org/cookie-persistence"], "without a persistence cookie a session's requests spread over pods"
    assert notes["haproxy.org/check"] == "true"
    assert notes["haproxy.org/check-http"] == HEALTH


def test_autoscaler_scales_the_deployment_on_cpu() -> None:
    docs = k8s_docs()
    hpa = docs["HorizontalPodAutoscaler"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", docs["Deployment"]["metadata"]["name"])
    (metric,) = hpa["spec"]["metrics"]
    assert metric["type"] == "Resource" and metric["resource"]["name"] == "cpu"
    assert 0 < metric["resource"]["target"]["averageUtilization"] <= 100
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    # Utilization is a share of the request: without a CPU request the autoscaler cannot act.
    assert "cpu" in app_container()["resources"]["requests"]


def test_every_pod_mounts_the_one_shared_cache_claim() -> None:
    docs = k8s_docs()
    pod = docs["Deployment"]["spec"]["template"]["spec"]
    claim = docs["PersistentVolumeClaim"]
    assert "ReadWriteMany" in claim["spec"]["accessModes"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    cache_dir = dockerfile_cache_dir()
    env = {e["name"]: e["value"] for e in app_container().get("env", [])}
    assert env.get("DESCENT_LAB_JAX_CACHE", cache_dir) == cache_dir
    (mount,) = [m for m in app_container()["volumeMounts"] if m["mountPath"] == cache_dir]
    assert volumes[mount["name"]]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]


def test_compose_file_matches_the_compose_schema() -> None:
    schema = json.loads((DEPLOY / "schema" / "compose-subset.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(compose())
    broken = compose()
    broken["services"]["app"]["deploy"]["replicas"] = [2]
    misspelt = compose()
    misspelt["services"]["app"]["healthcheck"]["intervall"] = "30s"
    bad_condition = compose()
    bad_condition["services"]["proxy"]["depends_on"]["app"]["condition"] = "healthy"
    for wrong in (broken, misspelt, bad_condition):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.Draft7Validator(schema).validate(wrong)


def test_compose_runs_replicas_sharing_one_cache_volume_behind_the_proxy() -> None:
    spec = compose()
    app, proxy = spec["services"]["app"], spec["services"]["proxy"]
    assert app["deploy"]["replicas"] >= 2
    cache_dir = dockerfile_cache_dir()
    assert app.get("environment", {}).get("DESCENT_LAB_JAX_CACHE", cache_dir) == cache_dir
    named = [v.split(":") for v in app["volumes"] if v.split(":")[1] == cache_dir]
    assert len(named) == 1 and named[0][0] in spec["volumes"], "the cache must be one named volume, not a bind"
    assert "8501" in {str(p) for p in app["expose"]}
    assert any(v.startswith("./haproxy.cfg:") for v in proxy["volumes"])
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"
    published = {str(p).split(":")[-1] for p in proxy["ports"]}
    bind = re.search(r"(?m)^\s+bind \S*:(\d+)", DEPLOYED_CONFIG.read_text())
    assert bind and bind.group(1) in published
    # The proxy finds the replicas under the service's name.
    assert re.search(r"(?m)^\s+server-template \S+ \S+ app:8501 ", DEPLOYED_CONFIG.read_text())


def test_haproxy_config_keeps_sessions_sticky_and_checks_health() -> None:
    text = DEPLOYED_CONFIG.read_text()
    assert re.search(rf"(?m)^\s+cookie {COOKIE} insert\b.*\bindirect\b.*\bnocache\b", text)
    assert re.search(rf"(?m)^\s+option httpchk GET {HEALTH}$", text)
    assert re.search(r"(?m)^\s+timeout tunnel (\d+)h$", text), "WebSockets need a long tunnel timeout"
    assert REPLICA_HEADER in text


def haproxy_or_skip() -> None:
    """Skip without HAProxy, except in CI (scripts/test.sh installs it), where that fails."""
    try:
        haproxy_path()
    except FileNotFoundError as err:
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail(str(err), pytrace=False)
        pytest.skip(str(err))


def test_haproxy_accepts_the_deployed_and_the_local_config(tmp_path: Path) -> None:
    haproxy_or_skip()
    deployed = check_config(DEPLOYED_CONFIG)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    local = tmp_path / "local.cfg"
    local.write_text(local_config([8601, 8602], 8600))
    checked = check_config(local)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "resolvers" not in local.read_text()


def test_haproxy_check_rejects_a_broken_config(tmp_path: Path) -> None:
    """A control: ``haproxy -c`` fails a config whose backend option is misspelt."""
    haproxy_or_skip()
    broken = tmp_path / "broken.cfg"
    broken.write_text(DEPLOYED_CONFIG.read_text().replace("balance leastconn", "balance leastconnn"))
    assert check_config(broken).returncode != 0


def test_local_config_lists_one_server_per_port() -> None:
    text = local_config([9001, 9002, 9003], 9000)
    servers = re.findall(r"(?m)^\s+server (app\d) 127\.0\.0\.1:(\d+) ", text)
    assert servers == [("app1", "9001"), ("app2", "9002"), ("app3", "9003")]
    assert re.search(r"(?m)^\s+bind 127\.0\.0\.1:9000$", text)
    assert not re.search(r"(?m)^\s+server-template ", text)

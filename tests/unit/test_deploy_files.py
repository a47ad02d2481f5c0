"""The deployment files start exactly what `make run` starts, and keep what must stay closed closed.

compose.yaml, the Kubernetes manifests (deploy/k8s, rendered by `kubectl kustomize`) and the images
(deploy/*.Dockerfile) run the commands bot/stack.py builds, with the project at /app and
BIND_HOST=0.0.0.0; they are valid by the Compose specification's and Kubernetes' own JSON schemas
(offline copies: tests/schemas/compose-spec.json, and the schemas kubernetes-validate bundles);
secrets come only from the environment or a Secret; Rasa's HTTP API stays off; HAProxy gets
deploy/haproxy/haproxy.cfg itself, and addresses that lead each backend to its own part.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import threading
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml

from bot.run import PURGE_INTERVAL_SECONDS
from bot.settings import PROJECT_ROOT, Settings
from bot.stack import action_server_command, app_command, rasa_command, rasa_environment
from bot.telegram.config import load_config

IMAGE_ROOT = "/app"
COMPOSE_FILE = PROJECT_ROOT / "compose.yaml"
HAPROXY_CFG = PROJECT_ROOT / "deploy" / "haproxy" / "haproxy.cfg"
K8S = PROJECT_ROOT / "deploy" / "k8s"
COMPOSE_SCHEMA = PROJECT_ROOT / "tests" / "schemas" / "compose-spec.json"
DOCKERFILES = {"rasa": PROJECT_ROOT / "deploy" / "rasa.Dockerfile", "app": PROJECT_ROOT / "deploy" / "app.Dockerfile"}
# The oldest Kubernetes the manifests are meant for, and the newest schemas the package has.
KUBERNETES_VERSIONS = ("1.29.0", kubernetes_validate.latest_version())

RASA_PORT, ACTION_PORT = 5005, 5055
_defaults = Settings.from_environ({})
PART_PORTS = {
    "rasa": RASA_PORT,
    "actions": ACTION_PORT,
    "web": _defaults.web_port,
    "dashboard": _defaults.dashboard_port,
    "telegram": _defaults.telegram_webhook_port,
}
# Liveness and readiness of each part (the paths the parts serve: README, docs/deploy.md).
HEALTH = {
    "rasa": ("/", "/webhooks/rest/healthz"),
    "actions": ("/health", "/healthz"),
    "web": ("/livez", "/healthz"),
    "dashboard": ("/livez", "/healthz"),
    "telegram": ("/livez", "/healthz"),
}
# What no deployment may pass to Rasa: its HTTP API (conversations readable and writable by anyone
# who reaches it) and CORS for browsers (the widget goes through bot.web).
FORBIDDEN_ARGUMENTS = ("--enable-api", "--cors")

# Every setting that is a secret: those bot/settings.py keeps out of repr, the tracker key that
# Rasa's process reads itself, and the URLs that carry passwords.
SECRET_VARIABLES = frozenset(
    {info.validation_alias for info in Settings.model_fields.values() if not info.repr}
    | {"TRACKER_ENCRYPTION_KEY", "DATABASE_URL", "TRACKER_STORE_URL", "STATE_REDIS_URL", "POSTGRES_PASSWORD"}
)
# The ones compose.yaml must refuse to start without (docs/deploy.md).
COMPOSE_REQUIRED_SECRETS = (
    "RASA_CHANNEL_SECRET",
    "ACTION_SERVER_SECRET",
    "APP_SECRET_KEY",
    "TRACKER_ENCRYPTION_KEY",
    "DASHBOARD_SECRET_KEY",
    "POSTGRES_PASSWORD",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
)
# Values for compose's required variables when a test needs the file as compose would see it.
OPERATOR_VALUES = {name: f"{name.lower().replace('_', '-')}-{'x' * 40}" for name in COMPOSE_REQUIRED_SECRETS} | {
    "TRACKER_ENCRYPTION_KEY": "A" * 43 + "=",
    "SITE_ORIGINS": "https://www.clinic.example",
    "DASHBOARD_URL": "https://staff.clinic.example",
    "TELEGRAM_WEBHOOK_URL": "https://chat.clinic.example/telegram/updates",
}


# -- what bot/stack.py builds ------------------------------------------------------------------


def in_image(command: list[str]) -> list[str]:
    """The command with this checkout's root replaced by the image's /app."""
    here = str(PROJECT_ROOT)
    return [IMAGE_ROOT + part[len(here) :] if part.startswith(here) else part for part in command]


@cache
def expected_commands() -> dict[str, tuple[str, ...]]:
    """Each part's command as `make run` builds it, for a container (BIND_HOST=0.0.0.0, /app)."""
    with mock.patch.dict(os.environ, {"BIND_HOST": "0.0.0.0"}):
        commands = {
            "rasa": rasa_command(RASA_PORT),
            "actions": action_server_command(ACTION_PORT),
            "web": app_command("bot.web"),
            "dashboard": app_command("bot.dashboard"),
            "telegram": app_command("bot.telegram"),
            "purge": app_command("bot.privacy.purge"),
            "migrate": app_command("bot.db.migrate"),
        }
    return {part: tuple(in_image(command)) for part, command in commands.items()}


def rasa_environment_names() -> set[str]:
    """The variables bot.stack.rasa_environment gives Rasa (endpoints.yml and our modules read them)."""
    with mock.patch.dict(os.environ, {}, clear=True):
        return set(rasa_environment(ACTION_PORT, "sqlite://"))


def haproxy_variables() -> set[str]:
    """The environment variables haproxy.cfg expands (its comments aside)."""
    lines = [line for line in HAPROXY_CFG.read_text().splitlines() if not line.lstrip().startswith("#")]
    return set(re.findall(r"\$\{(\w+)\}", "\n".join(lines)))


def haproxy_backends() -> dict[str, list[str]]:
    """Each backend of haproxy.cfg with the variables naming its servers' addresses."""
    backends: dict[str, list[str]] = {}
    current = None
    for line in HAPROXY_CFG.read_text().splitlines():
        words = line.split()
        if words[:1] in (["backend"], ["frontend"], ["defaults"], ["global"]):
            current = words[1] if words[0] == "backend" else None
            if current:
                backends[current] = []
        elif current and words[:1] == ["server"]:
            backends[current] += re.findall(r"\$\{(\w+)\}", line)
    return backends


def frontend_binds() -> dict[str, str]:
    """Each frontend of haproxy.cfg with the variable its `bind` names."""
    binds = {}
    for name, variable in re.findall(r"^frontend (\w+)\n\s+bind \"\$\{(\w+)\}\"", HAPROXY_CFG.read_text(), re.M):
        binds[name] = variable
    return binds


def port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


def host_of(address: str) -> str:
    return address.rsplit(":", 1)[0]


def test_haproxy_cfg_has_a_backend_and_frontend_for_each_part():
    assert set(haproxy_backends()) == set(PART_PORTS)
    assert set(frontend_binds()) == set(PART_PORTS)
    assert all(len(servers) == 2 for servers in haproxy_backends().values())


# -- compose.yaml ------------------------------------------------------------------------------


@cache
def compose_raw() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


_VARIABLE = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def interpolate(value, environ: dict[str, str]):
    """compose's `${NAME}`, `${NAME:-default}` and `${NAME:?message}`, given the operator's values."""
    if isinstance(value, dict):
        return {key: interpolate(item, environ) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, environ) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match) -> str:
        name, kind, argument = match.groups()
        given = environ.get(name, "")
        if kind in (":-", "-"):
            return given or (argument if kind == ":-" or name not in environ else "")
        if kind in (":?", "?") and not given:
            raise KeyError(f"compose would refuse to start: {name} ({argument})")
        return given

    return _VARIABLE.sub(replace, value)


@cache
def compose() -> dict:
    """compose.yaml as compose sees it once the operator has set every required variable."""
    return interpolate(compose_raw(), OPERATOR_VALUES)


def part_of(service: str) -> str:
    return re.sub(r"\d+$", "", service)


def our_services() -> dict[str, dict]:
    """The services that run our images (not PostgreSQL, Redis or HAProxy)."""
    return {name: service for name, service in compose()["services"].items() if "build" in service}


def compose_schema() -> dict:
    return json.loads(COMPOSE_SCHEMA.read_text())


def test_compose_yaml_is_valid_by_the_compose_specification():
    validator = jsonschema.Draft7Validator(compose_schema())
    for document in (compose_raw(), compose()):
        problems = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(document)]
        assert problems == []
    # The schema does refuse a mistake: a misspelt key in a service.
    misspelt = json.loads(json.dumps(compose()))
    misspelt["services"]["web1"]["restrat"] = "always"
    assert not validator.is_valid(misspelt)


def test_compose_refuses_to_start_without_any_required_secret():
    for name in COMPOSE_REQUIRED_SECRETS:
        with pytest.raises(KeyError, match=name):
            interpolate(compose_raw(), {key: value for key, value in OPERATOR_VALUES.items() if key != name})


def test_every_compose_service_of_ours_runs_the_command_bot_stack_builds():
    expected = expected_commands()
    parts = {}
    for name, service in our_services().items():
        part = part_of(name)
        wanted = expected[part] + (("--every", str(PURGE_INTERVAL_SECONDS)) if part == "purge" else ())
        assert tuple(service["command"]) == wanted, name
        parts.setdefault(part, []).append(name)
    assert set(parts) == set(expected)
    assert all(len(parts[part]) == 2 for part in PART_PORTS)  # two of each replicated part


def test_compose_services_use_the_image_built_for_their_part():
    for name, service in our_services().items():
        dockerfile = "deploy/rasa.Dockerfile" if part_of(name) == "rasa" else "deploy/app.Dockerfile"
        assert service["build"] == {"context": ".", "dockerfile": dockerfile}, name


def test_only_the_load_balancer_publishes_ports_and_only_its_public_frontends():
    services = compose()["services"]
    publishing = {name for name, service in services.items() if service.get("ports")}
    assert publishing == {"lb"}
    assert not any(service.get("network_mode") == "host" for service in services.values())
    lb = services["lb"]
    published = {port_of(mapping) for mapping in lb["ports"]}
    binds = frontend_binds()
    public = {port_of(lb["environment"][binds[part]]) for part in ("web", "dashboard", "telegram")}
    assert published == public == {PART_PORTS["web"], PART_PORTS["dashboard"], PART_PORTS["telegram"]}
    assert all(mapping.startswith("127.0.0.1:") for mapping in lb["ports"])  # unless PUBLISH_ADDRESS says


def test_rasa_and_action_frontends_listen_on_the_internal_network_only():
    services = compose()["services"]
    lb = services["lb"]
    internal_address = lb["networks"]["backend"]["ipv4_address"]
    binds = frontend_binds()
    for part in ("rasa", "actions"):
        assert host_of(lb["environment"][binds[part]]) == internal_address
    assert compose()["networks"]["backend"]["internal"] is True
    for name in ("rasa1", "rasa2", "web1", "web2", "dashboard1", "dashboard2", "postgres", "redis"):
        assert set(services[name]["networks"]) == {"backend"}, name


def test_compose_gives_secrets_no_value_of_their_own():
    raw_services = compose_raw()["services"]
    for name, service in raw_services.items():
        for variable, value in (service.get("environment") or {}).items():
            if variable not in SECRET_VARIABLES:
                continue
            text = str(value)
            if variable.endswith("_URL"):
                password = urlsplit(interpolate(text, OPERATOR_VALUES)).password
                assert password in (None, OPERATOR_VALUES["POSTGRES_PASSWORD"]), (name, variable)
            else:
                # Either the operator's value, which compose requires, or none at all.
                assert text == "" or re.fullmatch(rf"\$\{{{variable}:\?[^}}]+\}}", text), (name, variable)
    text = COMPOSE_FILE.read_text()
    for name in COMPOSE_REQUIRED_SECRETS:
        uses = re.findall(rf"\$\{{{name}(:?[-?]|\}})", text)
        assert uses and set(uses) == {":?"}, name  # never a default, never optional


def test_the_env_file_example_holds_no_secret():
    example = (PROJECT_ROOT / "deploy" / "compose.env.example").read_text()
    settings = dict(line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#"))
    assert set(COMPOSE_REQUIRED_SECRETS) <= set(settings)
    assert all(value == "" for value in settings.values())
    assert ".env" in (PROJECT_ROOT / ".gitignore").read_text().split()


def test_the_load_balancer_mounts_deploy_haproxy_cfg_and_gets_each_of_its_variables():
    lb = compose()["services"]["lb"]
    config = [volume for volume in lb["volumes"] if volume["type"] == "bind"]
    assert config == [
        {
            "type": "bind",
            "source": "./deploy/haproxy/haproxy.cfg",
            "target": "/usr/local/etc/haproxy/haproxy.cfg",
            "read_only": True,
        }
    ]
    assert (PROJECT_ROOT / config[0]["source"]).resolve() == HAPROXY_CFG
    assert set(lb["environment"]) == haproxy_variables()


def test_each_haproxy_backend_in_compose_leads_to_its_own_part():
    services = compose()["services"]
    lb_environment = services["lb"]["environment"]
    address_of = {
        service["networks"]["backend"]["ipv4_address"]: name
        for name, service in services.items()
        if isinstance(service.get("networks"), dict) and service["networks"]["backend"]
    }
    for backend, variables in haproxy_backends().items():
        reached = []
        for variable in variables:
            address = lb_environment[variable]
            assert port_of(address) == PART_PORTS[backend], variable
            reached.append(address_of[host_of(address)])
        assert sorted(reached) == [f"{backend}1", f"{backend}2"]
    # Dynamic addresses never take a fixed one: they come from the range above them.
    ipam = compose()["networks"]["backend"]["ipam"]["config"][0]
    first_dynamic = int(ipam["ip_range"].split("/")[0].rsplit(".", 1)[1])
    assert all(int(address.rsplit(".", 1)[1]) < first_dynamic for address in address_of)


def test_our_parts_reach_rasa_and_the_action_servers_through_the_load_balancer():
    services = compose()["services"]
    lb = services["lb"]
    binds = frontend_binds()
    assert lb["networks"]["backend"]["aliases"] == ["lb-internal"]
    for name, service in our_services().items():
        environment = service["environment"]
        if "RASA_URL" in environment:
            assert environment["RASA_URL"] == f"http://lb-internal:{port_of(lb['environment'][binds['rasa']])}"
        if part_of(name) == "rasa":
            actions = urlsplit(environment["ACTION_ENDPOINT_URL"])
            assert (actions.hostname, actions.port, actions.path) == (
                "lb-internal",
                port_of(lb["environment"][binds["actions"]]),
                "/webhook",
            )
    assert {part_of(name) for name, s in our_services().items() if "RASA_URL" in s["environment"]} == {
        "web",
        "telegram",
    }


def test_each_compose_part_gets_an_environment_our_settings_accept():
    for name, service in our_services().items():
        environment = {key: str(value) for key, value in service["environment"].items()}
        settings = Settings.from_environ(environment)  # a wrong value raises, naming the variable
        assert environment["LOG_FORMAT"] == "json" and environment["LOG_PART"] == name
        part = part_of(name)
        if part == "actions":
            assert settings.bind_host == "0.0.0.0"
        if part == "web":
            assert settings.web_host == "0.0.0.0" and settings.web_port == PART_PORTS["web"]
            assert settings.web_trusted_proxy_hops == 2  # the clinic's HTTPS terminator and HAProxy
            assert settings.state_redis_url == "redis://redis:6379/2"
        if part == "dashboard":
            assert settings.dashboard_host == "0.0.0.0" and settings.dashboard_port == PART_PORTS["dashboard"]
            assert settings.dashboard_trusted_proxy_hops == 2  # the clinic's HTTPS terminator and HAProxy
            assert settings.database_url.startswith("postgresql+psycopg://")
        if part == "telegram":
            config = load_config(environment)
            assert config.uses_webhook and config.webhook_listen == "0.0.0.0"
            assert config.webhook_port == PART_PORTS["telegram"]
        if part == "rasa":
            assert rasa_environment_names() <= set(environment) | image_environment("rasa")
            assert environment["LOCK_STORE_TYPE"] == "redis"
            assert environment["TRACKER_STORE_URL"].startswith("postgresql://")


def test_the_migration_runs_first_for_every_part_that_uses_the_intake_database():
    for name, service in our_services().items():
        if name != "migrate" and "DATABASE_URL" in service["environment"]:
            assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
    migrate = compose()["services"]["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_compose_runs_our_containers_locked_down_with_health_checks_and_limits():
    for name, service in our_services().items():
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert any(volume["type"] == "tmpfs" and volume["target"] == "/tmp" for volume in service["volumes"]), name
        assert service["deploy"]["resources"]["limits"]["memory"], name
        assert service["restart"] == ("no" if name == "migrate" else "unless-stopped"), name
        part = part_of(name)
        if part in HEALTH:
            test = service["healthcheck"]["test"]
            url = urlsplit(test[-1])
            assert test[:3] == [
                "CMD",
                f"/app/.venv-{'rasa' if part == 'rasa' else 'app'}/bin/python",
                "/app/deploy/healthcheck.py",
            ]
            assert (url.hostname, url.port, url.path) == ("127.0.0.1", PART_PORTS[part], HEALTH[part][1]), name
        else:
            assert service["healthcheck"] == {"disable": True}, name
    for name in ("postgres", "redis", "lb"):
        assert compose()["services"][name]["healthcheck"]["test"], name


def test_haproxy_accepts_its_configuration_with_the_addresses_compose_gives_it():
    if shutil.which("haproxy") is None:
        pytest.skip("haproxy is not installed here (Debian: apt-get install haproxy); the file is checked by hand")
    environment = {key: str(value) for key, value in compose()["services"]["lb"]["environment"].items()}
    checked = subprocess.run(
        ["haproxy", "-c", "-f", str(HAPROXY_CFG)],
        env=dict(os.environ, **environment),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


# -- Kubernetes (kustomize) --------------------------------------------------------------------


def kustomize(directory: Path) -> list[dict]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed here: the manifests cannot be rendered (kubectl kustomize)")
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(directory)], capture_output=True, text=True, timeout=120, check=False
    )
    assert rendered.returncode == 0, rendered.stderr
    return [document for document in yaml.safe_load_all(rendered.stdout) if document]


@pytest.fixture(scope="module")
def base() -> list[dict]:
    return kustomize(K8S / "base")


@pytest.fixture(scope="module")
def overlay() -> list[dict]:
    return kustomize(K8S / "overlays" / "example")


WORKLOAD_KINDS = ("Deployment", "StatefulSet")


def pod_spec(document: dict) -> dict | None:
    if document["kind"] in (*WORKLOAD_KINDS, "Job"):
        return document["spec"]["template"]["spec"]
    if document["kind"] == "CronJob":
        return document["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return None


def pods(documents: list[dict]) -> list[tuple[dict, dict]]:
    return [(document, spec) for document in documents if (spec := pod_spec(document)) is not None]


def containers(documents: list[dict]) -> list[tuple[dict, dict]]:
    return [
        (document, container)
        for document, spec in pods(documents)
        for container in spec.get("initContainers", []) + spec["containers"]
    ]


def named(documents: list[dict], kind: str, name: str) -> dict:
    return next(d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name)


def config_map(documents: list[dict], prefix: str) -> dict:
    """A generated ConfigMap (kustomize adds a hash of the content to its name)."""
    return next(d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith(prefix + "-"))


def test_every_rendered_object_is_valid_by_kubernetes_schemas(base, overlay):
    for version in KUBERNETES_VERSIONS:
        for document in base + overlay:
            kubernetes_validate.validate(document, version, strict=True)
    # Strict: a field Kubernetes does not know is refused, not ignored.
    mistaken = json.loads(json.dumps(named(base, "Deployment", "web")))
    mistaken["spec"]["template"]["spec"]["containers"][0]["readynessProbe"] = {"tcpSocket": {"port": 8000}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(mistaken, KUBERNETES_VERSIONS[-1], strict=True)


def test_the_base_has_no_namespace_and_the_overlay_sets_one(base, overlay):
    assert not any("namespace" in document["metadata"] for document in base)
    assert {document["metadata"].get("namespace") for document in overlay if document["kind"] != "Namespace"} == {
        "clinic"
    }


def test_every_container_of_ours_runs_the_command_bot_stack_builds(base):
    expected = expected_commands()
    seen = set()
    for _document, container in containers(base):
        if container["image"].startswith("haproxy:"):
            assert "command" not in container and "args" not in container
            continue
        assert tuple(container["command"]) == expected[container["name"]], container["name"]
        assert "args" not in container
        image = "clinic-assistant-rasa" if container["name"] == "rasa" else "clinic-assistant-app"
        assert container["image"].split(":")[0] == image
        seen.add(container["name"])
    assert seen == set(expected)


def test_no_deployment_passes_rasa_its_http_api_or_cors(base, overlay):
    arguments = [
        argument
        for _document, container in containers(base + overlay)
        for argument in container.get("command", []) + container.get("args", [])
    ]
    arguments += [argument for service in compose()["services"].values() for argument in service.get("command", [])]
    arguments += [argument for path in DOCKERFILES.values() for argument in dockerfile_command(path)]
    assert arguments and not [a for a in arguments if a.startswith(FORBIDDEN_ARGUMENTS)]


def test_every_workload_has_probes_on_the_health_endpoints_and_resources(base):
    workloads = [document for document in base if document["kind"] in WORKLOAD_KINDS]
    assert {document["metadata"]["name"] for document in workloads} == set(PART_PORTS) | {"haproxy"}
    for document in workloads:
        for container in document["spec"]["template"]["spec"]["containers"]:
            name = container["name"]
            assert container["readinessProbe"] and container["livenessProbe"], name
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert "memory" in container["resources"]["limits"], name
            if name in HEALTH:
                liveness, readiness = HEALTH[name]
                assert container["livenessProbe"]["httpGet"]["path"] == liveness, name
                assert container["readinessProbe"]["httpGet"]["path"] == readiness, name
                port = {port["name"]: port["containerPort"] for port in container["ports"]}
                assert port[container["readinessProbe"]["httpGet"]["port"]] == PART_PORTS[name], name
    for _document, container in containers(base):  # the jobs too
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]), container["name"]
        assert "memory" in container["resources"]["limits"], container["name"]
    assert rasa_memory_limit_gib(named(base, "StatefulSet", "rasa")) >= 1.2


def rasa_memory_limit_gib(rasa: dict) -> float:
    limit = rasa["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"]
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", limit).groups()
    return int(number) / (1024 if unit == "Mi" else 1)


def test_every_pod_runs_as_a_user_without_rights_on_a_read_only_file_system(base):
    for document, spec in pods(base):
        name = document["metadata"]["name"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        assert spec["automountServiceAccountToken"] is False, name
        # Services named rasa, web and dashboard would set RASA_PORT=tcp://..., WEB_PORT=tcp://...
        assert spec["enableServiceLinks"] is False, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert "/tmp" in {mount["mountPath"] for mount in container.get("volumeMounts", [])}, name


def test_the_replicated_parts_have_two_replicas_and_a_disruption_budget(base):
    budgets = {d["metadata"]["name"]: d for d in base if d["kind"] == "PodDisruptionBudget"}
    for document in base:
        if document["kind"] in WORKLOAD_KINDS:
            name = document["metadata"]["name"]
            assert document["spec"]["replicas"] == 2, name
            assert budgets[name]["spec"]["minAvailable"] == 1
            assert budgets[name]["spec"]["selector"] == document["spec"]["selector"]


def test_the_purge_runs_hourly_and_the_migration_once(base):
    purge = named(base, "CronJob", "purge")
    minute, *rest = purge["spec"]["schedule"].split()
    assert minute.isdigit() and rest == ["*", "*", "*", "*"]
    assert purge["spec"]["concurrencyPolicy"] == "Forbid"
    assert named(base, "Job", "migrate")["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_no_secret_is_rendered_and_every_secret_variable_comes_from_a_secret_key_ref(base, overlay):
    documents = base + overlay
    assert not [document for document in documents if document["kind"] == "Secret"]
    for document in documents:
        if document["kind"] == "ConfigMap" and not document["metadata"]["name"].startswith("haproxy-config"):
            assert not set(document["data"]) & SECRET_VARIABLES, document["metadata"]["name"]
    secret_references = 0
    for _document, container in containers(documents):
        assert not [source for source in container.get("envFrom", []) if "secretRef" in source]
        for variable in container.get("env", []):
            if variable["name"] in SECRET_VARIABLES:
                assert "value" not in variable, variable["name"]
                reference = variable["valueFrom"]["secretKeyRef"]
                assert (reference["name"], reference["key"]) == ("assistant-secrets", variable["name"])
                secret_references += 1
    assert secret_references > 20


def test_the_secret_example_lists_every_key_the_manifests_read_and_no_real_value(base):
    example = yaml.safe_load((K8S / "secret.example.yaml").read_text())
    assert example["kind"] == "Secret" and example["metadata"]["name"] == "assistant-secrets"
    read = {
        variable["valueFrom"]["secretKeyRef"]["key"]
        for _document, container in containers(base)
        for variable in container.get("env", [])
        if "valueFrom" in variable and "secretKeyRef" in variable["valueFrom"]
    }
    assert set(example["stringData"]) == read
    assert all("<" in value and ">" in value for value in example["stringData"].values())
    # It is an example only: no kustomization lists it.
    for kustomization in K8S.rglob("kustomization.yaml"):
        assert "secret.example.yaml" not in json.dumps(yaml.safe_load(kustomization.read_text())["resources"])


def test_each_part_gets_settings_bot_settings_accepts(base):
    settings = config_map(base, "assistant-settings")["data"]
    for _document, container in containers(base):
        if container["name"] not in expected_commands():
            continue
        environment = dict(settings) | {
            variable["name"]: variable.get("value") or OPERATOR_VALUES.get(variable["name"], "secret-" + "x" * 40)
            for variable in container.get("env", [])
        }
        environment = {key: value for key, value in environment.items() if not key.endswith("_URL") or value}
        parsed = Settings.from_environ(environment)
        assert parsed.bind_host == parsed.web_host == parsed.dashboard_host == "0.0.0.0"
        assert parsed.telegram_webhook_listen == "0.0.0.0" and parsed.lock_store_type == "redis"
        if container["name"] == "telegram":
            assert load_config(environment).uses_webhook
        if container["name"] == "rasa":
            assert rasa_environment_names() <= set(environment) | image_environment("rasa")


def test_the_haproxy_config_map_is_deploy_haproxy_cfg_byte_for_byte(base):
    assert config_map(base, "haproxy-config")["data"] == {"haproxy.cfg": HAPROXY_CFG.read_text()}
    haproxy = named(base, "Deployment", "haproxy")["spec"]["template"]["spec"]
    container = haproxy["containers"][0]
    volume = next(volume for volume in haproxy["volumes"] if "configMap" in volume)
    assert volume["configMap"]["name"] == config_map(base, "haproxy-config")["metadata"]["name"]
    mount = next(mount for mount in container["volumeMounts"] if mount["name"] == volume["name"])
    assert mount["mountPath"] == "/usr/local/etc/haproxy" and mount["readOnly"] is True
    assert {variable["name"] for variable in container["env"]} == haproxy_variables()


def selected(service: dict, documents: list[dict]) -> list[dict]:
    """The workloads whose pods a Service selects (the pod-name label counted for a StatefulSet's)."""
    selector = service["spec"]["selector"]
    found = []
    for document in documents:
        if document["kind"] not in WORKLOAD_KINDS:
            continue
        labels = dict(document["spec"]["template"]["metadata"]["labels"])
        if document["kind"] == "StatefulSet":
            names = [f"{document['metadata']['name']}-{n}" for n in range(document["spec"]["replicas"])]
            if "statefulset.kubernetes.io/pod-name" in selector:
                if selector["statefulset.kubernetes.io/pod-name"] not in names:
                    continue
                labels["statefulset.kubernetes.io/pod-name"] = selector["statefulset.kubernetes.io/pod-name"]
        if all(labels.get(key) == value for key, value in selector.items()):
            found.append(document)
    return found


def test_each_haproxy_backend_in_kubernetes_leads_to_its_own_part(base):
    environment = {
        v["name"]: v["value"]
        for v in named(base, "Deployment", "haproxy")["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    services = {d["metadata"]["name"]: d for d in base if d["kind"] == "Service"}
    for backend, variables in haproxy_backends().items():
        for variable in variables:
            service = services[host_of(environment[variable])]
            assert service["spec"].get("clusterIP") != "None", variable  # a stable address
            (workload,) = selected(service, base)
            container = workload["spec"]["template"]["spec"]["containers"][0]
            assert tuple(container["command"]) == expected_commands()[backend], variable
            (port,) = [p for p in service["spec"]["ports"] if p["port"] == port_of(environment[variable])]
            assert {p["name"]: p["containerPort"] for p in container["ports"]}[port["targetPort"]] == PART_PORTS[
                backend
            ]
    # Each Rasa replica is one server, so the conversation hash picks a replica, not a Service.
    rasa = sorted(host_of(environment[variable]) for variable in haproxy_backends()["rasa"])
    assert rasa == ["rasa-0", "rasa-1"]


def test_rasa_and_actions_are_reached_through_haproxy_internal_only(base):
    settings = config_map(base, "assistant-settings")["data"]
    internal = named(base, "Service", "haproxy-internal")
    public = named(base, "Service", "haproxy")
    haproxy = named(base, "Deployment", "haproxy")["spec"]["template"]["spec"]["containers"][0]
    container_port = {port["name"]: port["containerPort"] for port in haproxy["ports"]}
    listen = {v["name"]: v["value"] for v in haproxy["env"]}
    binds = frontend_binds()
    internal_ports = {container_port[port["targetPort"]] for port in internal["spec"]["ports"]}
    public_ports = {container_port[port["targetPort"]] for port in public["spec"]["ports"]}
    assert internal_ports == {port_of(listen[binds["rasa"]]), port_of(listen[binds["actions"]])}
    assert public_ports == {port_of(listen[binds[part]]) for part in ("web", "dashboard", "telegram")}
    rasa_url, actions_url = urlsplit(settings["RASA_URL"]), urlsplit(settings["ACTION_ENDPOINT_URL"])
    assert (rasa_url.hostname, rasa_url.port) == ("haproxy-internal", port_of(listen[binds["rasa"]]))
    assert (actions_url.hostname, actions_url.port, actions_url.path) == (
        "haproxy-internal",
        port_of(listen[binds["actions"]]),
        "/webhook",
    )


def test_network_policies_let_only_our_own_parts_reach_rasa_and_actions(base):
    policies = {d["metadata"]["name"]: d["spec"] for d in base if d["kind"] == "NetworkPolicy"}

    def who_may_reach(target: str) -> dict[int, set[str]]:
        """Port -> the parts allowed to open it ("anyone" for a rule without `from`)."""
        allowed: dict[int, set[str]] = {}
        for spec in policies.values():
            selector = spec["podSelector"]
            targets = (
                {selector["matchLabels"]["app.kubernetes.io/name"]}
                if "matchLabels" in selector
                else set(selector["matchExpressions"][0]["values"])
            )
            if target not in targets:
                continue
            for rule in spec["ingress"]:
                sources = {
                    peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for peer in rule.get("from", [])
                }
                for port in rule["ports"]:
                    allowed.setdefault(port["port"], set()).update(sources or {"anyone"})
        return allowed

    assert who_may_reach("rasa") == {RASA_PORT: {"haproxy"}}
    assert who_may_reach("actions") == {ACTION_PORT: {"haproxy"}}
    haproxy = who_may_reach("haproxy")
    assert haproxy[RASA_PORT] == {"web", "telegram"} and haproxy[ACTION_PORT] == {"rasa"}
    assert all(haproxy[PART_PORTS[part]] == {"anyone"} for part in ("web", "dashboard", "telegram"))
    for part in ("web", "dashboard", "telegram"):
        assert set().union(*who_may_reach(part).values()) == {"haproxy"}


# -- the images --------------------------------------------------------------------------------


def dockerfile_stages(path: Path) -> list[dict]:
    """The Dockerfile's stages: name, base, and instructions (continuation lines joined)."""
    lines, pending = [], ""
    for line in path.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.lstrip().startswith("#"):
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        lines.append(pending.strip())
        pending = ""
    stages: list[dict] = []
    arguments = {}
    for line in lines:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = rest.split()
            base_name = re.sub(r"\$\{(\w+)\}", lambda m: arguments.get(m.group(1), m.group(0)), words[0])
            name = words[2] if len(words) > 2 and words[1].upper() == "AS" else None
            stages.append({"name": name, "base": base_name, "instructions": []})
        elif not stages and keyword == "ARG":
            key, _, value = rest.partition("=")
            arguments[key] = value
        else:
            stages[-1]["instructions"].append((keyword, rest))
    return stages


def inherited(stages: list[dict], index: int, keyword: str) -> list[str]:
    """Every `keyword` instruction that applies in stage `index`, its base stages' first."""
    stage = stages[index]
    earlier = [i for i, s in enumerate(stages[:index]) if s["name"] == stage["base"]]
    own = [rest for word, rest in stage["instructions"] if word == keyword]
    return (inherited(stages, earlier[0], keyword) if earlier else []) + own


def image_environment(kind: str) -> set[str]:
    """The variables the final stage of the image sets (ENV)."""
    stages = dockerfile_stages(DOCKERFILES[kind])
    names = set()
    for rest in inherited(stages, len(stages) - 1, "ENV"):
        names |= {assignment.split("=", 1)[0] for assignment in shlex.split(rest)}
    return names


def dockerfile_command(path: Path) -> list[str]:
    stages = dockerfile_stages(path)
    return json.loads(inherited(stages, len(stages) - 1, "CMD")[-1])


@pytest.mark.parametrize("kind", sorted(DOCKERFILES))
def test_each_image_runs_as_a_fixed_user_without_rights(kind):
    stages = dockerfile_stages(DOCKERFILES[kind])
    for index, stage in enumerate(stages):
        runs = index == len(stages) - 1 or any(word == "CMD" for word, _ in stage["instructions"])
        if runs:
            users = inherited(stages, index, "USER")
            assert users, stage["name"]
            user = users[-1].split(":")[0]
            assert user.isdigit() and int(user) >= 1000, stage["name"]
        # Installing and training happen as root, in stages that never run.
        assert not any(word == "USER" for word, _ in stage["instructions"]) or runs


@pytest.mark.parametrize("kind", sorted(DOCKERFILES))
def test_no_image_holds_a_secret(kind):
    text = DOCKERFILES[kind].read_text()
    for stage in dockerfile_stages(DOCKERFILES[kind]):
        for word, rest in stage["instructions"]:
            if word in ("ENV", "ARG"):
                names = {assignment.split("=", 1)[0] for assignment in shlex.split(rest)}
                assert not names & SECRET_VARIABLES, (kind, names & SECRET_VARIABLES)
            if word == "COPY":
                assert ".env" not in rest.split() and "var" not in rest.split(), rest
    assert "--mount=type=secret" not in text


def test_the_images_run_the_commands_bot_stack_builds_with_a_health_check():
    expected = expected_commands()
    assert tuple(dockerfile_command(DOCKERFILES["rasa"])) == expected["rasa"]
    assert tuple(dockerfile_command(DOCKERFILES["app"])) == expected["actions"]
    for kind, path in DOCKERFILES.items():
        stages = dockerfile_stages(path)
        assert inherited(stages, len(stages) - 1, "HEALTHCHECK"), kind
        assert inherited(stages, len(stages) - 1, "WORKDIR")[-1] == IMAGE_ROOT
    # The Rasa image trains with `make train`'s command, into the model path Rasa is started with.
    rasa = dockerfile_stages(DOCKERFILES["rasa"])
    runs = [rest for stage in rasa for word, rest in stage["instructions"] if word == "RUN"]
    assert ".venv-rasa/bin/rasa train --quiet --fixed-model-name assistant --out models" in runs
    model = expected["rasa"][expected["rasa"].index("--model") + 1]
    assert any(rest.endswith(" " + model) for word, rest in rasa[-1]["instructions"] if word == "COPY")
    assert "RASA_TELEMETRY_ENABLED" in image_environment("rasa")


def makefile_installs() -> list[str]:
    """The Makefile's `pip install` lines for the two environments, as a shell would run them."""
    text = (PROJECT_ROOT / "Makefile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if "pip install" in line]
    lines = [line.replace("$(RASA_VENV)", ".venv-rasa").replace("$(APP_VENV)", ".venv-app") for line in lines]
    return [" ".join(line.replace("$$", "$").split()) for line in lines]


def test_the_images_install_the_locks_exactly_as_the_makefile_does():
    rasa_lines, app_lines = [], []
    for line in makefile_installs():
        (rasa_lines if ".venv-rasa" in line else app_lines).append(line)
    assert len(rasa_lines) == 2 and len(app_lines) == 1
    # The image needs no test tools: the application's lock alone.
    app_lines = [app_lines[0].replace(" -r requirements/test.txt", "")]
    for kind, lines in (("rasa", rasa_lines), ("app", app_lines)):
        runs = " ".join(
            " ".join(rest.split())
            for stage in dockerfile_stages(DOCKERFILES[kind])
            for w, rest in stage["instructions"]
            if w == "RUN"
        )
        for line in lines:
            assert "--require-hashes" in line and line in runs, (kind, line)


def test_the_images_python_is_the_one_each_environment_needs():
    finder = (PROJECT_ROOT / "scripts" / "find-python.sh").read_text()
    allowed = {kind: re.search(rf'{kind}\)\s+versions="([^"]+)"', finder).group(1).split() for kind in ("rasa", "app")}
    for kind, path in DOCKERFILES.items():
        base = dockerfile_stages(path)[0]["base"]
        version = re.fullmatch(r"python:(\d+\.\d+)-slim-\w+", base).group(1)
        assert version in allowed[kind], (kind, version)


def test_docker_builds_leave_out_environments_local_data_models_and_env_files():
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv*", "var/", "models/", "results/", ".env", "*.env"):
        assert entry in ignored, entry


# -- deploy/healthcheck.py ---------------------------------------------------------------------


class _Answers(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the standard library's name)
        self.send_response(200 if self.path == "/healthz" else 503)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_health_check_passes_only_on_a_200():
    from deploy.healthcheck import main

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        assert main(["healthcheck", f"http://127.0.0.1:{port}/healthz"]) == 0
        assert main(["healthcheck", f"http://127.0.0.1:{port}/down"]) == 1
    finally:
        server.shutdown()
        server.server_close()
    assert main(["healthcheck", f"http://127.0.0.1:{port}/healthz"]) == 1  # nothing listens any more

"""The conformance suite: the services' own client libraries and CLIs against ff-sandbox.

Every check drives an emulator with a real client (auth0-python, grafana-client, the
Kubernetes Python client, kubectl, plain HTTP where the service has no official Python
client) and asserts what the service documents; each test's docstring cites the page.
Whether the real client can parse the answer is itself the test.

`sandbox/tests/conformance.rs` starts the sandbox binary and runs this suite with the
tools venv's Python (scripts/install-tools.sh installs the pinned clients). By hand:

    ff-sandbox --listen 127.0.0.1:0 --auth0-rate-limit 1000 --auth0-burst 1000 > /tmp/ep.json &
    FF_SANDBOX_ENDPOINTS=/tmp/ep.json "$FF_CONFORMANCE_PYTHON" -m pytest sandbox/conformance

FF_SANDBOX_ENDPOINTS names a file holding the sandbox's endpoints line. With
FF_CONFORMANCE_REPORT set, the per-service counts are written there as JSON.
"""

import json
import os
import re
import uuid

import pytest
import requests

# Each test module is one service; the README's table counts checks by these names.
SERVICES = {
    "test_auth0.py": "Auth0",
    "test_grafana.py": "Grafana",
    "test_kubernetes.py": "Kubernetes (Python client)",
    "test_kubectl.py": "Kubernetes (kubectl)",
    "test_entra.py": "Entra ID",
    "test_registry.py": "Terraform Cloud registry",
}

_DOC_URL = re.compile(r"https://\S+")


def pytest_collection_modifyitems(items):
    """Every check cites the documented behaviour it expects: a docstring with a URL."""
    for item in items:
        doc = getattr(item.function, "__doc__", None) or ""
        if not _DOC_URL.search(doc):
            raise pytest.UsageError(
                f"{item.nodeid}: a conformance check needs a docstring citing the documented "
                "behaviour (a https:// URL)"
            )


_outcomes = {}


def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        module = os.path.basename(report.nodeid.split("::")[0])
        counts = _outcomes.setdefault(SERVICES.get(module, module), {"passed": 0, "failed": 0, "skipped": 0})
        counts[report.outcome] += 1


def pytest_sessionfinish(session):
    path = os.environ.get("FF_CONFORMANCE_REPORT")
    if path:
        with open(path, "w") as f:
            json.dump(_outcomes, f, indent=2, sort_keys=True)


@pytest.fixture(scope="session")
def endpoints():
    """The sandbox's endpoints line (sandbox/README.md, "Command line")."""
    path = os.environ.get("FF_SANDBOX_ENDPOINTS")
    if not path:
        raise pytest.UsageError("FF_SANDBOX_ENDPOINTS must name a file holding the sandbox's endpoints line")
    with open(path) as f:
        return json.loads(f.readline())


@pytest.fixture(scope="session")
def control(endpoints):
    """The sandbox's control API (faults, rate limits, inspection)."""
    return Control(endpoints["control"])


class Control:
    def __init__(self, base):
        self.base = base
        self.http = requests.Session()

    def get(self, path):
        response = self.http.get(self.base + path, timeout=10)
        response.raise_for_status()
        return response.json()

    def put(self, path, body):
        response = self.http.put(self.base + path, json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def post(self, path, body):
        response = self.http.post(self.base + path, json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def delete(self, path):
        response = self.http.delete(self.base + path, timeout=10)
        response.raise_for_status()


@pytest.fixture
def unique():
    """A fresh lower-case name part, so that checks sharing one sandbox never collide."""
    return uuid.uuid4().hex[:10]

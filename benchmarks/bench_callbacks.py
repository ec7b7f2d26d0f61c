"""Server-side time of every page's callbacks at `province` scale, against the same views
computed from raw tables in the same run.

For each page the harness does what the browser does on opening it: it reads the shell from
``/_dash-layout``, asks the pages router for the page's layout, and posts every server-side
callback the page fires on load to ``/_dash-update-component``, timing each request (Flask
included). It then times the raw-table equivalent of the page's figures (``raw_views``).
Target (PRODUCT.md): p95 ≤ 50 ms per callback and ≥ 20× faster than raw.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from benchmarks.dash_requests import CallbackRequest, PageState, build_requests

PAGES = {"overview": "/", "energy": "/energy", "vehicles": "/vehicles", "assets": "/assets", "housing": "/housing"}
ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."


@dataclass
class Timing:
    name: str
    samples_ms: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _post(client, body: dict) -> dict:
    response = client.post("/_dash-update-component", json=body)
    if response.status_code == 204:
        return {}
    if response.status_code != 200:
        raise RuntimeError(f"callback {body['output']} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
    return response.get_json()


def page_requests(client, path: str) -> list[CallbackRequest]:
    """The callbacks a browser fires when it opens ``path``, with their real payloads."""
    dependencies = client.get("/_dash-dependencies").get_json()
    shell = client.get("/_dash-layout").get_json()
    state = PageState([shell])
    location = state.props.get("_pages_location")
    if location is None:
        raise RuntimeError("the shell has no pages location; is use_pages on?")
    location.update(pathname=path, search="", href=f"http://localhost{path}", hash="")
    router = [r for r in build_requests(dependencies, state) if r.name == ROUTER_OUTPUT]
    if not router:
        raise RuntimeError("the pages router callback was not found")
    page_layout = _post(client, router[0].body)["response"]["_pages_content"]["children"]
    state = PageState([shell, page_layout])
    state.props["_pages_location"].update(pathname=path, search="", href=f"http://localhost{path}", hash="")
    return build_requests(dependencies, state)


def time_requests(client, requests: list[CallbackRequest], *, repeat: int) -> list[Timing]:
    timings = []
    for request in requests:
        _post(client, request.body)  # warm-up: first call pays imports and plans
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            _post(client, request.body)
            samples.append((time.perf_counter() - started) * 1000)
        timings.append(Timing(request.name, samples))
    return timings


def time_function(func, *, repeat: int) -> Timing:
    func()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return Timing(getattr(func, "__name__", "raw"), samples)

"""Builds the requests a browser would post to ``/_dash-update-component`` when a page opens.

The harness reads the app's callback graph from ``/_dash-dependencies`` and the page's
initial component tree (the shell plus the page's layout), and for each server-side callback
whose inputs are all present builds the same JSON body the Dash renderer sends. This keeps the
benchmark honest: it exercises the real endpoint with the real payloads, and a new callback is
measured without anyone editing the benchmark.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

WILDCARDS = ("ALL", "MATCH", "ALLSMALLER")


@dataclass
class CallbackRequest:
    name: str
    body: dict


def iter_components(tree: Any) -> Iterator[dict]:
    """Every component (as its plotly JSON) in a layout tree."""
    if isinstance(tree, (list, tuple)):
        for item in tree:
            yield from iter_components(item)
        return
    if hasattr(tree, "to_plotly_json"):
        tree = tree.to_plotly_json()
    if not isinstance(tree, dict) or "props" not in tree:
        return
    yield tree
    for value in tree["props"].values():
        if isinstance(value, (list, tuple, dict)) or hasattr(value, "to_plotly_json"):
            yield from iter_components(value)


def _id_key(component_id: Any) -> str:
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return str(component_id)


def _matches(pattern: dict, concrete: Any) -> bool:
    if not isinstance(concrete, dict) or set(pattern) != set(concrete):
        return False
    for key, want in pattern.items():
        if isinstance(want, list) and len(want) == 1 and want[0] in WILDCARDS:
            continue
        if concrete[key] != want:
            return False
    return True


def _parse_id(raw: str) -> Any:
    return json.loads(raw) if raw.startswith("{") else raw


def _split_output(output: str) -> list[tuple[Any, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    result = []
    for part in parts:
        raw_id, prop = part.rsplit(".", 1)
        prop = prop.split("@")[0]
        result.append((_parse_id(raw_id), prop))
    return result


class PageState:
    """Component props by id, for one page as the browser would hold them after loading."""

    def __init__(self, trees: list[Any]):
        self.props: dict[str, dict] = {}
        self.ids: list[Any] = []
        for tree in trees:
            for comp in iter_components(tree):
                cid = comp["props"].get("id")
                if cid is None:
                    continue
                self.props[_id_key(cid)] = comp["props"]
                self.ids.append(cid)

    def resolve(self, dep_id: Any, prop: str) -> tuple[bool, Any]:
        """(found, value) where value is a single value or, for a wildcard id, a list of entries."""
        if isinstance(dep_id, dict):
            found = [cid for cid in self.ids if _matches(dep_id, cid)]
            if not found:
                return False, None
            entries = [{"id": cid, "property": prop, "value": self.props[_id_key(cid)].get(prop)} for cid in found]
            return True, entries
        props = self.props.get(str(dep_id))
        if props is None:
            return False, None
        return True, props.get(prop)


def build_requests(dependencies: list[dict], state: PageState, *, skip_outputs: tuple[str, ...] = ()) -> list[CallbackRequest]:
    """Request bodies for every server-side callback whose inputs all exist on the page."""
    requests = []
    for dep in dependencies:
        if dep.get("clientside_function"):
            continue
        if any(dep["output"].startswith(prefix) or f"..{prefix}" in dep["output"] for prefix in skip_outputs):
            continue
        inputs, ok = [], True
        for item in dep["inputs"]:
            dep_id = _parse_id(item["id"]) if isinstance(item["id"], str) else item["id"]
            found, value = state.resolve(dep_id, item["property"])
            if not found:
                ok = False
                break
            inputs.append(value if isinstance(dep_id, dict) else {"id": dep_id, "property": item["property"], "value": value})
        if not ok or not inputs:
            continue
        states = []
        for item in dep.get("state", []):
            dep_id = _parse_id(item["id"]) if isinstance(item["id"], str) else item["id"]
            found, value = state.resolve(dep_id, item["property"])
            if not found:
                ok = False
                break
            states.append(value if isinstance(dep_id, dict) else {"id": dep_id, "property": item["property"], "value": value})
        if not ok:
            continue
        outputs = [{"id": oid, "property": prop} for oid, prop in _split_output(dep["output"])]
        first = dep["inputs"][0]
        body = {
            "output": dep["output"],
            "outputs": outputs if dep["output"].startswith("..") else outputs[0],
            "inputs": inputs,
            "state": states,
            "changedPropIds": [f"{first['id']}.{first['property']}"],
        }
        requests.append(CallbackRequest(name=dep["output"], body=body))
    return requests

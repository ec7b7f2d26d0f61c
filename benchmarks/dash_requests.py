"""Builds the requests a browser would post to ``/_dash-update-component`` when a page opens.

The harness reads the app's callback graph from ``/_dash-dependencies`` and the page's
initial component tree (the shell plus the page's layout), and for each server-side callback
whose inputs are all present builds the same JSON body the Dash renderer sends. This keeps the
benchmark honest: it exercises the real endpoint with the real payloads, and a new callback is
measured without anyone editing the benchmark.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

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


def is_wildcard(component_id: Any) -> bool:
    """ALL and ALLSMALLER ids send lists of entries; MATCH is bound to one component first."""
    return isinstance(component_id, dict) and any(
        isinstance(v, list) and len(v) == 1 and v[0] in ("ALL", "ALLSMALLER") for v in component_id.values()
    )


def _match_keys(component_id: Any) -> list[str]:
    if not isinstance(component_id, dict):
        return []
    return [k for k, v in component_id.items() if isinstance(v, list) and v == ["MATCH"]]


def _bind_matches(dep: dict, state: PageState) -> list[dict]:
    """The callback once per set of components its MATCH wildcards fit, as the renderer fires one
    request per matching output (a panel callback whose outputs match on page and panel fires
    once per panel); empty when nothing on the page matches."""
    outputs = [oid for oid, _ in _split_output(dep["output"])]
    inputs = [_parse_id(i["id"]) for i in dep["inputs"]]
    keyed = next((p for p in outputs + inputs if _match_keys(p)), None)
    if keyed is None:
        return [dep]
    bound_specs = []
    for concrete in (cid for cid in state.ids if _matches(keyed, cid)):
        binding = {k: concrete[k] for k in _match_keys(keyed)}

        def bind(raw: str, binding=binding) -> str:
            pattern = _parse_id(raw)
            if not _match_keys(pattern):
                return raw
            return json.dumps(
                {k: binding.get(k, v) if v == ["MATCH"] else v for k, v in pattern.items()},
                sort_keys=True,
                separators=(",", ":"),
            )

        bound = dict(dep)
        bound["inputs"] = [{**i, "id": bind(i["id"])} for i in dep["inputs"]]
        bound["state"] = [{**i, "id": bind(i["id"])} for i in dep.get("state", [])]
        bound["bound_output"] = [
            f"{bind(json.dumps(oid, sort_keys=True, separators=(',', ':')) if isinstance(oid, dict) else oid)}.{prop}"
            for oid, prop in _split_output(dep["output"])
        ]
        bound["binding"] = binding
        bound_specs.append(bound)
    return bound_specs


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
        if is_wildcard(dep_id):
            found = [cid for cid in self.ids if _matches(dep_id, cid)]
            if not found:
                return False, None
            entries = [{"id": cid, "property": prop, "value": self.props[_id_key(cid)].get(prop)} for cid in found]
            return True, entries
        props = self.props.get(_id_key(dep_id))
        if props is None:
            return False, None
        return True, props.get(prop)


def _fired_by_location(dep: dict) -> bool:
    # The pages router waits for its Location's first pathname, which the browser sets on load.
    return any(item["id"] == "_pages_location" for item in dep["inputs"])


def build_requests(
    dependencies: list[dict], state: PageState, *, skip_outputs: tuple[str, ...] = ()
) -> list[CallbackRequest]:
    """Request bodies for every server-side callback whose inputs all exist on the page."""
    requests = []
    for dep in dependencies:
        if dep.get("clientside_function"):
            continue
        if dep.get("prevent_initial_call") and not _fired_by_location(dep):
            continue  # the browser fires these on a user's action, not on load
        if any(dep["output"].startswith(prefix) or f"..{prefix}" in dep["output"] for prefix in skip_outputs):
            continue
        for spec in _bind_matches(dep, state):
            request = _request(dep, spec, state)
            if request is not None:
                requests.append(request)
    return requests


def _request(dep: dict, spec: dict, state: PageState) -> CallbackRequest | None:
    """The request body of one (bound) callback, or None when an input is missing."""
    inputs, ok = [], True
    for item in spec["inputs"]:
        dep_id = _parse_id(item["id"]) if isinstance(item["id"], str) else item["id"]
        found, value = state.resolve(dep_id, item["property"])
        if not found:
            ok = False
            break
        inputs.append(value if is_wildcard(dep_id) else {"id": dep_id, "property": item["property"], "value": value})
    if not ok or not inputs:
        return None
    states = []
    for item in spec.get("state", []):
        dep_id = _parse_id(item["id"]) if isinstance(item["id"], str) else item["id"]
        found, value = state.resolve(dep_id, item["property"])
        if not found:
            ok = False
            break
        states.append(value if is_wildcard(dep_id) else {"id": dep_id, "property": item["property"], "value": value})
    if not ok:
        return None
    outputs = []
    split = (
        [(_parse_id(part.rsplit(".", 1)[0]), part.rsplit(".", 1)[1]) for part in spec["bound_output"]]
        if "bound_output" in spec
        else _split_output(dep["output"])
    )
    for oid, prop in split:
        if is_wildcard(oid):  # a wildcard output names every matching component
            outputs.append([{"id": cid, "property": prop} for cid in state.ids if _matches(oid, cid)])
        else:
            outputs.append({"id": oid, "property": prop})
    first = spec["inputs"][0]
    body = {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": inputs,
        "state": states,
        "changedPropIds": [f"{first['id']}.{first['property']}"],
    }
    name = dep["output"]
    if spec.get("binding"):
        name = f"{name} [{' '.join(str(v) for v in spec['binding'].values())}]"
    return CallbackRequest(name=name, body=body)

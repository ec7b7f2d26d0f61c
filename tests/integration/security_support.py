"""Shared set-up for the access-control tests: a small org tree, one account per role, the app,
signed-in Flask test clients, and a helper that posts hand-made Dash callback requests.

Org tree (ids fixed): 1 province / 2 city A / 3 county A1, 4 county A2 / 5 city B / 6 county B1,
agencies 7 (under 3), 8 (under 4), 9 (under 6).
"""

from __future__ import annotations

import importlib
import json
import os
import re
import secrets

from config import load_config
from data import device_tokens as tokens_data
from data import users as users_data
from data.db import get_engine, write_session
from data.models import OrgNode
from data.seed import seed_reference

TEST_SECRET = "integration-" + secrets.token_hex(16)
PASSWORD = "Correct-Horse-42"

ORG_TREE = (
    # id, parent, level, admin_level, path, depth, name
    (1, None, "province", "province", "/1/", 0, "测试省"),
    (2, 1, "city", "city", "/1/2/", 1, "甲市"),
    (3, 2, "county", "county", "/1/2/3/", 2, "甲一县"),
    (4, 2, "county", "county", "/1/2/4/", 2, "甲二县"),
    (5, 1, "city", "city", "/1/5/", 1, "乙市"),
    (6, 5, "county", "county", "/1/5/6/", 2, "乙一县"),
    (7, 3, "agency", "county", "/1/2/3/7/", 3, "甲一县机关事务中心"),
    (8, 4, "agency", "county", "/1/2/4/8/", 3, "甲二县机关事务中心"),
    (9, 6, "agency", "county", "/1/5/6/9/", 3, "乙一县机关事务中心"),
)

# username -> (role, scope org id)
ACCOUNTS = {
    "admin": ("admin", 1),
    "leader": ("leader", 1),
    "operator": ("operator", 1),
    "viewer": ("viewer", 2),
    "county": ("viewer", 3),
    "cityadmin": ("admin", 2),
}


def seed_org_tree(database_url: str) -> None:
    with write_session(get_engine(database_url)) as session:
        seed_reference(session)
        for org_id, parent, level, admin_level, path, depth, name in ORG_TREE:
            session.add(
                OrgNode(
                    id=org_id,
                    parent_id=parent,
                    level=level,
                    admin_level=admin_level,
                    code=f"T{org_id}",
                    name_zh=name,
                    name_en=f"Org {org_id}",
                    path=path,
                    depth=depth,
                    sort_order=org_id,
                )
            )


def seed_accounts(database_url: str) -> dict[str, str]:
    """The accounts of ``ACCOUNTS`` (password ``PASSWORD``) and a wall account; returns the wall token."""
    with write_session(get_engine(database_url)) as session:
        for username, (role, org_id) in ACCOUNTS.items():
            users_data.create_user(
                session,
                username=username,
                display_name=f"{username} 用户",
                role=role,
                scope_org_id=org_id,
                password=PASSWORD,
            )
        wall = users_data.create_user(session, username="wall", display_name="大屏", role="wall", scope_org_id=1)
        _, token = tokens_data.issue_device_token(session, user_id=wall.id, name="测试大屏", created_by="tests")
    return {"wall": token}


def import_create_app():
    """``app.create_app``; importing ``app`` builds its module-level app from the environment,
    which needs a secret key."""
    os.environ.setdefault("SECRET_KEY", TEST_SECRET)
    return importlib.import_module("app").create_app


def make_app(database_url: str, **overrides):
    create_app = import_create_app()
    return create_app(load_config(database_url=database_url, secret_key=TEST_SECRET, **overrides))


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD, *, next_url: str | None = None):
    """Post the real login form (GET it first for the CSRF token); returns the POST's response."""
    page = client.get("/login")
    data = {"username": username, "password": password, "csrf_token": csrf_from(page.get_data(as_text=True))}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/login", data=data)


def signed_in_client(app, username: str, password: str = PASSWORD):
    client = app.server.test_client()
    response = login(client, username, password)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def dependencies(client) -> list[dict]:
    response = client.get("/_dash-dependencies")
    assert response.status_code == 200
    return response.get_json()


def find_callback(deps: list[dict], output_part: str) -> dict:
    matches = [d for d in deps if output_part in d["output"]]
    assert len(matches) == 1, f"{len(matches)} callbacks output {output_part}"
    return matches[0]


def _component_id(raw: str):
    """Pattern-matching ids travel as dicts; the dependency list writes them as JSON strings."""
    return json.loads(raw) if raw.startswith("{") else raw


def _split_output(output: str) -> list[dict]:
    if output.startswith(".."):
        parts = output[2:-2].split("...")
    else:
        parts = [output]
    out = []
    for part in parts:
        component_id, prop = part.rsplit(".", 1)
        out.append({"id": _component_id(component_id), "property": prop})
    return out


def call_callback(client, deps: list[dict], output_part: str, values: dict, *, triggered: str | None = None):
    """POST a hand-made request to ``/_dash-update-component`` for the callback whose output
    contains ``output_part``; ``values`` maps ``"id.prop"`` to the value sent (others: None)."""
    spec = find_callback(deps, output_part)
    outputs = _split_output(spec["output"])
    payload = {
        "output": spec["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": [
            {"id": _component_id(i["id"]), "property": i["property"], "value": values.get(f"{i['id']}.{i['property']}")}
            for i in spec["inputs"]
        ],
        "state": [
            {"id": _component_id(s["id"]), "property": s["property"], "value": values.get(f"{s['id']}.{s['property']}")}
            for s in spec["state"]
        ],
        "changedPropIds": [triggered] if triggered else [],
    }
    return client.post("/_dash-update-component", json=payload, headers={"Origin": "http://localhost"})

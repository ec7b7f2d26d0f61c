"""Data scope through the real endpoints: a county user's pages show exactly that county's
figures, nothing of the rest of the province, and a hand-edited ``org`` outside the county is
refused. Runs on the hand-made province of ``rollup_rows`` (SQLite and PostgreSQL).

Extend ``SCOPED_PAGES`` when a page callback is added; ``test_scope_filter_in_data_layer``
checks the ``data.scope`` helpers directly against the org tree.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from data import users as users_data
from data.db import get_engine, write_session
from data.models import OrgNode, RollupMonthly
from data.scope import OutOfScope, resolve_org, scope_for_org
from data.seed import seed_reference

from rollup_rows import rollup_db  # noqa: F401  (fixture)
from security_support import PASSWORD, call_callback, dependencies, make_app, signed_in_client

COUNTY = 3  # 乙县, under city 2
CITY = 2
OTHER_CITY = 6
SCOPED_PAGES = ("overview", "energy", "vehicles", "assets", "housing", "profile")


@pytest.fixture(scope="module")
def scoped_app(rollup_db):  # noqa: F811
    with write_session(get_engine(rollup_db.url)) as session:
        seed_reference(session)
        for username, role, org in (
            ("prov_leader", "leader", 1),
            ("county_viewer", "viewer", COUNTY),
            ("county_leader", "leader", COUNTY),
        ):
            if users_data.get_user_by_username(session, username) is None:
                users_data.create_user(
                    session, username=username, display_name=username, role=role, scope_org_id=org, password=PASSWORD
                )
    return make_app(rollup_db.url), rollup_db


def _key(page: str, kind: str) -> str:
    return json.dumps({"page": page, "type": kind}, separators=(",", ":"))


DECLARED = SCOPED_PAGES  # every page is drawn from views/: tiles and panels of their own
#: the chart compared per declared page (the trend, where the page has one)
CHART_PANEL = {"profile": "energy", "assets": "units", "housing": "occupancy"}


def _post(client, deps, output_part: str, outputs: list[dict], inputs: list[dict], state: list[dict]) -> dict:
    spec = [d for d in deps if output_part in d["output"]]
    assert len(spec) == 1, output_part
    payload = {"output": spec[0]["output"], "outputs": outputs, "inputs": inputs, "state": state, "changedPropIds": []}
    response = client.post("/_dash-update-component", json=payload, headers={"Origin": "http://localhost"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def declared_outputs(client, page: str, org) -> dict:
    """A declared page's tiles and trend chart, requested as the browser does, under the keys the
    older pages use (``aocc-kpi-row``, ``aocc-chart``)."""
    deps = dependencies(client)
    store = {"type": "aocc-view", "page": page}
    query = {} if org is None else {"org": str(org)}
    interval = [{"id": {"type": "aocc-view-interval", "page": page}, "property": "n_intervals", "value": 0}]
    tiles_id, status_id = {"type": "aocc-view-tiles", "page": page}, {"type": "aocc-view-status", "page": page}
    tiles = _post(
        client,
        deps,
        '"type":"aocc-view-tiles"',
        [{"id": tiles_id, "property": "children"}, {"id": status_id, "property": "children"}],
        interval,
        [{"id": store, "property": "data", "value": query}],
    )
    panel = CHART_PANEL.get(page, "trend")
    graph = {"type": "aocc-panel-graph", "page": page, "panel": panel}
    fresh = {"type": "aocc-panel-fresh", "page": page, "panel": panel, "kind": "graph"}
    chart = _post(
        client,
        deps,
        '"type":"aocc-panel-graph"',
        [{"id": graph, "property": "figure"}, {"id": fresh, "property": "children"}],
        interval,
        [
            {"id": store, "property": "data", "value": query},
            {"id": "aocc-theme", "property": "data", "value": "light"},
            {"id": "aocc-viewport", "property": "data", "value": None},
        ],
    )
    key = lambda component: json.dumps(component, sort_keys=True, separators=(",", ":"))  # noqa: E731
    return {_key(page, "aocc-kpi-row"): tiles[key(tiles_id)], _key(page, "aocc-chart"): chart[key(graph)]}


def page_outputs(client, page: str, org) -> dict:
    return declared_outputs(client, page, org)


def strip_links(value):
    """Tiles link to their page "for the same unit" (?org=…); the figures are what must agree."""
    if isinstance(value, dict):
        return {k: strip_links(v) for k, v in value.items() if k != "href"}
    if isinstance(value, list):
        return [strip_links(v) for v in value]
    return value


@pytest.mark.parametrize("page", SCOPED_PAGES)
def test_county_user_sees_exactly_the_county_totals(scoped_app, page):
    app, _db = scoped_app
    county = signed_in_client(app, "county_viewer")
    province = signed_in_client(app, "prov_leader")
    mine = page_outputs(county, page, None)  # the county user's own view: their scope's root
    theirs = page_outputs(province, page, COUNTY)  # the province's leader looking at the county
    whole = page_outputs(province, page, None)
    tiles, chart = _key(page, "aocc-kpi-row"), _key(page, "aocc-chart")
    assert strip_links(mine[tiles]["children"]) == strip_links(theirs[tiles]["children"])
    assert mine[chart]["figure"]["data"] == theirs[chart]["figure"]["data"]
    assert strip_links(mine[tiles]["children"]) != strip_links(whole[tiles]["children"])


@pytest.mark.parametrize("page", ("overview", "energy", "profile"))
def test_county_user_cannot_reach_outside_the_county(scoped_app, page):
    app, _db = scoped_app
    county = signed_in_client(app, "county_leader")
    inside = page_outputs(county, page, COUNTY)
    for outside in (CITY, OTHER_CITY, 1, "2 OR 1=1"):
        refused = page_outputs(county, page, outside)
        text = json.dumps(refused, ensure_ascii=False)
        assert "超出" in text or "无权" in text or "范围" in text, text[:300]
        assert refused[_key(page, "aocc-kpi-row")] != inside[_key(page, "aocc-kpi-row")]


def test_scope_filter_in_data_layer(scoped_app):
    """The one place scope is applied: subtree prefix match and refusal of outside nodes."""
    _app, db = scoped_app
    engine = get_engine(db.url)
    with engine.connect() as conn:
        scope = scope_for_org(conn, COUNTY)
        inside = conn.scalars(select(OrgNode.id).where(OrgNode.path.like(scope.path_prefix_pattern))).all()
        assert sorted(inside) == sorted(db.truth.subtree(COUNTY) + [COUNTY])
        assert resolve_org(conn, scope, None) == COUNTY
        with pytest.raises(OutOfScope):
            resolve_org(conn, scope, CITY)
        # The county's monthly electricity roll-up equals the sum of its leaves' days.
        total = conn.scalar(
            select(func.sum(RollupMonthly.value)).where(
                RollupMonthly.entity_kind == "org",
                RollupMonthly.entity_id == COUNTY,
                RollupMonthly.metric_id == "energy.electricity_kwh",
            )
        )
        expected = sum(
            v
            for (m, leaf, _day), v in db.truth.daily.items()
            if m == "energy.electricity_kwh" and leaf in db.truth.subtree(COUNTY)
        )
        assert total == pytest.approx(expected)

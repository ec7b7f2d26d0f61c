"""The unit profile (单位画像) on the demo, SQLite and PostgreSQL: at the province, a city and an
agency every panel draws data or says plainly why not; its tiles are the very numbers the domain
pages' tiles show for the same unit and period (the reuse guarantee); its rank among peers agrees
with ``fetch_peer_position`` and with the tiles."""

from __future__ import annotations

import math

import pytest
import sqlalchemy as sa

from data.db import get_engine
from data.queries import fetch_asset_kpis, fetch_housing_kpis
from data.queries.compare import fetch_peer_position
from data.queries.housing_panels import fetch_housing_tiles
from data.queries.view import resolve_view
from data.scope import root_node, scope_for_org
from presentation.i18n import t
from views.assets import ASSETS_PAGE
from views.profile import TILE_GROUPS
from views.registry import get_page
from views.render import page_request, page_tiles, render_page, resolve_page_view

QUERIES = (
    {},  # the default: this month to the data's day, year on year
    {"period": "year"},
    {"period": "custom", "start": "2026-09-01", "end": "2026-10-15", "cmp": "prev"},
)
COLUMNS = ["metric_id", "period", "value", "reference", "reference_kind", "status"]


@pytest.fixture
def demo(demo_url):
    with get_engine(demo_url).connect() as conn:
        root = root_node(conn).id
        q = lambda sql: conn.execute(sa.text(sql)).scalar()  # noqa: E731
        city = q("SELECT id FROM org_node WHERE level = 'city' ORDER BY id LIMIT 1")
        # an agency under a city, with siblings to rank among
        agency = q(
            "SELECT a.id FROM org_node a JOIN org_node p ON p.id = a.parent_id "
            "WHERE a.level = 'agency' AND p.level = 'city' ORDER BY a.id LIMIT 1"
        )
    return demo_url, {"province": root, "city": city, "agency": agency}


def _drawn(figure) -> bool:
    return any(
        trace.get(axis) is not None and len(trace.get(axis)) > 0
        for trace in figure.to_dict()["data"]
        for axis in ("x", "y", "values", "z")
    )


def _message(figure) -> str:
    layout = figure.to_dict()["layout"]
    if layout.get("meta", {}).get("aocc_state") != "message":
        return ""
    return layout["annotations"][0]["text"]


def test_every_panel_draws_or_says_why_not_at_each_level(demo):
    url, orgs = demo
    with get_engine(url).connect() as conn:
        scope = scope_for_org(conn, orgs["province"])
        for level, org in orgs.items():
            page = render_page(conn, scope, "profile", {"org": str(org)})
            assert page.view.node["level"] == level
            panels = {p.spec.key: p for p in page.panels}
            assert list(panels) == ["rank", "alerts", "energy", "vehicle", "asset", "housing"]
            for key in ("energy", "vehicle", "asset", "housing"):  # the demo has every domain everywhere
                assert _drawn(panels[key].figure), (level, key)
            rank = panels["rank"].figure
            if level == "province":  # the user's scope root: its siblings are not the user's to see
                name = page.view.node["name_zh"]
                assert not _drawn(rank) and _message(rank) == t("profile_page.rank.scope_root", "zh", name=name)
            else:
                assert _drawn(rank), level
                assert len(rank.data[0].y) == 5
            assert set(page.tiles["domain"]) == {"energy", "vehicle", "asset", "housing"}, level
            assert page.tiles["value"].notna().sum() >= 10, level


def _rows(frame, metrics):
    rows = frame[frame["metric_id"].isin(metrics)].set_index("metric_id")
    return {m: rows.loc[m, COLUMNS[1:]].tolist() for m in metrics if m in rows.index}


def _same(left: dict, right: dict):
    assert left.keys() == right.keys() and left
    for metric in left:
        for a, b in zip(left[metric], right[metric]):
            if isinstance(a, float) and math.isnan(a):
                assert isinstance(b, float) and math.isnan(b), (metric, left[metric], right[metric])
            else:
                assert a == pytest.approx(b, rel=1e-12) if isinstance(a, float) else a == b, (metric, a, b)


def test_tiles_are_the_domain_pages_tiles_for_the_same_unit_and_period(demo):
    url, orgs = demo
    profile, energy, vehicles = get_page("profile"), get_page("energy"), get_page("vehicles")
    groups = dict(TILE_GROUPS)
    with get_engine(url).connect() as conn:
        scope = scope_for_org(conn, orgs["province"])
        for org in orgs.values():
            for query in QUERIES:
                query = {"org": str(org), **query}
                view = resolve_page_view(conn, scope, profile, query)
                tiles = page_tiles(conn, view, profile)
                for page, domain in ((energy, "energy"), (vehicles, "vehicle")):
                    own = page_tiles(conn, resolve_page_view(conn, scope, page, query), page)
                    _same(_rows(tiles, groups[domain]), _rows(own, groups[domain]))
                # the asset and housing pages: states at the period's last day
                end = view.period.end
                assets = fetch_asset_kpis(conn, scope, org, as_of=end)
                housing = fetch_housing_kpis(conn, scope, org, as_of=end)
                # the asset page's tile read on its own view, and the older asset page's idle rate
                own = page_tiles(conn, resolve_page_view(conn, scope, ASSETS_PAGE, query), ASSETS_PAGE)
                _same(_rows(tiles, groups["asset"]), _rows(own, groups["asset"]))
                _same(_rows(tiles, ["asset.idle_rate"]), _rows(assets, ["asset.idle_rate"]))
                # the housing page's tile read on its own view, and the older housing page's tiles
                housing_view = resolve_view(conn, scope, "housing", page_request(profile, query))
                _same(
                    _rows(tiles, groups["housing"]), _rows(fetch_housing_tiles(conn, housing_view), groups["housing"])
                )
                older = ["housing.area_per_person", "housing.occupancy_rate", "housing.waiting"]
                _same(_rows(tiles, older), _rows(housing, older))
                if query.get("period") == "year":  # the year to date: the older asset page's window
                    saved = _rows(tiles, ["asset.redeploy_saved_yuan"])["asset.redeploy_saved_yuan"]
                    older = _rows(assets, ["asset.redeploy_saved_yuan"])["asset.redeploy_saved_yuan"]
                    assert saved[1:3] == pytest.approx(older[1:3], nan_ok=True)  # value and reference


def test_the_rank_agrees_with_fetch_peer_position_and_with_the_tiles(demo):
    url, orgs = demo
    with get_engine(url).connect() as conn:
        scope = scope_for_org(conn, orgs["province"])
        for level in ("city", "agency"):
            query = {"org": str(orgs[level]), "period": "year"}
            page = render_page(conn, scope, "profile", query)
            ranks = page.panels[0].frame.set_index("metric_id")
            for metric, key in (("energy.total_kgce", "energy"), ("vehicle.cost_per_km", "vehicles")):
                own = resolve_page_view(conn, scope, get_page(key), query)
                position = fetch_peer_position(conn, own, metric)
                row = ranks.loc[metric]
                assert row["count"] == position["count"] > 1 and row["value"] == pytest.approx(position["value"])
                # higher is worse: the best is the lowest, so the two ranks meet at count + 1 (no ties in the demo)
                assert row["rank"] + position["rank"] == row["count"] + 1, (level, metric)
            tiles = page.tiles.set_index("metric_id")["value"]
            assert ranks.loc["asset.idle_rate", "value"] == pytest.approx(tiles["asset.idle_rate"])
            assert ranks.loc["housing.area_per_person", "value"] == pytest.approx(tiles["housing.area_per_person"])
            assert ranks.loc["energy.total_kgce", "value"] / 1000 == pytest.approx(tiles["energy.total_kgce"])
            assert (ranks["count"] > 1).all() and ranks["standing"].isin(["better", "worse", "even"]).all()


def test_a_unit_at_the_users_scope_root_is_not_ranked(demo):
    url, orgs = demo
    with get_engine(url).connect() as conn:
        city_scope = scope_for_org(conn, orgs["city"])
        own = render_page(conn, city_scope, "profile", {})
        assert own.view.org_id == orgs["city"]
        assert own.panels[0].frame.attrs["scope_root"] and own.panels[0].frame["rank"].isna().all()
        # one level down the city's user sees the peers: the city's other children
        child = conn.execute(
            sa.text("SELECT id FROM org_node WHERE parent_id = :p ORDER BY id LIMIT 1"), {"p": orgs["city"]}
        ).scalar()
        below = render_page(conn, city_scope, "profile", {"org": str(child)})
        peers = conn.execute(
            sa.text("SELECT count(*) FROM org_node WHERE parent_id = :p"), {"p": orgs["city"]}
        ).scalar()
        frame = below.panels[0].frame
        assert not frame.attrs["scope_root"] and frame["count"].max() <= peers
        assert _drawn(below.panels[0].figure)

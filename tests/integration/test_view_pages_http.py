"""Every declared page (overview, energy, vehicles, profile) opened over HTTP like a browser
does, at every drill level, on SQLite and PostgreSQL: the pages router resolves the view, and
every callback the page fires on load (tiles, each panel) answers 200 with data, not an error
state. A county user is refused a building outside the county, in the layout and in every panel."""

from __future__ import annotations

import json
import secrets
import shutil

import pytest
import sqlalchemy as sa

from benchmarks.bench_callbacks import page_requests
from benchmarks.worker import bench_account, sign_in
from data.db import dispose_engine, get_engine

from db_support import PostgresDatabase, require_pg


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def writable_demo(request, tmp_path_factory):
    """A private copy of the session's demo database (the test signs users in, which writes)."""
    if request.param == "sqlite":
        source_url = request.getfixturevalue("demo_sqlite_url")
        source = source_url.removeprefix("sqlite:///")
        dispose_engine(source_url)
        target = tmp_path_factory.mktemp("views") / "demo.sqlite3"
        shutil.copyfile(source, target)
        url = f"sqlite:///{target}"
        yield url
        dispose_engine(url)
        return
    require_pg()
    source_url = request.getfixturevalue("demo_pg_url")
    db = PostgresDatabase()
    db.create(template_url=source_url)
    try:
        yield db.url
    finally:
        db.drop()


@pytest.fixture(scope="module")
def world(writable_demo):
    with get_engine(writable_demo).connect() as conn:
        q = lambda sql: conn.execute(sa.text(sql)).first()  # noqa: E731
        county = q("SELECT id, path FROM org_node WHERE level = 'county' ORDER BY id LIMIT 1")
        city = q("SELECT id FROM org_node WHERE level = 'city' ORDER BY id LIMIT 1").id
        building = q("SELECT b.id, b.org_id FROM building b ORDER BY b.id LIMIT 1")
        vehicle = q("SELECT id, org_id FROM vehicle WHERE retired_on IS NULL ORDER BY id LIMIT 1")
        # An asset that was moved (its life has more than the acquisition), an occupied office room
        # and a let turnover-housing unit: the leaves of the assets and housing pages.
        asset = q(
            "SELECT a.id, a.org_id FROM asset a WHERE EXISTS (SELECT 1 FROM asset_movement m WHERE m.asset_id = a.id) "
            "ORDER BY a.id LIMIT 1"
        )
        room = q(
            "SELECT r.id, r.org_id, r.building_id FROM office_room r "
            "WHERE EXISTS (SELECT 1 FROM office_occupancy o WHERE o.room_id = r.id) ORDER BY r.id LIMIT 1"
        )
        dwelling = q(
            "SELECT u.id, u.org_id FROM housing_unit u WHERE EXISTS (SELECT 1 FROM lease l WHERE l.unit_id = u.id) ORDER BY u.id LIMIT 1"
        )
        outside = conn.execute(
            sa.text(
                "SELECT b.id FROM building b JOIN org_node o ON o.id = b.org_id WHERE o.path NOT LIKE :p ORDER BY b.id LIMIT 1"
            ),
            {"p": county.path + "%"},
        ).scalar()
    return {
        "url": writable_demo,
        "county": county.id,
        "city": city,
        "building": building,
        "vehicle": vehicle,
        "asset": asset,
        "room": room,
        "dwelling": dwelling,
        "outside_building": outside,
    }


def client_for(url: str, role: str, *, scope_org_id: int | None = None):
    from app import create_app
    from config import load_config

    name = f"views_{role}_{scope_org_id or 'all'}"
    password = bench_account(url, name, role)
    if scope_org_id is not None:
        with get_engine(url).begin() as conn:
            conn.execute(
                sa.text("UPDATE app_user SET scope_org_id = :o WHERE username = :n"), {"o": scope_org_id, "n": name}
            )
    app = create_app(load_config(database_url=url, secret_key=secrets.token_hex(32)))
    client = app.server.test_client()
    sign_in(client, name, password)
    return client


def post_all(client, path: str, search: str = "") -> dict[str, dict]:
    """Every callback ``path`` + ``search`` fires on load: ``{request name: response JSON}``."""
    answers = {}
    for request in page_requests(client, path, search):
        response = client.post("/_dash-update-component", json=request.body)
        assert response.status_code in (200, 204), (
            request.name,
            response.status_code,
            response.get_data(as_text=True)[:300],
        )
        answers[request.name] = response.get_json() if response.status_code == 200 else {}
    return answers


def panel_answers(answers: dict, kind: str) -> list[tuple[str, dict]]:
    return [(name, body) for name, body in answers.items() if f'"type":"{kind}"' in name]


def views(world):
    b, v, a, r, d = (world[k] for k in ("building", "vehicle", "asset", "room", "dwelling"))
    return [
        ("/", ""),
        ("/", f"?org={world['city']}"),
        ("/energy", ""),
        ("/energy", f"?org={world['city']}"),
        ("/energy", f"?org={b.org_id}&period=year"),
        ("/energy", f"?building={b.id}&period=week&cmp=prev"),
        ("/vehicles", ""),
        ("/vehicles", f"?org={v.org_id}&metric=vehicle.trips"),
        ("/vehicles", f"?vehicle={v.id}&period=custom&start=2026-10-01&end=2026-11-15"),
        ("/assets", ""),
        ("/assets", f"?org={world['city']}&metric=asset.original_value_yuan"),
        ("/assets", f"?org={world['county']}&period=year"),
        ("/assets", f"?org={a.org_id}"),
        ("/assets", f"?asset={a.id}"),
        ("/housing", ""),
        ("/housing", f"?org={world['city']}"),
        ("/housing", f"?org={world['county']}&period=year"),
        ("/housing", f"?org={r.org_id}"),
        ("/housing", f"?building={r.building_id}"),
        ("/housing", f"?room={r.id}"),
        ("/housing", f"?dwelling={d.id}&cmp=prev"),
        ("/profile", ""),
        ("/profile", f"?org={world['city']}&period=year"),
        ("/profile", f"?org={world['county']}&period=custom&start=2026-09-01&end=2026-10-15&cmp=prev"),
    ]


def test_every_callback_of_every_view_answers_with_data(world):
    client = client_for(world["url"], "leader")
    for path, search in views(world):
        answers = post_all(client, path, search)
        graphs = panel_answers(answers, "aocc-panel-graph")
        grids = panel_answers(answers, "aocc-panel-grid")
        tiles = panel_answers(answers, "aocc-view-tiles")
        assert (graphs or grids) and tiles, (path, search, list(answers))
        if not graphs:  # an office room: its occupants and the staff-list check, as lists
            rows = [next(iter(body["response"].values())).get("rowData") for _, body in grids]
            assert any(rows), (path, search, "no list holds a row")
        for name, body in tiles:
            text = json.dumps(body, ensure_ascii=False)
            assert "aocc-kpi__number" in text and "数据暂不可用" not in text, (path, search, name)
        for name, body in (
            graphs + panel_answers(answers, "aocc-panel-grid") + panel_answers(answers, "aocc-panel-list")
        ):
            text = json.dumps(body, ensure_ascii=False)
            assert "数据暂不可用" not in text and "无权" not in text, (path, search, name, text[:300])
        figures = [next(iter(body["response"].values()))["figure"] for _, body in graphs]
        drawn = [
            f
            for f in figures
            if any(
                trace.get("x") is not None or trace.get("values") is not None or trace.get("z") is not None
                for trace in f.get("data", [])
            )
        ]
        assert len(drawn) >= len(figures) - 1, (path, search, "more than one empty chart")


def test_a_county_user_is_refused_a_building_outside_the_county(world):
    client = client_for(world["url"], "viewer", scope_org_id=world["county"])
    answers = post_all(client, "/energy", f"?building={world['outside_building']}")
    router = [body for name, body in answers.items() if "_pages_content" in name]
    assert router and "无权查看" in json.dumps(router[0], ensure_ascii=False)
    assert not panel_answers(answers, "aocc-panel-graph")  # the refused view has no panel to fill
    own = post_all(client, "/energy", "")
    assert panel_answers(own, "aocc-panel-graph")


@pytest.mark.parametrize("page", ["/", "/profile"])
def test_the_grouped_tiles_link_to_each_domain_page_for_the_same_unit(world, page):
    client = client_for(world["url"], "leader")
    answers = post_all(client, page, f"?org={world['city']}")
    tiles = json.dumps(panel_answers(answers, "aocc-view-tiles"), ensure_ascii=False)
    for path in ("/energy", "/vehicles", "/assets", "/housing"):
        assert f"{path}?org={world['city']}" in tiles, path

"""Assets: the asset register (one row per asset, its current state) and asset movements (events:
acquisitions, transfers, redeployments, disposals), which also move the asset's current state."""

from __future__ import annotations

from sqlalchemy import select, update

from data.calendar import month_start
from data.models import Asset, AssetCategory, AssetMovement

from .base import Handler, org_ids


def asset_orgs(handler: Handler, codes: list[str]) -> dict:
    """Org ids of the assets named by ``codes`` (for ``Handler.org_fields``)."""

    def query(part):
        return handler.ctx.conn.execute(select(Asset.code, Asset.org_id).where(Asset.code.in_(part))).tuples()

    found = handler.lookup("asset_org", codes, query)
    return {c: found[c] for c in codes if found.get(c) is not None}


class AssetHandler(Handler):
    fact = "asset"
    org_fields = (("org_code", org_ids), ("code", asset_orgs))
    model = Asset
    key = ("code",)

    def columns(self):
        return (
            "code",
            "org_id",
            "category_id",
            "name_zh",
            "name_en",
            "status",
            "status_since",
            "original_value_yuan",
            "acquired_on",
            "building_id",
            "custodian_name",
            "custodian_phone",
            "last_audit_on",
        )

    def prepare(self, values):
        self._orgs = self.orgs(v["org_code"] for v in values)
        codes = [v["category_code"] for v in values]

        def query(part):
            stmt = select(AssetCategory.code, AssetCategory.id).where(AssetCategory.code.in_(part))
            return [(r.code, r) for r in self.ctx.conn.execute(stmt)]

        self._categories = self.lookup("asset_category", codes, query)
        self._buildings = self.buildings(v.get("building_code") for v in values if v.get("building_code"))

    def build(self, v):
        org = self.resolve_code(self._orgs, v, "org_code", "unknown_org")
        category = self.resolve_code(self._categories, v, "category_code", "unknown_category")
        building_id = None
        if v.get("building_code"):
            building_id = self.resolve_code(self._buildings, v, "building_code", "unknown_building").id
        return {
            "code": v["code"],
            "org_id": org.id,
            "category_id": category.id,
            "name_zh": v["name_zh"],
            "name_en": v.get("name_en") or None,
            "status": v["status"],
            "status_since": v.get("status_since") or v["acquired_on"],
            "original_value_yuan": v["original_value_yuan"],
            "acquired_on": v["acquired_on"],
            "building_id": building_id,
            "custodian_name": v.get("custodian_name") or None,
            "custodian_phone": v.get("custodian_phone") or None,
            "last_audit_on": v.get("last_audit_on"),
        }

    def after_write(self, written, updates):
        self.note_state("asset", written, updates)
        aff = self.ctx.affected
        month = self.ctx.calendar.local_month(self.ctx.now)
        for v in written:
            aff.count("asset", v["org_id"], month)


class AssetMovementHandler(Handler):
    fact = "asset_movement"
    org_fields = (("asset_code", asset_orgs), ("to_org_code", org_ids))
    model = AssetMovement
    key = ("asset_id", "ts", "kind")

    def columns(self):
        return (
            "asset_id",
            "ts",
            "kind",
            "from_org_id",
            "to_org_id",
            "from_status",
            "to_status",
            "value_saved_yuan",
            "note",
        )

    def prepare(self, values):
        def query(part):
            stmt = select(Asset.code, Asset.id, Asset.org_id, Asset.status, Asset.status_since).where(
                Asset.code.in_(part)
            )
            return [(r.code, r) for r in self.ctx.conn.execute(stmt)]

        self._assets = self.lookup("asset", (v["asset_code"] for v in values), query)
        self._orgs = self.orgs([c for v in values for c in (v.get("from_org_code"), v.get("to_org_code")) if c])

    def build(self, v):
        asset = self.resolve_code(self._assets, v, "asset_code", "unknown_asset")
        self._asset_org = getattr(self, "_asset_org", {})
        self._asset_org[asset.id] = asset.org_id
        ids = {}
        for name in ("from_org_code", "to_org_code"):
            ids[name] = self.resolve_code(self._orgs, v, name, "unknown_org").id if v.get(name) else None
        return {
            "asset_id": asset.id,
            "ts": v["ts"],
            "kind": v["kind"],
            "from_org_id": ids["from_org_code"],
            "to_org_id": ids["to_org_code"],
            "from_status": v.get("from_status"),
            "to_status": v.get("to_status"),
            "value_saved_yuan": v.get("value_saved_yuan"),
            "note": v.get("note") or None,
        }

    def after_write(self, written, updates):
        """A movement is an event; the asset row is the current state, so apply the newest ones."""
        aff = self.ctx.affected
        aff.state_domains.add("asset")
        conn = self.ctx.conn
        for v in sorted(written, key=lambda v: v["ts"]):
            asset = conn.execute(
                select(Asset.id, Asset.org_id, Asset.status, Asset.status_since).where(Asset.id == v["asset_id"])
            ).one()
            aff.state_orgs.add(asset.org_id)
            aff.span_day(self.ctx.local_day(v["ts"]))
            day = self.ctx.local_day(v["ts"])
            changes = {}
            if day >= asset.status_since:
                if v.get("to_org_id") and v["to_org_id"] != asset.org_id:
                    changes["org_id"] = v["to_org_id"]
                    aff.state_orgs.add(v["to_org_id"])
                if v.get("to_status") and v["to_status"] != asset.status:
                    changes["status"] = v["to_status"]
                    changes["status_since"] = day
            if changes:
                conn.execute(update(Asset).where(Asset.id == asset.id).values(**changes, batch_id=self.ctx.batch_id))
        for v in written:
            for key in ("from_org_id", "to_org_id"):
                if v.get(key):
                    aff.state_orgs.add(v[key])
            owner = v.get("to_org_id") or self._asset_org.get(v["asset_id"])
            aff.count("asset_movement", owner, month_start(self.ctx.local_day(v["ts"])))

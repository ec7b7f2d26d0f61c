"""Org units (机构): the org tree, upserted by code.

A file may list children before their parents: rows are applied parents first (a topological
order within the batch). Each node gets its materialised path (``/1/5/23/``) and depth. A node
whose parent changes is **re-parented**: its path and the paths and depths of its whole subtree
are rewritten, and the move is noted so the org roll-ups follow (``master_moves``). A node with
``retired_on`` keeps its place, its facts and its roll-ups.

The tree has one root (a row without parent). The placeholder province an administrator created
with ``--create-root`` (code ``root``) is taken over by the file's root row, keeping its id, so
accounts scoped to it stay scoped to the province.
"""

from __future__ import annotations

from collections import deque

from sqlalchemy import insert, select, text, update

from data.import_reasons import Issue
from data.models import OrgNode

from ..parsing import ValueProblem
from .base import Rejection, WriteResult, _issue, _same, org_ids
from .master_common import MasterHandler, moves_of

PLACEHOLDER_ROOT = "root"  # the code data.org_tree.create_province gives the root it creates

# GB 32100-2015: 统一社会信用代码, 18 characters of this set; the last is a check character.
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def credit_code_problem(code: str) -> str | None:
    """None when ``code`` is a well-formed 统一社会信用代码; else what is wrong (for the log)."""
    if len(code) != 18:
        return "length"
    values = [CREDIT_CHARSET.find(ch) for ch in code]
    if min(values) < 0:
        return "character"
    if not code[2:8].isdigit():
        return "division code"
    check = (31 - sum(v * w for v, w in zip(values, CREDIT_WEIGHTS)) % 31) % 31
    if values[17] != check:
        return "check character"
    return None


COMPARE = (
    "parent_id",
    "level",
    "admin_level",
    "name_zh",
    "name_en",
    "headcount",
    "energy_users",
    "sort_order",
    "credit_code",
    "retired_on",
)
_NODE_COLUMNS = ("id", "code", "path", "depth", "batch_id", *COMPARE)


class OrgUnitHandler(MasterHandler):
    fact = "org_unit"
    model = OrgNode
    key = ("code",)
    org_fields = (("code", org_ids), ("parent_code", org_ids))

    def columns(self):
        return ("code", *COMPARE, "path", "depth")

    def prepare(self, values):
        self._old = self.stored(v["code"] for v in values)

    def build(self, v):
        old = self._old.get(v["code"])
        credit = v.get("credit_code")
        if credit:
            credit = credit.upper()
            if credit_code_problem(credit):
                raise ValueProblem("bad_credit_code", value=credit, column=self.header.header_of("credit_code"))
        name_zh = v["name_zh"]
        return {
            "code": v["code"],
            "parent_code": v.get("parent_code") or None,
            "level": v["level"],
            "admin_level": v.get("admin_level") if self.given("admin_level") else None,
            "name_zh": name_zh,
            "name_en": self.keep(v, "name_en", old, "name_en", name_zh) or name_zh,
            "headcount": self._int(v, "headcount", old),
            "energy_users": self._int(v, "energy_users", old),
            "sort_order": self._int(v, "sort_order", old, low=None),
            "credit_code": credit if self.given("credit_code") else (old.credit_code if old is not None else None),
            "retired_on": self.keep(v, "retired_on", old, "retired_on", None),
        }

    def _int(self, v, name, old, low=0.0):
        if not self.given(name):
            return getattr(old, name) if old is not None else 0
        value = self.number(v, name, low=low, integer=True)
        return 0 if value is None else value

    # -- writing: parents first, one row at a time (org files are small)
    def write(self, records):
        result = WriteResult()
        first, unique = {}, []
        for rec in records:
            seen = first.get(rec.values["code"])
            if seen is None:
                first[rec.values["code"]] = rec
                unique.append(rec)
            elif all(_same(seen.values.get(c), rec.values.get(c)) for c in rec.values):
                result.duplicates += 1
            else:
                result.rejections.append(
                    Rejection(rec.line, _issue("duplicate_in_file", first_line=seen.line), rec.row)
                )
        self._nodes = self._load_nodes()
        children: dict[str, list] = {}
        for rec in unique:
            parent = rec.values["parent_code"]
            if parent is not None and parent in first and parent != rec.values["code"]:
                children.setdefault(parent, []).append(rec)
        queue = deque(
            rec
            for rec in unique
            if rec.values["parent_code"] is None
            or rec.values["parent_code"] not in first
            or rec.values["parent_code"] == rec.values["code"]
        )
        done = set()
        while queue:
            rec = queue.popleft()
            done.add(id(rec))
            self._apply(rec, result)
            queue.extend(children.get(rec.values["code"], ()))
        for rec in unique:
            if id(rec) not in done:  # a cycle within the file (or below one)
                result.rejections.append(
                    self._reject(rec, "org_cycle", "parent_code", parent=rec.values["parent_code"])
                )
        return result

    def _load_nodes(self) -> dict[str, dict]:
        table = OrgNode.__table__
        rows = self.ctx.conn.execute(select(*[table.c[c] for c in _NODE_COLUMNS])).mappings()
        return {r["code"]: dict(r) for r in rows}

    def _reject(self, rec, reason: str, field: str, **params) -> Rejection:
        return self._rejection(rec, reason, field, code=rec.values["code"], **params)

    def _rejection(self, rec, reason: str, field: str, **params) -> Rejection:
        column = self.column_of(field)
        return Rejection(rec.line, Issue(reason, {"column": column, **params}, None, column), rec.row)

    def _apply(self, rec, result: WriteResult) -> None:
        v = rec.values
        code, parent_code = v["code"], v["parent_code"]
        nodes = self._nodes
        old = nodes.get(code)
        parent = None
        if parent_code is None:
            root = next((n for n in nodes.values() if n["parent_id"] is None and n["code"] != code), None)
            if root is not None and old is None and root["code"] == PLACEHOLDER_ROOT:
                old = root  # take over the placeholder root: same id, the file's code
            elif root is not None:
                result.rejections.append(self._reject(rec, "second_root", "parent_code", root=root["code"]))
                return
        else:
            parent = nodes.get(parent_code)
            if parent is None:
                result.rejections.append(self._rejection(rec, "unknown_org", "parent_code", code=parent_code))
                return
            if parent_code == code or (old is not None and f"/{old['id']}/" in parent["path"]):
                result.rejections.append(self._reject(rec, "org_cycle", "parent_code", parent=parent_code))
                return
        credit = v["credit_code"]
        if credit:
            owner = next((n for n in nodes.values() if n["credit_code"] == credit and n is not old), None)
            if owner is not None:
                result.rejections.append(
                    Rejection(
                        rec.line,
                        _issue(
                            "duplicate_credit_code", self.column_of("credit_code"), value=credit, other=owner["code"]
                        ),
                        rec.row,
                    )
                )
                return
        level = v["level"]
        admin = v["admin_level"] or (level if level != "agency" else (parent["admin_level"] if parent else "province"))
        values = {
            "code": code,
            "parent_id": parent["id"] if parent else None,
            "level": level,
            "admin_level": admin,
            **{c: v[c] for c in ("name_zh", "name_en", "headcount", "energy_users", "sort_order", "credit_code")},
            "retired_on": v["retired_on"],
        }
        conn = self.ctx.conn
        if old is not None:
            if old["code"] == code and all(_same(old[c], values[c]) for c in COMPARE):
                result.duplicates += 1
                return
            conn.execute(update(OrgNode).where(OrgNode.id == old["id"]).values(**values, batch_id=self.ctx.batch_id))
            if old["code"] != code:
                nodes.pop(old["code"])
            node = {**old, **values, "batch_id": self.ctx.batch_id}
            nodes[code] = node
            if old["parent_id"] != values["parent_id"]:
                self._move(node, parent)
            if old["parent_id"] != values["parent_id"] or old["admin_level"] != admin:
                self._cascade_admin_level(node)
        else:
            new_id = conn.execute(
                insert(OrgNode).values(**values, path="/", depth=0, batch_id=self.ctx.batch_id).returning(OrgNode.id)
            ).scalar_one()
            path = (parent["path"] if parent else "/") + f"{new_id}/"
            depth = parent["depth"] + 1 if parent else 0
            conn.execute(update(OrgNode).where(OrgNode.id == new_id).values(path=path, depth=depth))
            nodes[code] = {**values, "id": new_id, "path": path, "depth": depth, "batch_id": self.ctx.batch_id}
        result.accepted += 1

    def _move(self, node: dict, parent: dict | None) -> None:
        """Rewrite the paths and depths of ``node``'s subtree under its new parent; note the move."""
        old_prefix = node["path"]
        new_prefix = (parent["path"] if parent else "/") + f"{node['id']}/"
        delta = (parent["depth"] + 1 if parent else 0) - node["depth"]
        self.ctx.conn.execute(
            text(
                "UPDATE org_node SET path = :new || substr(path, :cut), depth = depth + :delta "
                "WHERE substr(path, 1, :n) = :old"
            ),
            {"new": new_prefix, "cut": len(old_prefix) + 1, "delta": delta, "n": len(old_prefix), "old": old_prefix},
        )
        for other in self._nodes.values():
            if other["path"].startswith(old_prefix):
                other["path"] = new_prefix + other["path"][len(old_prefix) :]
                other["depth"] += delta
        before = set(_chain(old_prefix)[:-1])
        after = set(_chain(new_prefix)[:-1])
        moves_of(self.ctx).orgs.append((node["id"], before - after, after - before))

    def _cascade_admin_level(self, node: dict) -> None:
        """Agencies below ``node`` follow the admin level of their nearest non-agency ancestor."""
        by_id = {n["id"]: n for n in self._nodes.values()}
        below = sorted(
            (n for n in self._nodes.values() if n["path"].startswith(node["path"]) and n is not node),
            key=lambda n: n["depth"],
        )
        for n in below:
            if n["level"] != "agency":
                continue
            parent = by_id.get(n["parent_id"])
            if parent is not None and parent["admin_level"] != n["admin_level"]:
                n["admin_level"] = parent["admin_level"]
                self.ctx.conn.execute(
                    update(OrgNode)
                    .where(OrgNode.id == n["id"])
                    .values(admin_level=n["admin_level"], batch_id=self.ctx.batch_id)
                )


def _chain(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]

"""The org tree as the roll-ups see it: each node's chain of ancestors, and the sums of rows of
own nodes into every ancestor (an ``org`` row is the total of the node's whole subtree)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection


def org_tree(conn: Connection) -> _OrgTree:
    """Each org node's chain of ancestors (``.chains[org] = (root, …, org)``), read now."""
    return _OrgTree.load(conn)


@dataclass(frozen=True)
class _OrgTree:
    """Each org node's chain of ancestors (itself included), read from the materialised paths."""

    chains: dict[int, tuple[int, ...]]
    admin_level: dict[int, str]

    @classmethod
    def load(cls, conn: Connection) -> _OrgTree:
        rows = conn.execute(sa.text("SELECT id, path, admin_level FROM org_node")).all()
        chains = {int(i): tuple(int(p) for p in path.strip("/").split("/") if p) or (int(i),) for i, path, _ in rows}
        return cls(chains=chains, admin_level={int(i): level for i, _, level in rows})

    @property
    def parent(self) -> dict[int, int]:
        return {org: chain[-2] for org, chain in self.chains.items() if len(chain) > 1}

    @property
    def depth(self) -> dict[int, int]:
        return {org: len(chain) for org, chain in self.chains.items()}

    def ancestors_of(self, org_ids: Iterable[int]) -> set[int]:
        out: set[int] = set()
        for org in org_ids:
            out.update(self.chains.get(int(org), (int(org),)))
        return out

    def pairs(self, own_ids: Iterable[int], restrict: set[int] | None = None) -> pd.DataFrame:
        """(own_org_id, org_id) for every own node and each of its ancestors (optionally only those in ``restrict``)."""
        own, anc = [], []
        for org in dict.fromkeys(int(o) for o in own_ids):
            for a in self.chains.get(org, (org,)):
                if restrict is None or a in restrict:
                    own.append(org)
                    anc.append(a)
        return pd.DataFrame({"own_org_id": np.array(own, dtype=np.int64), "org_id": np.array(anc, dtype=np.int64)})

    def ancestor_pairs(self, own_org_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For rows with these own org nodes: (row index, org id) once for the node and once for
        each of its ancestors, in one vectorised pass."""
        own = np.asarray(own_org_ids, dtype=np.int64)
        unique_own, inverse = np.unique(own, return_inverse=True)
        chains = [self.chains.get(int(o), (int(o),)) for o in unique_own.tolist()]
        lengths = np.fromiter((len(c) for c in chains), dtype=np.int64, count=len(chains))
        flat = np.fromiter((a for c in chains for a in c), dtype=np.int64, count=int(lengths.sum()))
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        repeat = lengths[inverse]
        # row i becomes repeat[i] rows: the ancestors flat[starts[inverse[i]] + 0 … repeat[i] − 1]
        offsets = np.arange(int(repeat.sum()), dtype=np.int64) - np.repeat(np.cumsum(repeat) - repeat, repeat)
        rows = np.repeat(np.arange(len(own), dtype=np.int64), repeat)
        return rows, flat[np.repeat(starts[inverse], repeat) + offsets]

    def sum_into_ancestors(self, frame: pd.DataFrame, keys: Sequence[str], sums: Sequence[str]) -> pd.DataFrame:
        """Rows with an ``own_org_id`` summed into that node and each of its ancestors: one row per
        (``org_id``, keys). For the few thousand rows of a load batch (``roll_up`` goes level by
        level, for the millions of a rebuild)."""
        keys, sums = list(keys), list(sums)
        if frame.empty:
            return pd.DataFrame(columns=["org_id", *keys, *sums])
        rows, orgs = self.ancestor_pairs(frame["own_org_id"].to_numpy(dtype=np.int64))
        expanded = frame.iloc[rows][[*keys, *sums]].reset_index(drop=True)
        expanded.insert(0, "org_id", orgs)
        return expanded.groupby(["org_id", *keys], as_index=False, sort=False)[sums].sum()

    def roll_up(
        self, frame: pd.DataFrame, keys: Sequence[str], sums: Sequence[str], restrict: set[int] | None = None
    ) -> pd.DataFrame:
        """Sum ``frame`` (with an ``own_org_id`` column) into every ancestor org: one row per org and keys.

        Level by level, deepest first (a node's total = its own rows + its children's totals), so the
        work shrinks at each level instead of repeating every row once per ancestor.
        """
        keys, sums = list(keys), list(sums)
        if frame.empty:
            return pd.DataFrame(columns=["org_id", *keys, *sums])
        level = frame.rename(columns={"own_org_id": "org_id"})[["org_id", *keys, *sums]]
        level = level.groupby(["org_id", *keys], as_index=False, sort=False)[sums].sum()
        parent_of, depth_of = self.parent, self.depth
        depth = level["org_id"].map(depth_of).fillna(1).to_numpy(dtype=np.int64)
        pending = {int(d): level[depth == d] for d in np.unique(depth)}
        done = []
        for d in range(int(max(pending)), 0, -1):
            if d not in pending:
                continue
            totals = pending.pop(d).groupby(["org_id", *keys], as_index=False, sort=False)[sums].sum()
            done.append(totals)
            if d > 1:
                up = totals.assign(org_id=totals["org_id"].map(parent_of).to_numpy(dtype=np.int64))
                pending[d - 1] = pd.concat([pending[d - 1], up], ignore_index=True) if d - 1 in pending else up
        out = pd.concat(done, ignore_index=True)
        if restrict is not None:
            out = out[out["org_id"].isin(restrict)]
        return out.sort_values(["org_id", *keys], kind="stable").reset_index(drop=True)

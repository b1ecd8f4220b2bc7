"""Turning an edit request into a plan: the new shape, name and code of every unit touched."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import psycopg
import shapely
from shapely.geometry.base import BaseGeometry

from gridmap.core import vocab
from gridmap.core.errors import NotFound
from gridmap.grid.redraw import geometry
from gridmap.grid.redraw.problems import EditRefused
from gridmap.store import edits as edit_store

OPERATIONS = ("edit", "move_border", "split", "merge")


@dataclass
class Unit:
    """One unit as the plan sees it: its current version and what it becomes."""

    code: str
    name: str
    parent: str | None
    version: int | None  # None for a unit the edit creates
    old: BaseGeometry | None
    new: BaseGeometry | None  # None: the edit closes the unit

    def before(self) -> BaseGeometry:
        """The current shape (the unit exists)."""
        assert self.old is not None, f"unit {self.code} is new"
        return self.old

    def after(self) -> BaseGeometry:
        """The shape after the edit (the unit stays open)."""
        assert self.new is not None, f"unit {self.code} is closed"
        return self.new

    @property
    def level(self) -> int:
        """1 county, 2 township, 3 village, 4 group."""
        return vocab.level_of(self.code) or 0


@dataclass
class Plan:
    """Every unit an edit touches, keyed by code, and the codes it changes."""

    kind: str
    units: dict[str, Unit] = field(default_factory=dict)
    new_codes: dict[str, str] = field(default_factory=dict)
    #: The units the request names; they belong to the token even when left unchanged.
    subjects: set[str] = field(default_factory=set)

    def changed(self) -> list[Unit]:
        """Units whose shape, existence or code the edit changes."""
        return [u for u in self.units.values() if u.version is None or u.new is None
                or not shapely.equals(u.old, u.new)]  # fmt: skip

    def touched(self) -> list[Unit]:
        """Existing units the edit names or changes."""
        codes = {u.code for u in self.changed()} | self.subjects
        return [self.units[c] for c in sorted(codes) if self.units[c].version]

    def token(self) -> str:
        """Identifies the versions of every existing unit the edit touches."""
        versions = [f"{u.code}:{u.version}" for u in self.touched()]
        return hashlib.sha1(";".join(versions).encode()).hexdigest()[:20]

    def area(self) -> BaseGeometry:
        """Where anything changes: old and new shapes of every changed unit."""
        shapes = [g for u in self.changed() for g in (u.old, u.new) if g is not None]
        return shapely.union_all(shapes)


class GridState:
    """Current units loaded on demand, so a plan reads only the families it touches."""

    def __init__(self, conn: psycopg.Connection, kind: str):
        self.conn = conn
        self.plan = Plan(kind)

    def subject(self, code: str) -> Unit:
        """A unit the request names (part of the token)."""
        self.plan.subjects.add(code)
        return self.unit(code)

    def unit(self, code: str) -> Unit:
        """The unit `code` (loaded once); NotFound when it is not a current unit."""
        if code not in self.plan.units:
            found = edit_store.current_versions(self.conn, [code]).get(code)
            if found is None:
                raise NotFound(f"no current unit {code}")
            self._add(found)
        return self.plan.units[code]

    def children(self, code: str) -> list[Unit]:
        """The current children of `code`, in code order."""
        for row in edit_store.children_versions(self.conn, [code]).values():
            if row["code"] not in self.plan.units:
                self._add(row)
        kids = [u for u in self.plan.units.values() if u.parent == code and u.new is not None]
        return sorted(kids, key=lambda u: u.code)

    def _add(self, row: dict) -> None:
        geom = shapely.from_wkb(row["wkb"])
        self.plan.units[row["code"]] = Unit(
            row["code"], row["name"], row["parent"], row["version"], geom, geom
        )

    def next_code(self, parent: str, taken: set[str] | None = None) -> str:
        """The next free 3-digit code under `parent`; codes once used are never reused."""
        used = edit_store.used_codes(self.conn, parent) | set(self.plan.units) | (taken or set())
        numbers = [
            int(c[-vocab.CHILD_DIGITS :])
            for c in used
            if c.startswith(parent) and vocab.parent_of(c) == parent
        ]
        following = max(numbers, default=0) + 1
        if following > 999:
            raise EditRefused("no_free_code", parent=parent)
        return f"{parent}{following:03d}"


def move_area(state: GridState, moved: BaseGeometry, losing: str, gaining: str) -> None:
    """Move `moved` from unit `losing` to its sibling `gaining`, down through all levels.

    Each part of a losing child inside the moved area joins the gaining child that shares
    the longest border with that part. A part that borders none yet waits for its
    neighbouring parts to be placed first.
    """
    if len(losing) >= vocab.CODE_LENGTH[vocab.GROUP] or moved.is_empty:
        return
    gaining_kids = {u.code: u.after() for u in state.children(gaining)}
    if not gaining_kids:
        return
    parts: list[tuple[str, BaseGeometry]] = []
    for kid in state.children(losing):
        taken = geometry.polygonal(shapely.intersection(kid.after(), moved))
        if taken.is_empty:
            continue
        kid.new = geometry.polygonal(shapely.difference(kid.after(), taken))
        if kid.new.is_empty:
            raise EditRefused("unit_swallowed", unit=kid.code)
        parts += [(kid.code, part) for part in shapely.get_parts(taken)]
    while parts:
        placed = _place_parts(state, parts, gaining_kids)
        if not placed:
            raise EditRefused("part_not_bordering", unit=parts[0][0])
        parts = [p for p in parts if p not in placed]


def _place_parts(
    state: GridState, parts: list[tuple[str, BaseGeometry]], gaining_kids: dict
) -> list[tuple[str, BaseGeometry]]:
    """Give each part that borders a gaining child to the one it borders most; return those."""
    placed = []
    for source, part in parts:
        target = max(gaining_kids, key=lambda c: geometry.shared_edge_length(part, gaining_kids[c]))
        if geometry.shared_edge_length(part, gaining_kids[target]) <= 0:
            continue
        receiver = state.unit(target)
        receiver.new = geometry.polygonal(shapely.union(receiver.after(), part))
        gaining_kids[target] = receiver.after()
        move_area(state, part, source, target)
        placed.append((source, part))
    return placed


def _siblings(state: GridState, code1: str, code2: str) -> tuple[Unit, Unit]:
    a, b = state.subject(code1), state.subject(code2)
    if code1 == code2 or a.parent != b.parent or a.level != b.level:
        raise EditRefused("not_siblings", a=code1, b=code2)
    return a, b


def plan_move_border(
    conn: psycopg.Connection, code1: str, code2: str, line: shapely.LineString
) -> GridState:
    """Redraw the shared border of two siblings along `line`, cascading to their children."""
    state = GridState(conn, "move_border")
    a, b = _siblings(state, code1, code2)
    # A line snapped to a vertex on the page arrives rounded to 6 decimals, a hair off it.
    line = geometry.snap_line(line, [a.before(), b.before()])
    new_a, new_b = geometry.move_border(a.before(), b.before(), line)
    a.new, b.new = new_a, new_b
    move_area(state, geometry.polygonal(shapely.difference(new_a, a.before())), b.code, a.code)
    move_area(state, geometry.polygonal(shapely.difference(new_b, b.before())), a.code, b.code)
    return state


def plan_edit(conn: psycopg.Connection, code: str, geom: BaseGeometry) -> GridState:
    """Give one villager group a new shape (checked later against its village and siblings)."""
    state = GridState(conn, "edit")
    unit = state.subject(code)
    if unit.level != vocab.GROUP:
        raise EditRefused("edit_groups_only")
    family = [state.unit(unit.parent or "").before(), unit.before()]
    family += [kid.before() for kid in state.children(unit.parent or "")]
    snapped = geometry.snap_to_vertices(geom, family)
    unit.new = geometry.polygonal(shapely.make_valid(snapped))
    if unit.new.is_empty:
        raise EditRefused("no_area")
    return state


def plan_split(
    conn: psycopg.Connection, code: str, line: shapely.LineString, name: str | None = None
) -> GridState:
    """Split a villager group along `line`; the smaller part gets the next free code."""
    state = GridState(conn, "split")
    unit = state.subject(code)
    if unit.level != vocab.GROUP:
        raise EditRefused("split_groups_only")
    line = geometry.snap_line(line, [unit.before()])
    unit.new, other = geometry.split_in_two(unit.before(), line)
    new_code = state.next_code(unit.parent or "")
    state.plan.units[new_code] = Unit(
        new_code, name or f"{unit.name}（分）", unit.parent, None, None, other
    )
    return state


def plan_merge(conn: psycopg.Connection, code1: str, code2: str) -> GridState:
    """Merge two groups (or two villages, re-coding the absorbed one's groups) into the first."""
    state = GridState(conn, "merge")
    keeper, absorbed = _siblings(state, code1, code2)
    if keeper.level not in (vocab.VILLAGE, vocab.GROUP):
        raise EditRefused("merge_levels")
    keeper.new = geometry.merge(keeper.before(), absorbed.before())
    absorbed.new = None
    if keeper.level == vocab.VILLAGE:
        taken: set[str] = set()
        for group in state.children(absorbed.code):
            new_code = state.next_code(keeper.code, taken)
            taken.add(new_code)
            state.plan.new_codes[group.code] = new_code
            state.plan.units[new_code] = Unit(
                new_code, group.name, keeper.code, None, None, group.new
            )
            group.new = None
    return state

"""A slice's normalized input (`SliceSpec`) and its limits, checked by the API before it enqueues
(BAD_USER_INPUT) and again by every `SliceSpec`, so no job computes an input the API would refuse
(a spec read back from Redis by the warm-up cron, or a job enqueued by other code).

Several centres (seeds) are one set: sorted and deduplicated, so `[b, a, a]` and `[a, b]` are the
same slice (the same key, the same arq job)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from workers.slice_window import Window


class EdgeKind(StrEnum):
    """The relations a slice can follow (the GraphQL enum EdgeKind is this one, described in
    schema/slices.py)."""

    AUTHORED = "AUTHORED"
    COAUTHOR = "COAUTHOR"
    CITES = "CITES"
    HAS_TOPIC = "HAS_TOPIC"
    AFFILIATED = "AFFILIATED"
    CO_CITED = "CO_CITED"
    COUPLED = "COUPLED"
    RELATED = "RELATED"


class SliceStatus(StrEnum):
    """Where a slice is in its life (the GraphQL enum SliceStatus is this one)."""

    PENDING = "PENDING"
    READY = "READY"
    FAILED = "FAILED"


EDGE_KINDS = tuple(kind.value for kind in EdgeKind)
#: What a slice follows when `edgeKinds` is not given: the structural edges. The similarity
#: edges (CO_CITED, COUPLED, RELATED) are asked for: around a much-cited work they read every
#: work citing it, so a slice pays for them only when its client wants them.
DEFAULT_EDGE_KINDS = tuple(
    kind.value
    for kind in (
        EdgeKind.AUTHORED,
        EdgeKind.COAUTHOR,
        EdgeKind.CITES,
        EdgeKind.HAS_TOPIC,
        EdgeKind.AFFILIATED,
    )
)
NODE_KINDS = ("Author", "Work", "Topic", "Institution")
MAX_RADIUS = 2
MAX_NODES = 200
MAX_EXCLUDE = 500
MAX_CENTERS = 10
MAX_SIMILARITY = 1000

NodeKey = tuple[str, int]


class OutOfLimits(ValueError):
    """A slice input outside the limits; `argument` is its GraphQL input field."""

    def __init__(self, argument: str, message: str, maximum: int | None = None) -> None:
        super().__init__(message)
        self.argument = argument
        self.message = message
        self.maximum = maximum


def check_limits(
    *,
    radius: int,
    max_nodes: int,
    exclude: int,
    edge_kinds: tuple[str, ...] | None,
    year_from: int | None,
    year_to: int | None,
    centers: int = 1,
    min_similarity: int = 1,
) -> None:
    """Raise `OutOfLimits` for input a slice may not have."""
    if not 1 <= min_similarity <= MAX_SIMILARITY:
        raise OutOfLimits(
            "minSimilarity",
            f"`minSimilarity` must be between 1 and {MAX_SIMILARITY}, got {min_similarity}",
            MAX_SIMILARITY,
        )
    if centers < 1:
        raise OutOfLimits("centers", "Give a `center` or at least one id in `centers`")
    if centers > MAX_CENTERS:
        raise OutOfLimits(
            "centers",
            f"A slice takes at most {MAX_CENTERS} centers, got {centers}",
            MAX_CENTERS,
        )
    if not 1 <= radius <= MAX_RADIUS:
        raise OutOfLimits(
            "radius", f"`radius` must be between 1 and {MAX_RADIUS}, got {radius}", MAX_RADIUS
        )
    if not 1 <= max_nodes <= MAX_NODES:
        raise OutOfLimits(
            "maxNodes", f"`maxNodes` must be between 1 and {MAX_NODES}, got {max_nodes}", MAX_NODES
        )
    if exclude > MAX_EXCLUDE:
        raise OutOfLimits(
            "exclude", f"`exclude` takes at most {MAX_EXCLUDE} ids, got {exclude}", MAX_EXCLUDE
        )
    if year_from is not None and year_to is not None and year_from > year_to:
        raise OutOfLimits(
            "yearFrom", f"`yearFrom` ({year_from}) must not be after `yearTo` ({year_to})"
        )
    if edge_kinds is not None and not edge_kinds:
        raise OutOfLimits("edgeKinds", "`edgeKinds` must name at least one edge kind")
    unknown = sorted(set(edge_kinds or ()) - set(EDGE_KINDS))
    if unknown:
        raise OutOfLimits("edgeKinds", f"`edgeKinds` has unknown kinds {unknown}")


@dataclass(frozen=True)
class SliceSpec:
    """A normalized slice input: ids as (type, int id); centers, edge kinds and exclusions
    sorted and deduplicated. Constructing one outside the limits raises `OutOfLimits`."""

    centers: tuple[NodeKey, ...]
    radius: int = 1
    edge_kinds: tuple[str, ...] = DEFAULT_EDGE_KINDS
    max_nodes: int = 50
    exclude: tuple[NodeKey, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    #: the least weight of a CO_CITED or COUPLED edge
    min_similarity: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "centers", tuple(sorted(set(self.centers))))
        check_limits(
            radius=self.radius,
            max_nodes=self.max_nodes,
            exclude=len(self.exclude),
            edge_kinds=self.edge_kinds,
            year_from=self.year_from,
            year_to=self.year_to,
            centers=len(self.centers),
            min_similarity=self.min_similarity,
        )
        if any(kind not in NODE_KINDS for kind, _ in self.centers):
            raise OutOfLimits("centers", f"a slice center is one of {list(NODE_KINDS)}")

    @classmethod
    def of(cls, center: NodeKey, **rest: Any) -> SliceSpec:
        """A one-centre slice."""
        return cls(centers=(center,), **rest)

    def to_dict(self) -> dict[str, Any]:
        return {
            "centers": [f"{t}:{i}" for t, i in self.centers],
            "radius": self.radius,
            "edgeKinds": sorted(set(self.edge_kinds)),
            "maxNodes": self.max_nodes,
            "exclude": [f"{t}:{i}" for t, i in sorted(set(self.exclude))],
            "yearFrom": self.year_from,
            "yearTo": self.year_to,
            "minSimilarity": self.min_similarity,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SliceSpec:
        def node(value: str) -> NodeKey:
            kind, _, key = value.partition(":")
            return kind, int(key)

        return cls(
            centers=tuple(node(v) for v in data["centers"]),
            radius=int(data["radius"]),
            edge_kinds=tuple(data["edgeKinds"]),
            max_nodes=int(data["maxNodes"]),
            exclude=tuple(node(v) for v in data["exclude"]),
            year_from=data.get("yearFrom"),
            year_to=data.get("yearTo"),
            min_similarity=int(data.get("minSimilarity", 1)),
        )

    @property
    def window(self) -> Window:
        return self.year_from, self.year_to

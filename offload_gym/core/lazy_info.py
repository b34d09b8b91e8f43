"""An ``info`` dict whose costly entries are computed only when somebody reads them.

The LAENet envs' certified optimum (one exact solve, ~10 ms per instance) is what
``info["optimality_ratio"]`` and its companions need; training loops (SB3, MaskablePPO,
Monitor) never read them. :class:`LazyInfo` is a real ``dict`` (``isinstance(info, dict)``,
Gymnasium's checker) whose lazy keys are present from the start; the first read of any of
them, or of the whole dict (``items()``, ``values()``, ``copy()``, ``{**info}``,
``dict(info)``, ``==``, ``repr``, pickling), fills all of them with one call, and from then
on it is an ordinary dict with the same values an eager computation would have given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

__all__ = ["LazyInfo"]


class _Pending:
    """Placeholder of a lazy value not computed yet (never returned to a reader)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<pending>"


PENDING = _Pending()


class LazyInfo(dict):
    """``dict(data)`` plus ``lazy_keys`` whose values ``fill()`` returns (a mapping with at
    least those keys), called once, on the first read that can see them."""

    __slots__ = ("_fill",)

    def __init__(self, data: Mapping[str, Any], lazy_keys: Iterable[str],
                 fill: Callable[[], Mapping[str, Any]]) -> None:
        super().__init__(data)
        for key in lazy_keys:
            dict.__setitem__(self, key, PENDING)
        self._fill: Callable[[], Mapping[str, Any]] | None = fill

    @property
    def pending(self) -> bool:
        """True while the lazy values have not been computed."""
        return self._fill is not None

    def resolve(self) -> LazyInfo:
        """Compute the lazy values now (no-op once done); returns self."""
        fill = self._fill
        if fill is not None:
            self._fill = None
            values = fill()
            for key, value in dict.items(self):
                if value is PENDING:
                    dict.__setitem__(self, key, values[key])
        return self

    # every read that can expose a value resolves first
    def __getitem__(self, key: Any) -> Any:
        value = dict.__getitem__(self, key)
        if value is PENDING:
            self.resolve()
            value = dict.__getitem__(self, key)
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if dict.__contains__(self, key) else default

    def __iter__(self) -> Iterator[Any]:  # overridden: dict(x) / {**x} then use keys + []
        return dict.__iter__(self)

    def items(self):  # type: ignore[override]
        return dict.items(self.resolve())

    def values(self):  # type: ignore[override]
        return dict.values(self.resolve())

    def copy(self) -> dict[str, Any]:
        """A plain dict with every value computed."""
        return dict.copy(self.resolve())

    def pop(self, key: Any, *default: Any) -> Any:
        return dict.pop(self.resolve(), key, *default)

    def popitem(self) -> tuple[Any, Any]:
        return dict.popitem(self.resolve())

    def setdefault(self, key: Any, default: Any = None) -> Any:
        return dict.setdefault(self.resolve(), key, default)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyInfo):
            other.resolve()
        return dict.__eq__(self.resolve(), other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __or__(self, other: Any) -> dict[str, Any]:
        return dict.__or__(self.copy(), other)

    def __ror__(self, other: Any) -> dict[str, Any]:
        return dict.__or__(dict(other), self.copy())

    def __repr__(self) -> str:
        return dict.__repr__(self.resolve())

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        """Pickled / copied as a plain dict with every value computed (the fill function,
        which holds the env, never travels)."""
        return dict, (self.copy(),)

    def __reduce__(self) -> tuple[Any, ...]:
        return self.__reduce_ex__(2)

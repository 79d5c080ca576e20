"""Compute each file hash once while many editions are checked against the same files.

Deciding whether 357 kommune editions are up to date means hashing the same datasets, dataset
descriptions and renderer files 357 times. Inside ``snapshot()`` a value computed by ``once(key,
compute)`` is kept and reused; outside it ``once`` always computes (the build itself never trusts
a remembered hash, since files may change between two builds in one process). Files must not
change while a snapshot is open: it is used for the up-to-date check before a build starts.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Hashable, TypeVar

T = TypeVar("T")
_active: dict | None = None


@contextmanager
def snapshot():
    global _active
    outer = _active
    if outer is None:
        _active = {}
    try:
        yield
    finally:
        _active = outer


def once(key: Hashable, compute: Callable[[], T]) -> T:
    if _active is None:
        return compute()
    if key not in _active:
        _active[key] = compute()
    return _active[key]

"""The two checks every bad-input matrix (tests/python/test_bad_input_*.py) runs: a row's call
raises exactly its medimg exception with its message fragment, and every public name of the
area has a row (row names start with the function or class they test)."""

from types import ModuleType
from typing import Callable, Iterable, Mapping, Set, Tuple

import pytest

Row = Tuple[Callable, type, str]  # (call(tmp_path), exception class, message fragment)


def assert_refused(row: Row, tmp_path) -> None:
    call, expected, fragment = row
    with pytest.raises(expected) as caught:
        call(tmp_path)
    assert type(caught.value) is expected, f"{type(caught.value).__name__}: {caught.value}"
    assert fragment in str(caught.value)


def assert_every_name_has_a_row(names: Iterable[str], modules: Iterable[ModuleType],
                                excluded: Set[str]) -> None:
    covered = {name.split()[0] for name in names}
    public = set().union(*(set(m.__all__) for m in modules))
    missing = public - excluded - covered
    assert not missing, f"names without a bad-input row: {sorted(missing)}"
    assert excluded <= public  # no stale exclusion
